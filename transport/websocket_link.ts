/**
 * The WebSocket link: moves ZWS 2.0 messages between the platform's
 * WebSocket (a browser's, or one `Deno.serve` upgraded) and a sans-I/O
 * codec connection.
 *
 * @module
 */

import { Connection } from "../codec/connection.ts";
import { CodecDriver, monotonicNow } from "./_codec_driver.ts";
import type { Verdict } from "../codec/authentication.ts";
import { ProtocolError, ZmqError } from "../codec/errors.ts";
import { Queue } from "./_queue.ts";
import { Settler } from "./_settle.ts";
import type { Link, LinkEnd, LinkOptions, Session } from "./transport.ts";

const WRITE_BATCH_BYTES = 128 * 1024;
/** Past this much unsent, filling waits: WebSocket has no drain event. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const BUFFER_POLL_MS = 2;
/**
 * While the peer takes nothing, each look at its full buffer waits twice as
 * long as the last, up to this: a stalled peer (a browser tab put aside)
 * costs four timers a second, not 500 (400 of them took 30% of a core).
 */
const BUFFER_POLL_MAX_MS = 250;
/** What may wait here while the session is paused (see `#hold`). */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;
/**
 * The least a message held there counts for: about what it costs in memory
 * (measured: about 330 bytes of heap a held frame of 1 to 100 bytes).
 */
const BACKLOG_MESSAGE_COST = 384;

/** What a message held while paused counts for, in and out alike. */
const _backlogCost = (message: Uint8Array): number =>
  Math.max(message.length, BACKLOG_MESSAGE_COST);

/**
 * A link over a WebSocket carrying ZWS 2.0: each WebSocket message is one
 * ZMTP frame. Writes wait for the socket to open; a lone message goes out
 * at once, the rest of a burst of sends at the end of the turn. WebSocket
 * cannot pause reading, so messages that arrive while the session is
 * paused wait here, in order, until `resume` (up to 16 MiB: past that the
 * peer is dropped with a protocol error).
 *
 * @example
 * ```ts ignore
 * const socket = new WebSocket("ws://127.0.0.1:5555/", ["ZWS2.0/NULL"]);
 * const connection = new codec.Connection({ socketType: "PULL", framing: "zws", now: performance.now() });
 * const link = new WebSocketLink(socket, connection);
 * link.start(session);
 * ```
 */
export class WebSocketLink implements Link {
  /** Settles once the WebSocket is closed. */
  readonly done: Promise<LinkEnd>;
  /** The peer's IP address, where the server knows it. */
  readonly remoteAddress: string;
  #socket: WebSocket;
  #codec: Connection;
  #driver: CodecDriver;
  #session!: Session;
  #started = false;
  #closed = false;
  #paused = false;
  /** A Queue: an array's shift moved all the rest, per message. */
  #backlog = new Queue<Uint8Array<ArrayBuffer>>();
  #backlogBytes = 0;
  #flushScheduled = false;
  /** How long the next look at a full buffer waits. */
  #pollMs = BUFFER_POLL_MS;
  /** What was buffered at our last write or look. */
  #buffered = 0;
  #settler = new Settler(() => this.#flush());
  #closedByPeer = false;
  #idleWaiters: (() => void)[] = [];
  #ended!: (end: LinkEnd) => void;
  #early: unknown[] | undefined;

  /**
   * Wraps a WebSocket (open or still connecting); nothing moves until
   * {@linkcode WebSocketLink.start}.
   *
   * @param socket The WebSocket, with the ZWS sub-protocol agreed.
   * @param codec A fresh codec connection with `framing: "zws"`.
   * @param remoteAddress The peer's address, as ZAP carries it.
   * @param now The monotonic clock the codec's deadlines are on, in ms.
   */
  constructor(
    socket: WebSocket,
    codec: Connection,
    remoteAddress = "",
    now: () => number = monotonicNow,
  ) {
    this.#socket = socket;
    this.#codec = codec;
    this.#driver = new CodecDriver(codec, now, this);
    this.remoteAddress = remoteAddress;
    socket.binaryType = "arraybuffer";
    // A message may come before start() (a server's first, in the turn the
    // dial opened): kept for it, not lost, and bounded as a paused link's.
    const early: unknown[] = this.#early = [];
    let earlyBytes = 0;
    socket.onmessage = ({ data }) => {
      earlyBytes += Math.max(data?.byteLength ?? 0, BACKLOG_MESSAGE_COST);
      if (earlyBytes <= MAX_BACKLOG_BYTES) early.push(data);
      else this.close();
    };
    this.done = new Promise((resolve) => this.#ended = resolve);
  }

  /** Whether the link has been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts moving messages, handing events to `session`. */
  start(session: Session): void {
    if (this.#started) return;
    this.#started = true;
    this.#session = session;
    const socket = this.#socket;
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onopen = () => this.wake();
    socket.onclose = () => this.#onClose();
    // An error is always followed by a close event.
    socket.onerror = () => {};
    if (this.#closed) return this.#onClose();
    this.#driver.start(session);
    const early = this.#early!;
    this.#early = undefined;
    for (const data of early) this.#onMessage(data);
    this.wake();
  }

  /**
   * Writes what the session has queued: on the next microtask if the link
   * sent nothing yet in this turn of the event loop (a lone request or
   * reply waits for no turn), else once the turn ends, with the rest of
   * the burst.
   */
  wake(): void {
    if (!this.#started || this.#closed) return;
    if (this.#flushScheduled) return this.#settler.sent();
    this.#flushScheduled = true;
    this.#settler.start();
  }

  /** Delivers the messages that waited while the session was paused. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    while (
      this.#backlog.length > 0 && !this.#paused && !this.#driver.error
    ) {
      const message = this.#backlog.shift()!;
      this.#backlogBytes -= _backlogCost(message);
      this.#receive(message);
    }
  }

  /** Empties the backlog, giving back what it held. */
  #dropBacklog(): Uint8Array<ArrayBuffer>[] {
    this.#backlogBytes = 0;
    return this.#backlog.clear();
  }

  /** Settles once everything queued has left for the peer (or the link closed). */
  whenFlushed(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.wake();
    });
  }

  /** Goes on with a handshake that asked for a verdict on the peer. */
  authenticated(verdict: Verdict): void {
    this.#driver.authenticated(verdict);
  }

  /**
   * Closes the WebSocket. `done` settles at once: the closing handshake
   * goes on without us (a peer may take its time to answer it, and libzmq
   * does not answer at all before its next I/O).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#driver.stop();
    const socket = this.#socket;
    socket.onmessage = socket.onopen = socket.onclose = null;
    this.#early = undefined;
    if (socket.readyState !== WebSocket.CLOSED) socket.close();
    // A link dialled and never served ends here (its WebSocket closed too).
    if (!this.#started) return this.#ended({});
    this.#onClose();
  }

  #idle(): boolean {
    return this.#closed ||
      (this.#codec.pendingOutputBytes === 0 &&
        this.#socket.readyState === WebSocket.OPEN &&
        this.#socket.bufferedAmount === 0 && !this.#flushScheduled);
  }

  #flush = (): void => {
    this.#flushScheduled = false;
    const socket = this.#socket;
    if (this.#closed || socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#retryLater();
      return;
    }
    this.#driver.fill(WRITE_BATCH_BYTES);
    const messages = this.#driver.takeOutput();
    // Copies, each (ZwsOutput): never a view of shared memory, which a
    // browser's send refuses, nor of a caller's frame.
    for (const message of messages) {
      socket.send(message as Uint8Array<ArrayBuffer>);
    }
    this.#buffered = socket.bufferedAmount;
    if (this.#buffered > 0 || this.#codec.pendingOutputBytes > 0) {
      this.#retryLater();
    } else {
      this.#pollMs = BUFFER_POLL_MS;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  };

  /** A look at the buffer: soon again if the peer took some since the last. */
  #poll = (): void => {
    const buffered = this.#socket.bufferedAmount;
    this.#pollMs = buffered < this.#buffered
      ? BUFFER_POLL_MS
      : Math.min(2 * this.#pollMs, BUFFER_POLL_MAX_MS);
    this.#buffered = buffered;
    this.#flush();
  };

  #retryLater(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(this.#poll, this.#pollMs);
  }

  #onMessage(data: unknown): void {
    if (this.#closed || this.#driver.error) return;
    if (!(data instanceof ArrayBuffer)) {
      const error = new ProtocolError(
        "protocol",
        "the peer sent a text WebSocket message; ZWS messages are binary",
      );
      this.#driver.dispatch([{ type: "error", error }]);
      return;
    }
    const message = new Uint8Array(data);
    if (this.#paused) this.#hold(message);
    else this.#receive(message);
  }

  /**
   * Keeps a message that arrived while the session was paused. The
   * platform's WebSocket cannot stop reading, so past MAX_BACKLOG_BYTES
   * the peer is dropped rather than letting memory grow without bound.
   */
  #hold(message: Uint8Array<ArrayBuffer>): void {
    this.#backlog.push(message);
    // Each message held costs its bytes and its objects: counted as at
    // least BACKLOG_MESSAGE_COST, so a flood of tiny ones is bounded too.
    this.#backlogBytes += _backlogCost(message);
    if (this.#backlogBytes <= MAX_BACKLOG_BYTES) return;
    const error = new ProtocolError(
      "local",
      `the peer sent ${this.#backlogBytes} bytes past the receive high-water mark, over a WebSocket that cannot pause`,
    );
    this.#dropBacklog();
    this.#driver.dispatch([{ type: "error", error }]);
  }

  #receive(message: Uint8Array<ArrayBuffer>): void {
    if (!this.#driver.receive(message)) this.#paused = !this.#driver.error;
  }

  #onClose(): void {
    if (!this.#closed) {
      this.#closedByPeer = true;
      // What came while the session was full is the socket's to read, past
      // its high-water mark, as libzmq's pipe is read to its end.
      const backlog = this.#dropBacklog();
      if (this.#session?.keeps?.() !== false) {
        for (const message of backlog) {
          if (this.#driver.error) break;
          this.#driver.receive(message);
        }
      }
    }
    this.#closed = true;
    this.#driver.stop();
    this.#dropBacklog();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#ended({
      error: this.#driver.error,
      closedByPeer: this.#closedByPeer,
    });
  }
}

/**
 * Connects with the platform's WebSocket, as a browser must: it can only
 * ask for `ZWS2.0` (a `/` is not allowed in a sub-protocol name), ZWS
 * without a mechanism, so only NULL security.
 *
 * @example What the ws transport does in a browser
 * ```ts ignore
 * const link = await dialWebSocket("ws://127.0.0.1:8080/zmq", options, signal);
 * ```
 *
 * @param url The server's `ws://` or `wss://` URL.
 * @param options What the socket gives the transport for the link.
 * @param signal Gives the attempt up.
 * @returns The link, once the WebSocket is open.
 * @throws {ZmqError} `EPROTONOSUPPORT` for PLAIN or CURVE.
 */
export function dialWebSocket(
  url: string,
  options: LinkOptions,
  signal: AbortSignal,
): Promise<Link> {
  const codec = new Connection({
    ...options.connectionOptions(),
    framing: "zws",
    noMechanism: true,
  });
  if (codec.mechanism !== "NULL") {
    return Promise.reject(
      new ZmqError(
        "EPROTONOSUPPORT",
        `the platform's WebSocket speaks only ZWS2.0 without a mechanism: no ${codec.mechanism} here`,
      ),
    );
  }
  const socket = new WebSocket(url, ["ZWS2.0"]);
  return new Promise<Link>((resolve, reject) => {
    const settle = (error?: unknown) => {
      socket.onopen = socket.onerror = socket.onclose = null;
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) resolve(new WebSocketLink(socket, codec));
      else reject(error);
    };
    const onAbort = () => {
      socket.onclose = () => settle(signal.reason);
      socket.close();
    };
    socket.onopen = () => settle();
    socket.onclose = () =>
      settle(new ZmqError("ECONNREFUSED", `${url} refused the WebSocket`));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
