/**
 * What every link over a codec shares: handing the codec's events to the
 * session, and scheduling the codec's next deadline.
 *
 * @module
 */

import type { Verdict } from "../codec/authentication.ts";
import type { Connection, ConnectionEvent } from "../codec/connection.ts";
import { ProtocolError } from "../codec/errors.ts";
import type { RawConnection } from "../codec/raw_connection.ts";
import type { WebSocketConnection } from "../codec/websocket_connection.ts";
import { deadlines, type Due, patientTimeout } from "./_deadlines.ts";
import { LARGEST_SMALL_READ_BUFFER_SIZE } from "./_read_buffers.ts";
import type { Link, LinkEnd, LinkEvent, Session } from "./transport.ts";

/**
 * A codec a link drives: ZMTP's own, ZWS (inside WebSocket frames or not),
 * or raw bytes (STREAM).
 */
export type LinkCodec = Connection | WebSocketConnection | RawConnection;

/** The links' default clock: one function for all, not a closure each. */
export const monotonicNow = (): number => performance.now();

/**
 * How long a failed connection may take to write out what it still has (an
 * ERROR) before it closes all the same: a peer that reads nothing more (a
 * hung process) must not keep it, its descriptor and its queue.
 */
const ERROR_FLUSH_MS = 1000;

/**
 * What the driver asks of its link: the link itself, not closures made for
 * it (each closure and its context is memory every idle connection holds).
 */
export type DrivenLink = Pick<
  Link,
  "closed" | "wake" | "whenFlushed" | "close"
>;

/**
 * A large read buffer that messages hold less than this part of, of what
 * was read into it, gives its next messages copies of their own (see
 * CodecDriver.#unpin). A stream of small messages fills its buffers with
 * them (16 B ones: 8 bytes in 9) and is never copied.
 */
const HELD_PART = 16;

/** Drives one codec for one link. */
export class CodecDriver implements Due {
  /** The codec. */
  readonly codec: LinkCodec;
  /** The monotonic clock the codec's deadlines are on, in ms. */
  readonly now: () => number;
  /** Set once the codec refused the peer. */
  error: ProtocolError | undefined;
  #session!: Session;
  #link: DrivenLink;
  /** The codec's deadline the shared timer was last set for. */
  #armedFor = Infinity;
  /** Bytes read into the current large read buffer, and what messages hold. */
  #readIntoBuffer = 0;
  #heldOfBuffer = 0;

  constructor(codec: LinkCodec, now: () => number, link: DrivenLink) {
    this.codec = codec;
    this.now = now;
    this.#link = link;
  }

  /**
   * Where events go from now on; the deadline timer starts. A codec due at
   * once (a raw one, which has no handshake) is ticked now, so its peer is
   * ready before any byte or hang-up of it is read.
   */
  start(session: Session): void {
    this.#session = session;
    const deadline = this.codec.deadline;
    if (deadline !== undefined && deadline <= this.now()) {
      this.dispatch(this.codec.tick(this.now()));
    }
    this.#arm();
  }

  /** Forgets the codec's deadline. */
  stop(): void {
    deadlines.cancel(this);
  }

  /** Tells the session, if started, that the link ended. */
  ended(end: LinkEnd): void {
    this.#session?.ended?.(end);
  }

  /** Feeds bytes (or one ZWS message) from the peer. */
  receive(chunk: Uint8Array<ArrayBuffer>): boolean {
    const codec = this.codec;
    // The clock only for a codec with a deadline or a handshake under way:
    // reading it is an op, most of a microsecond a read here.
    const timed = codec.deadline !== undefined || codec.state !== "ready";
    let events: ConnectionEvent[];
    try {
      events = codec.receive(chunk, timed ? this.now() : undefined);
    } catch (error) {
      return this.#crashed(error);
    }
    // A small read buffer (a quiet link's) kept by a message is little.
    if (chunk.buffer.byteLength > LARGEST_SMALL_READ_BUFFER_SIZE) {
      this.#unpin(events, chunk);
    }
    const keepReading = this.dispatch(events);
    if (codec.pendingOutputBytes > 0) this.#link.wake();
    // A deadline where there was none, or one due at once: the peer's PING
    // gave its TTL to a connection that sends no heartbeats of its own (and
    // without the time, its tick tells the codec when the TTL started); or
    // one earlier than armed: a PING's TTL shorter than what was due.
    const deadline = codec.deadline;
    if (
      deadline !== undefined && !this.error &&
      (!timed || !deadlines.has(this) || deadline < this.#armedFor)
    ) {
      this.#arm();
    }
    return keepReading;
  }

  /**
   * The codec's output to write. With heartbeats, it is told the time: a
   * PING written by now awaits its answer, whose deadline may come first.
   * A deadline may come with the take where there was none: over ZWS the
   * first asks for a verdict, told at a tick due at once.
   */
  takeOutput(): Uint8Array[] {
    const codec = this.codec;
    const timed = codec.deadline !== undefined;
    const chunks = timed ? codec.takeOutput(this.now()) : codec.takeOutput();
    const deadline = codec.deadline;
    if (
      deadline !== undefined && !this.error &&
      (!timed || deadline < this.#armedFor)
    ) {
      this.#arm();
    }
    return chunks;
  }

  /** Has the session queue up to `bytes` of messages into the codec. */
  fill(bytes: number): void {
    if (this.codec.state !== "ready" || this.error) return;
    try {
      this.#session.fill(this.codec, bytes);
    } catch (error) {
      this.#crashed(error);
    }
  }

  /** Goes on with a handshake that asked for a verdict on the peer. */
  authenticated(verdict: Verdict): void {
    if (this.#link.closed || this.error) return;
    this.dispatch(this.codec.authenticated(verdict));
    if (this.codec.pendingOutputBytes > 0) this.#link.wake();
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
        // A peer that timed out (heartbeats, TTL, handshake) is taken for
        // gone, as libzmq closes at once: nothing more is written to it.
        if (event.error.kind === "timeout") {
          this.#link.close();
          return false;
        }
        // Write out what the codec still has (an ERROR), then close, within
        // ERROR_FLUSH_MS. Wake first: an idle writer counts as flushed.
        this.#link.wake();
        const link = this.#link;
        const clear = patientTimeout(() => link.close(), ERROR_FLUSH_MS);
        link.whenFlushed().then(() => {
          clear();
          link.close();
        });
        return false;
      }
      // From the handshake deadline to the heartbeat timers.
      if (event.type === "ready") queueMicrotask(() => this.#arm());
      // A message's frames are views of chunks given to `receive`, all of
      // `ArrayBuffer`s, or copies the codec made.
      if (!this.#session.handle(event as LinkEvent)) keepReading = false;
    }
    return keepReading;
  }

  /**
   * What the codec throws besides a ProtocolError is a fault of ours, not
   * the peer's: it ends this link, as an error event, rather than the
   * program (an unhandled rejection in a link's loop).
   */
  #crashed(error: unknown): false {
    const reason = error instanceof Error ? error.message : String(error);
    this.dispatch([{
      type: "error",
      error: error instanceof ProtocolError ? error : new ProtocolError(
        "local",
        `the connection failed inside this library: ${reason}`,
      ),
    }]);
    return false;
  }

  /**
   * Frames are views into the buffer they were read into (no copy per
   * message), so a message queued unread keeps all of it, and the receive
   * high-water mark counts messages, not what they keep. Where messages
   * hold a small part of what was read into a large buffer (the rest was
   * commands, or bytes gathered elsewhere), the read's messages get copies
   * of their own: a peer that sent 60 KB of commands we ignore before each
   * 1-byte message made a socket that was not read keep 64 KiB a message
   * (640 MB for 10 peers; libzmq's grew 1.2 MB: it copies frames of 33
   * bytes or less). A buffer is filled from its start once, so a read at
   * offset 0 is a new one: no reference to it is kept.
   */
  #unpin(events: ConnectionEvent[], chunk: Uint8Array): void {
    if (chunk.byteOffset === 0) this.#readIntoBuffer = this.#heldOfBuffer = 0;
    const read = this.#readIntoBuffer += chunk.length;
    let held = this.#heldOfBuffer;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (event.type !== "message") continue;
      const frames = event.frames;
      for (let j = 0; j < frames.length; j++) held += frames[j].length;
      // Held enough: the rest need not be counted (a stream of small
      // messages counts a sixteenth of each read).
      if (held * HELD_PART >= read) {
        this.#heldOfBuffer = held;
        return;
      }
    }
    this.#heldOfBuffer = held;
    const buffer = chunk.buffer;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (event.type !== "message") continue;
      const frames = event.frames;
      for (let j = 0; j < frames.length; j++) {
        if (frames[j].buffer === buffer) frames[j] = frames[j].slice();
      }
    }
  }

  /** The codec's deadline passed: its tick, then the next deadline. */
  onDeadline(): void {
    let events: ConnectionEvent[];
    try {
      events = this.codec.tick(this.now());
    } catch (error) {
      this.#crashed(error);
      return;
    }
    this.dispatch(events);
    if (this.codec.pendingOutputBytes > 0) this.#link.wake();
    if (!this.error) this.#arm();
  }

  /**
   * Schedules the codec's next deadline (handshake, then heartbeats) with
   * the links' shared timer, again when it passes rather than on every
   * read: traffic only moves the codec's notion of life, which it checks
   * when the deadline passes.
   */
  #arm(): void {
    const deadline = this.codec.deadline;
    if (deadline === undefined || this.#link.closed) return this.stop();
    this.#armedFor = deadline;
    deadlines.schedule(this, deadline - this.now());
  }
}
