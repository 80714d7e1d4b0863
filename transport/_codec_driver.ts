/**
 * What every link over a codec shares: handing the codec's events to the
 * session, and one timer for the codec's next deadline.
 *
 * @module
 */

import type { Verdict } from "../codec/authentication.ts";
import type { Connection, ConnectionEvent } from "../codec/connection.ts";
import type { ProtocolError } from "../codec/errors.ts";
import type { WebSocketConnection } from "../codec/websocket_connection.ts";
import type { Session } from "./transport.ts";

/** A codec a link drives: ZMTP's own, or ZWS (inside WebSocket frames or not). */
export type LinkCodec = Connection | WebSocketConnection;

/** What the driver asks of its link. */
export interface DriverHooks {
  /** Whether the link is closed (no timer then). */
  closed(): boolean;
  /** The codec has output to write. */
  wake(): void;
  /** The codec failed: write out what it still has (an ERROR), then close. */
  failed(): void;
}

/** Drives one codec for one link. */
export class CodecDriver {
  /** The codec. */
  readonly codec: LinkCodec;
  /** The monotonic clock the codec's deadlines are on, in ms. */
  readonly now: () => number;
  /** Set once the codec refused the peer. */
  error: ProtocolError | undefined;
  #session!: Session;
  #hooks: DriverHooks;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(codec: LinkCodec, now: () => number, hooks: DriverHooks) {
    this.codec = codec;
    this.now = now;
    this.#hooks = hooks;
  }

  /** Where events go from now on; the deadline timer starts. */
  start(session: Session): void {
    this.#session = session;
    this.#arm();
  }

  /** Stops the timer. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  /** Feeds bytes (or one ZWS message) from the peer. */
  receive(chunk: Uint8Array): boolean {
    const keepReading = this.dispatch(this.codec.receive(chunk, this.now()));
    if (this.codec.pendingOutputBytes > 0) this.#hooks.wake();
    return keepReading;
  }

  /** Goes on with a handshake that asked for a verdict on the peer. */
  authenticated(verdict: Verdict): void {
    if (this.#hooks.closed() || this.error) return;
    this.dispatch(this.codec.authenticated(verdict));
    if (this.codec.pendingOutputBytes > 0) this.#hooks.wake();
  }

  /**
   * Hands events to the session.
   *
   * @returns `false` when reading must pause: the session is full, or the
   * codec failed.
   */
  dispatch(events: ConnectionEvent[]): boolean {
    let keepReading = true;
    for (const event of events) {
      if (event.type === "error") {
        this.error = event.error;
        this.#session.handle(event);
        this.#hooks.failed();
        return false;
      }
      // From the handshake deadline to the heartbeat timers.
      if (event.type === "ready") queueMicrotask(() => this.#arm());
      if (!this.#session.handle(event)) keepReading = false;
    }
    return keepReading;
  }

  /**
   * One timer for the codec's next deadline (handshake, then heartbeats),
   * re-armed when it fires rather than on every read: traffic only moves
   * the codec's notion of life, which it checks when the timer fires.
   */
  #arm(): void {
    clearTimeout(this.#timer);
    const deadline = this.codec.deadline;
    if (deadline === undefined || this.#hooks.closed()) return;
    this.#timer = setTimeout(() => {
      this.dispatch(this.codec.tick(this.now()));
      if (this.codec.pendingOutputBytes > 0) this.#hooks.wake();
      if (!this.error) this.#arm();
    }, Math.max(0, deadline - this.now()));
  }
}
