/**
 * The stream link: moves bytes between a byte stream (TCP, unix socket)
 * and a sans-I/O ZMTP {@linkcode Connection}, and hands the events to a
 * session.
 *
 * @module
 */

import { CodecDriver, type LinkCodec, monotonicNow } from "./_codec_driver.ts";
import { ReadBuffers } from "./_read_buffers.ts";
import { Settler } from "./_settle.ts";
import type { Verdict } from "../codec/authentication.ts";
import { Connection } from "../codec/connection.ts";
import { ProtocolError } from "../codec/errors.ts";
import type { ConnectionOptions } from "../codec/connection_options.ts";
import { RawConnection } from "../codec/raw_connection.ts";
import type {
  ByteStream,
  Link,
  LinkEnd,
  LinkOptions,
  Session,
} from "./transport.ts";

export type { LinkCodec } from "./_codec_driver.ts";

const WRITE_BATCH_BYTES = 128 * 1024;
const _NO_CHUNKS: Uint8Array[] = [];

/**
 * The codec options of a stream link's connection: the link writes out each
 * batch before it takes the next, so the codec may fill its buffers again.
 *
 * @example A transport's dial, making the codec of its link
 * ```ts ignore
 * const codec = new Connection(streamCodecOptions(options, true));
 * ```
 *
 * @param options What the socket gives the transport for each link.
 * @param dialed Whether this side connected: it then greets in libzmq's steps.
 * @returns The options for the link's codec.
 */
export function streamCodecOptions(
  options: LinkOptions,
  dialed = false,
): ConnectionOptions {
  const codecOptions = options.connectionOptions();
  // A connect greets as libzmq's does, so that a libzmq server's refusal
  // (another mechanism or socket type) is told, not a hang-up.
  return { ...codecOptions, reuseOutput: true, greetingInSteps: dialed };
}

/**
 * The codec of a new link over a byte stream: ZMTP, or raw bytes for a
 * STREAM socket (which speaks to peers without ZeroMQ, as libzmq's raw
 * engine does).
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 * import { streamCodec } from "@zmtp/zmq/transport";
 *
 * const raw = streamCodec({
 *   scope: {},
 *   connectionOptions: () => ({ socketType: "STREAM" }),
 *   peer: { socketType: "STREAM", minor: 0, metadata: new codec.Metadata() },
 * });
 * console.log(raw instanceof codec.RawConnection); // true
 * ```
 *
 * @param options What the socket gives the transport for each link.
 * @param dialed Whether this side connected: it then greets in libzmq's
 * steps ({@linkcode ConnectionOptions.greetingInSteps}).
 * @returns A fresh codec, its greeting (if any) queued, and NULL's READY
 * or a CURVE client's HELLO after it (in steps if dialed).
 */
export function streamCodec(options: LinkOptions, dialed = false): LinkCodec {
  const codecOptions = streamCodecOptions(options, dialed);
  return codecOptions.socketType === "STREAM"
    ? new RawConnection(codecOptions)
    : new Connection(codecOptions);
}

/**
 * A link over a byte stream: reads into buffers never filled twice (so
 * message frames can be views into them), small while the peer is quiet
 * and large while data keeps coming; writes coalesced batches; enforces
 * the codec's deadlines (handshake, heartbeats) with the timer all links
 * share; and closes the stream when either side ends.
 *
 * @example
 * ```ts ignore
 * // The codec's clock must be the link's: `performance.now()` by default.
 * const connection = new codec.Connection({ socketType: "PULL", now: performance.now() });
 * const link = new StreamLink(conn, connection);
 * link.start(session);
 * const end = await link.done;
 * ```
 */
export class StreamLink implements Link {
  /** See {@linkcode Link.reportsEnd}: the session hears of the end. */
  readonly reportsEnd = true;
  /** The peer's IP address for tcp, "" otherwise. */
  readonly remoteAddress: string;
  /** See {@linkcode Link.localEndpoint}: set by the listener that accepted it. */
  localEndpoint: string | undefined;
  #stream: ByteStream;
  #driver: CodecDriver;
  #codec: LinkCodec;
  #started = false;
  #closed = false;
  /**
   * The writer: `idle` until woken, `scheduled` for the next microtask (or
   * turn), `writing` while a batch goes out, `ended` once the link closed.
   */
  #writer: "idle" | "scheduled" | "writing" | "ended" = "idle";
  #resumeReader: (() => void) | undefined;
  #readerStopped = false;
  /** The reader and the writer, while they run. */
  #running = 0;
  #reading = new ReadBuffers();
  #wokenWhileWriting = false;
  /** Made at the first burst: an idle link holds no closures it needs not. */
  #settler: Settler | undefined;
  #idleWaiters: (() => void)[] | undefined;
  #closedByPeer = false;
  /** Made when asked for: a socket serving the link hears of its end. */
  #done: Promise<LinkEnd> | undefined;
  #resolveDone: ((end: LinkEnd) => void) | undefined;
  #end: LinkEnd | undefined;
  /** The batch being written: its chunks, which one, and how far into it. */
  #chunks: Uint8Array[] = _NO_CHUNKS;
  #chunkIndex = 0;
  #chunkOffset = 0;

  /**
   * Wraps a stream; nothing moves until {@linkcode StreamLink.start}.
   *
   * @param stream The byte stream.
   * @param codec A fresh codec connection (its greeting is written first).
   * @param remoteAddress The peer's address, as ZAP carries it.
   * @param now The monotonic clock the codec's deadlines are on, in ms.
   */
  constructor(
    stream: ByteStream,
    codec: LinkCodec,
    remoteAddress = "",
    now: () => number = monotonicNow,
  ) {
    this.#stream = stream;
    this.#codec = codec;
    this.#driver = new CodecDriver(codec, now, this);
    this.remoteAddress = remoteAddress;
  }

  /** Settles once the stream is closed and both loops have ended. */
  get done(): Promise<LinkEnd> {
    return this.#done ??= this.#end
      ? Promise.resolve(this.#end)
      : new Promise((resolve) => this.#resolveDone = resolve);
  }

  /** The link ended: the session hears of it, then whoever waits on `done`. */
  #ended(end: LinkEnd): void {
    if (this.#end) return;
    this.#end = end;
    try {
      this.#driver.ended(end);
    } finally {
      // Whatever the session did with it: close and linger wait on this.
      this.#resolveDone?.(end);
      this.#resolveDone = undefined;
    }
  }

  /** Starts reading and writing, handing events to `session`. */
  start(session: Session): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#closed) {
      // Closed before it was served: its session hears of it all the same.
      this.#ended({});
      queueMicrotask(() => session.ended?.(this.#end!));
      return;
    }
    this.#driver.start(session);
    this.#running = 2;
    this.#read();
    // A wake within the start (a raw peer is ready at once) has queued the
    // first turn: no other, as a turn must never come while a write is
    // under way (see #onWritten).
    if (this.#writer !== "idle") return;
    this.#writer = "scheduled";
    this.#write();
  }

  /**
   * The reader or the writer ended; the link ends with the second. A count,
   * not a promise each: promises and closures per link are what an idle
   * connection costs (this saved about 1 KB per link in a heap snapshot).
   */
  #stopped(): void {
    if (--this.#running > 0) return;
    queueMicrotask(() => {
      this.#driver.stop();
      this.#settleIdleWaiters();
      this.#ended({
        error: this.#driver.error,
        closedByPeer: this.#closedByPeer,
      });
    });
  }

  /** Whether the link has been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Tells the link that the session has new outgoing messages. An idle
   * writer starts at once (after the current microtask), so a lone message,
   * a request or a reply, goes out without waiting for a turn of the event
   * loop; the rest of a burst of sends goes out together in the next write.
   */
  wake(): void {
    if (this.#writer === "idle" && this.#started) {
      this.#writer = "scheduled";
      queueMicrotask(this.#onWritten);
    } else {
      this.#wokenWhileWriting = true;
      this.#settler?.sent();
    }
  }

  /** Resumes reading after the session paused it. */
  resume(): void {
    const resume = this.#resumeReader;
    this.#resumeReader = undefined;
    resume?.();
  }

  /**
   * Settles once everything the session had queued is written (or the
   * connection closed).
   */
  whenFlushed(): Promise<void> {
    if (
      this.#closed ||
      this.#writer === "idle"
    ) {
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.#idleWaiters ??= []).push(resolve));
  }

  #settleIdleWaiters(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = undefined;
    if (waiters) { for (const resolve of waiters) resolve(); }
  }

  /**
   * Goes on with the handshake once the session has the verdict the codec
   * asked for with an `authenticate` event.
   */
  authenticated(verdict: Verdict): void {
    this.#driver.authenticated(verdict);
  }

  /** Closes the stream at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#driver.stop();
    if (!this.#started) this.#ended({});
    try {
      this.#stream.close();
    } catch {
      // Already closed.
    }
    if (this.#started && this.#writer === "idle") this.#endWriter();
    this.resume();
  }

  /**
   * Starts the next read: into the current buffer while it has room, else
   * into a fresh one, small while the peer is quiet and large while its
   * data keeps coming. Callbacks rather than an async loop, as each hop of
   * a round trip passes here. A method, not a closure a link: a paused
   * reader makes the one it resumes with.
   */
  #read(): void {
    if (this.#closed) return this.#endReader();
    const target = this.#reading.next(this.#codec);
    let read: Promise<number | null>;
    try {
      read = this.#stream.read(target);
    } catch {
      return this.#onRead(null);
    }
    // One callback for both outcomes: a failed read ends the link as an
    // end of stream does (one closure fewer per link).
    read.then(this.#onRead, this.#onRead);
  }

  #onRead = (count: unknown): void => {
    if (typeof count !== "number" || this.#closed) {
      if (!this.#closed) this.#closedByPeer = true;
      this.close();
      return this.#endReader();
    }
    const chunk = this.#reading.filled(count);
    if (!chunk) return this.#readLost();
    const keepReading = this.#driver.receive(chunk);
    if (this.#driver.error) return this.#endReader();
    if (!keepReading && !this.#closed) {
      this.#resumeReader = () => this.#read();
      return;
    }
    this.#read();
  };

  /** The stream lost bytes to the app: it cannot go on. */
  #readLost(): void {
    this.#driver.dispatch([{
      type: "error",
      error: new ProtocolError(
        "local",
        "the app transferred away a read buffer (a received frame's buffer): the bytes read into it are lost, and the connection with them",
      ),
    }]);
    this.#endReader();
  }

  #endReader(): void {
    if (this.#readerStopped) return;
    this.#readerStopped = true;
    this.#reading.release();
    this.#stopped();
  }

  /**
   * Takes the session's messages and writes them out, a batch at a time,
   * until there are none: callbacks rather than an async loop, as each
   * hop of a round trip passes here and a resumed async function costs.
   * Its turns are given by {@linkcode StreamLink.#onWritten} called with
   * no count.
   */
  #write(): void {
    if (this.#closed) return this.#endWriter();
    // One writer at a time: a turn after the link ended, or one come while
    // its writer was already at work, is not another.
    if (this.#writer !== "scheduled") return;
    this.#driver.fill(WRITE_BATCH_BYTES);
    const chunks = this.#driver.takeOutput();
    if (chunks.length === 0) {
      this.#writer = "idle";
      // Made again by the next burst: an idle connection holds none.
      this.#settler = undefined;
      this.#settleIdleWaiters();
      return;
    }
    this.#writer = "writing";
    this.#wokenWhileWriting = false;
    this.#chunks = chunks;
    this.#chunkIndex = 0;
    this.#chunkOffset = 0;
    this.#writeChunk();
  }

  /**
   * Writes the rest of the chunk under way: in fields, not closures, as
   * each hop of a round trip passes here.
   */
  #writeChunk(): void {
    const chunk = this.#chunks[this.#chunkIndex];
    const offset = this.#chunkOffset;
    let write: Promise<number>;
    try {
      write = this.#stream.write(offset === 0 ? chunk : chunk.subarray(offset));
    } catch {
      return this.#writeFailed();
    }
    write.then(this.#onWritten, this.#onWritten);
  }

  /**
   * One callback for both outcomes of a write (a failed write is no
   * count), and for the writer's turns (a microtask's, the settler's),
   * which come while no write is under way: one closure a link, where each
   * was one, as thousands of idle links each hold theirs.
   */
  #onWritten = (count?: unknown): void => {
    if (this.#writer !== "writing") return this.#write();
    if (typeof count !== "number") return this.#writeFailed();
    if (this.#closed) return this.#endWriter();
    const chunks = this.#chunks;
    this.#chunkOffset += count;
    if (this.#chunkOffset < chunks[this.#chunkIndex].length) {
      return this.#writeChunk();
    }
    if (++this.#chunkIndex < chunks.length) {
      this.#chunkOffset = 0;
      return this.#writeChunk();
    }
    this.#chunks = _NO_CHUNKS;
    this.#written();
  };

  /** A write failed (the peer reset the connection): lost, as a read's end. */
  #writeFailed(): void {
    if (!this.#closed) this.#closedByPeer = true;
    this.close();
    this.#endWriter();
  }

  #written(): void {
    this.#writer = "scheduled";
    // Sends during the write: a write often completes at once, on a
    // microtask, while senders awaiting each send are still at it, so the
    // writer lets them settle and takes the rest of their burst in one
    // write, instead of a message per write.
    if (this.#wokenWhileWriting) {
      (this.#settler ??= new Settler(this.#onWritten)).start();
    } else this.#write();
  }

  #endWriter(): void {
    // However it ended (closed mid-write too), the batch is not kept.
    this.#chunks = _NO_CHUNKS;
    if (this.#writer === "ended") return;
    this.#writer = "ended";
    this.#stopped();
  }
}
