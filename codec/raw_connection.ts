/**
 * A raw connection, for ZMQ_STREAM: no greeting, no handshake, no frames;
 * the bytes of the stream are the messages. The same sans-I/O surface as
 * {@linkcode Connection}, so a transport drives either the same way.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import type { ConnectionState } from "./connection.ts";
import type { ConnectionEvent, PeerInfo } from "./connection_event.ts";
import { ZmqError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import { Metadata } from "./metadata.ts";
import { WriteBatch } from "./_output_buffer.ts";

/** Bodies at least this large go out by reference instead of being copied. */
const ZERO_COPY_THRESHOLD = 4096;
const RAW_READ_SIZE = 8192;

/** Options of a {@linkcode RawConnection}. */
export interface RawConnectionOptions {
  /**
   * The current time in ms: the connection is due for its first
   * {@linkcode RawConnection.tick} at once. Default 0.
   */
  now?: number | undefined;
  /**
   * Whether the caller writes out every chunk `takeOutput` returns before
   * it calls `takeOutput` again, so the buffers behind them may be filled
   * again (as `ConnectionOptions.reuseOutput`). Default false.
   */
  reuseOutput?: boolean | undefined;
}

/**
 * Bytes to and from a peer that speaks no ZMTP (an HTTP client, a telnet
 * session), as libzmq's raw engine moves them for a STREAM socket. It is
 * ready as soon as it is told the time or given bytes, whichever comes
 * first; each `receive` is one message, whatever the size of the chunk;
 * each message sent is written as its frames' bytes, one after the other.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const raw = new codec.RawConnection();
 * console.log(raw.tick(0)[0].type); // "ready"
 * const [event] = raw.receive(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
 * console.log(event.type); // "message"
 * raw.sendMessage([new TextEncoder().encode("HTTP/1.1 204 No Content\r\n\r\n")]);
 * console.log(raw.pendingOutputBytes); // 27
 * ```
 */
export class RawConnection {
  #batch: WriteBatch;
  #ready = false;
  #start: number;

  /**
   * Makes a connection, due for its first tick at `options.now`.
   *
   * @param options The clock and how output is taken.
   */
  constructor(options: RawConnectionOptions = {}) {
    this.#batch = new WriteBatch(options.reuseOutput);
    this.#start = options.now ?? 0;
  }

  /** No security mechanism: raw bytes are never authenticated. */
  get mechanism(): MechanismName {
    return "NULL";
  }

  /** `greeting` until the `ready` event, then `ready` for good. */
  get state(): ConnectionState {
    return this.#ready ? "ready" : "greeting";
  }

  /**
   * When {@linkcode RawConnection.tick} must next be called: at once,
   * before the `ready` event; never after (no heartbeats on raw bytes).
   */
  get deadline(): number | undefined {
    return this.#ready ? undefined : this.#start;
  }

  /** Bytes of output waiting for {@linkcode RawConnection.takeOutput}. */
  get pendingOutputBytes(): number {
    return this.#batch.pendingBytes;
  }

  /**
   * The most bytes one read takes: each read is a message, and a STREAM
   * socket's high-water mark counts messages, so this bounds what a peer
   * that is not read can make it hold (libzmq's raw engine reads 8 KiB at
   * a time too).
   */
  get maxReadSize(): number {
    return RAW_READ_SIZE;
  }

  /** Always 0: raw bytes have no frames. */
  get partialFrameSize(): number {
    return 0;
  }

  /**
   * Always `undefined`: each read is a message of its own.
   *
   * @returns `undefined`.
   */
  directReadTarget(): Uint8Array<ArrayBuffer> | undefined {
    return undefined;
  }

  /**
   * Takes the bytes to write to the peer, in order.
   *
   * @returns The chunks; empty when there is nothing to send.
   */
  takeOutput(): Uint8Array[] {
    return this.#batch.take();
  }

  /**
   * Feeds bytes received from the peer.
   *
   * @param chunk The bytes: the message's one frame, as a view (not to be
   * modified afterwards).
   * @param _now Unused: raw connections keep no time.
   * @returns `ready` first if it was not given yet, then one `message` with
   * the chunk as its frame (none for an empty chunk).
   */
  receive(chunk: Uint8Array, _now?: number): ConnectionEvent[] {
    const events = this.#ready ? [] : this.#becomeReady();
    if (chunk.length > 0) events.push({ type: "message", frames: [chunk] });
    return events;
  }

  /**
   * Tells the connection the time.
   *
   * @param _now Unused.
   * @returns `ready` the first time, nothing after.
   */
  tick(_now: number): ConnectionEvent[] {
    return this.#ready ? [] : this.#becomeReady();
  }

  /**
   * Nothing to authenticate on raw bytes.
   *
   * @param _verdict Ignored.
   * @returns No events.
   */
  authenticated(_verdict: Verdict): ConnectionEvent[] {
    return [];
  }

  /**
   * Queues a message's frames for the peer, as they are, one after another:
   * no framing, no flags.
   *
   * @param frames The bytes to write, in order.
   * @throws {ZmqError} `EFSM` before `ready`.
   */
  sendMessage(frames: readonly Uint8Array[]): void {
    if (!this.#ready) {
      throw new ZmqError(
        "EFSM",
        'cannot send on a raw connection before its "ready" event',
      );
    }
    const batch = this.#batch;
    for (const frame of frames) {
      const size = frame.length;
      if (size >= ZERO_COPY_THRESHOLD) {
        batch.append(frame);
      } else if (size > 0) {
        batch.reserve(size).set(frame, batch.end);
        batch.advance(size);
      }
    }
  }

  /**
   * Ignored: a raw peer has no subscriptions.
   *
   * @param _topic Ignored.
   */
  sendSubscribe(_topic: Uint8Array): void {}

  /**
   * Ignored: a raw peer has no subscriptions.
   *
   * @param _topic Ignored.
   */
  sendCancel(_topic: Uint8Array): void {}

  #becomeReady(): ConnectionEvent[] {
    this.#ready = true;
    const peer: PeerInfo = {
      socketType: "STREAM",
      minor: 0,
      metadata: new Metadata(),
    };
    return [{ type: "ready", peer }];
  }
}
