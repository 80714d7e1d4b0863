/**
 * The stream link: moves bytes between a byte stream (TCP, unix socket)
 * and a sans-I/O ZMTP {@linkcode Connection}, and hands the events to a
 * session.
 *
 * @module
 */

import { macrotask } from "./_macrotask.ts";
import { CodecDriver, type LinkCodec } from "./_codec_driver.ts";
import type { Verdict } from "../codec/authentication.ts";
import { Connection } from "../codec/connection.ts";
import type { ConnectionOptions } from "../codec/connection_options.ts";
import { RawConnection } from "../codec/raw_connection.ts";
import type {
  ByteStream,
  Link,
  LinkEnd,
  LinkOptions,
  Session,
} from "./transport.ts";

/**
 * What a quiet link reads into: the buffer of a pending read stays alive
 * until bytes come, so this is what each idle connection costs.
 */
const SMALL_READ_BUFFER_SIZE = 8 * 1024;
/** For a link whose reads keep filling the space they are given. */
const READ_BUFFER_SIZE = 64 * 1024;
/** For streams of large frames, so most frames fit whole in one read. */
const LARGE_READ_BUFFER_SIZE = 256 * 1024;
const LARGE_FRAME = 16 * 1024;
const MIN_READ_SPACE = 4 * 1024;
const MIN_SMALL_READ_SPACE = 1024;
const WRITE_BATCH_BYTES = 128 * 1024;

const EMPTY = new Uint8Array(0);

/** Where a link's reads go. */
interface _Reading {
  /** The buffer being filled (small or large), never from its start twice. */
  buffer: Uint8Array;
  /** Where the next read goes in it. */
  offset: number;
  /**
   * Whether the last read filled all the space it was given: more is
   * likely waiting, so reads go into large buffers until one comes short.
   */
  busy: boolean;
  /**
   * The large buffer a short read left for a small one, with where it was
   * filled to: held weakly, so an idle link does not keep it, and filled on
   * if the link is busy again before it is collected (frames of that burst
   * often still keep it), instead of a fresh one.
   */
  parked: { buffer: WeakRef<Uint8Array>; offset: number } | undefined;
  /** The small buffer a busy spell left, to go back to: it is small. */
  quiet: { buffer: Uint8Array; offset: number } | undefined;
  /** What the pending read fills. */
  target: Uint8Array;
  /** Whether that is a frame body's own buffer rather than `buffer`. */
  direct: boolean;
}

/**
 * The codec options of a stream link's connection: the link writes out each
 * batch before it takes the next, so the codec may fill its buffers again.
 */
export function streamCodecOptions(options: LinkOptions): ConnectionOptions {
  return { ...options.connectionOptions(), reuseOutput: true };
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
 * @returns A fresh codec, its greeting (if any) queued.
 */
export function streamCodec(options: LinkOptions): LinkCodec {
  const codecOptions = streamCodecOptions(options);
  return codecOptions.socketType === "STREAM"
    ? new RawConnection(codecOptions)
    : new Connection(codecOptions);
}

/**
 * A link over a byte stream: reads into buffers never filled twice (so
 * message frames can be views into them), small while the peer is quiet
 * and large while data keeps coming; writes coalesced batches; enforces
 * the codec's deadlines (handshake, heartbeats) with one timer; and closes
 * the stream when either side ends.
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
  /** Settles once the stream is closed and both loops have ended. */
  readonly done: Promise<LinkEnd>;
  /** The peer's IP address for tcp, "" otherwise. */
  readonly remoteAddress: string;
  #stream: ByteStream;
  #driver: CodecDriver;
  #codec: LinkCodec;
  #session!: Session;
  #started = false;
  #closed = false;
  /**
   * The writer: `idle` until woken, `scheduled` for the next microtask (or
   * turn), `writing` while a batch goes out, `ended` once the link closed.
   */
  #writer: "idle" | "scheduled" | "writing" | "ended" = "idle";
  #writerEnded!: () => void;
  #resumeReader: (() => void) | undefined;
  #readerEnded!: () => void;
  #reading: _Reading = {
    buffer: new Uint8Array(SMALL_READ_BUFFER_SIZE),
    offset: 0,
    busy: false,
    parked: undefined,
    quiet: undefined,
    target: EMPTY,
    direct: false,
  };
  #wokenWhileWriting = false;
  #idleWaiters: (() => void)[] = [];
  #closedByPeer = false;
  #ended!: (end: LinkEnd) => void;

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
    now: () => number = () => performance.now(),
  ) {
    this.#stream = stream;
    this.#codec = codec;
    this.#driver = new CodecDriver(codec, now, {
      closed: () => this.#closed,
      wake: () => this.wake(),
      failed: () => this.#closeAfterFlush(),
    });
    this.remoteAddress = remoteAddress;
    this.done = new Promise((resolve) => this.#ended = resolve);
  }

  /** Starts reading and writing, handing events to `session`. */
  start(session: Session): void {
    if (this.#started) return;
    this.#started = true;
    this.#session = session;
    if (this.#closed) return this.#ended({});
    this.#driver.start(session);
    const reader = new Promise<void>((resolve) => this.#readerEnded = resolve);
    this.#read();
    const writer = new Promise<void>((resolve) => this.#writerEnded = resolve);
    this.#writer = "scheduled";
    this.#write();
    Promise.all([reader, writer]).then(() => {
      this.#driver.stop();
      for (const resolve of this.#idleWaiters) resolve();
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
      queueMicrotask(this.#write);
    } else if (this.#writer === "writing") {
      this.#wokenWhileWriting = true;
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
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
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

  #closeAfterFlush(): void {
    if (
      this.#codec.pendingOutputBytes === 0 && this.#writer !== "writing"
    ) {
      this.close();
    } else {
      // Wake first: whenFlushed() counts an idle writer as flushed.
      this.wake();
      this.whenFlushed().then(() => this.close());
    }
  }

  /**
   * Starts the next read: into the current buffer while it has room, else
   * into a fresh one, small while the peer is quiet and large while its
   * data keeps coming. Callbacks rather than an async loop, as each hop of
   * a round trip passes here.
   */
  #read = (): void => {
    if (this.#closed) return this.#endReader();
    const reading = this.#reading;
    // A large frame body goes straight into its own buffer.
    const direct = this.#codec.directReadTarget();
    if (!direct) {
      let buffer = reading.buffer;
      const size = nextReadBufferSize(
        buffer.length,
        buffer.length - reading.offset,
        reading.busy,
        this.#codec.partialFrameSize,
      );
      if (size > 0) {
        const space = buffer.length - reading.offset;
        let next: Uint8Array | undefined;
        if (size > SMALL_READ_BUFFER_SIZE) {
          if (buffer.length === SMALL_READ_BUFFER_SIZE) {
            reading.quiet = { buffer, offset: reading.offset };
          }
          next = reading.parked?.buffer.deref();
          reading.offset = next ? reading.parked!.offset : 0;
          reading.parked = undefined;
        } else if (buffer.length > size) {
          if (space >= MIN_READ_SPACE) {
            reading.parked = {
              buffer: new WeakRef(buffer),
              offset: reading.offset,
            };
          }
          // Back to the small buffer this burst started in, if it has room.
          const quiet = reading.quiet;
          if (
            quiet && quiet.buffer.length - quiet.offset >= MIN_SMALL_READ_SPACE
          ) {
            next = quiet.buffer;
            reading.offset = quiet.offset;
          }
          reading.quiet = undefined;
        }
        if (!next) reading.offset = 0;
        // Frames handed out are views into what was read: a buffer is
        // filled on past them, never from its start again.
        buffer = reading.buffer = next ?? new Uint8Array(size);
      }
    }
    const target = direct ?? reading.buffer.subarray(reading.offset);
    reading.target = target;
    reading.direct = direct !== undefined;
    let read: Promise<number | null>;
    try {
      read = this.#stream.read(target);
    } catch {
      return this.#onRead(null);
    }
    read.then(this.#onRead, this.#onReadFailed);
  };

  #onRead = (count: number | null): void => {
    if (count === null || this.#closed) {
      if (!this.#closed) this.#closedByPeer = true;
      this.close();
      return this.#endReader();
    }
    const reading = this.#reading;
    const target = reading.target;
    reading.busy = count === target.length;
    // Frames handed out are views into what was read; the next read goes
    // after it, so they stay intact.
    const chunk = target.subarray(0, count);
    if (!reading.direct) reading.offset += count;
    const keepReading = this.#driver.receive(chunk);
    if (this.#driver.error) return this.#endReader();
    if (!keepReading && !this.#closed) {
      this.#resumeReader = this.#read;
      return;
    }
    this.#read();
  };

  #onReadFailed = (): void => this.#onRead(null);

  #endReader(): void {
    this.#reading.target = EMPTY;
    this.#readerEnded();
  }

  /**
   * Takes the session's messages and writes them out, a batch at a time,
   * until there are none: callbacks rather than an async loop, as each
   * hop of a round trip passes here and a resumed async function costs.
   */
  #write = (): void => {
    if (this.#closed) return this.#endWriter();
    this.#driver.fill(WRITE_BATCH_BYTES);
    const chunks = this.#codec.takeOutput();
    if (chunks.length === 0) {
      this.#writer = "idle";
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    this.#writer = "writing";
    this.#wokenWhileWriting = false;
    this.#writeChunks(chunks, 0, 0);
  };

  #writeChunks(chunks: Uint8Array[], index: number, offset: number): void {
    const chunk = chunks[index];
    this.#stream.write(offset === 0 ? chunk : chunk.subarray(offset)).then(
      (count) => {
        if (this.#closed) return this.#endWriter();
        offset += count;
        if (offset < chunk.length) {
          return this.#writeChunks(chunks, index, offset);
        }
        if (index + 1 < chunks.length) {
          return this.#writeChunks(chunks, index + 1, 0);
        }
        this.#written();
      },
      () => {
        this.close();
        this.#endWriter();
      },
    );
  }

  #written(): void {
    this.#writer = "scheduled";
    // Sends during the write: a write often completes at once, while the
    // senders are still in this turn of the event loop, so the writer lets
    // the turn end first and takes the rest of their burst in one write,
    // instead of a message per write.
    if (this.#wokenWhileWriting) macrotask(this.#write);
    else this.#write();
  }

  #endWriter(): void {
    if (this.#writer === "ended") return;
    this.#writer = "ended";
    this.#writerEnded();
  }
}

/**
 * The size of a fresh buffer for the next read, or 0 to read on into the
 * current one. A busy link moves to a large buffer, a quiet one back to a
 * small one (the large one goes once no frame points into it), so an idle
 * link holds as little after a burst as before it.
 */
function nextReadBufferSize(
  length: number,
  space: number,
  busy: boolean,
  partialFrameSize: number,
): number {
  const small = length === SMALL_READ_BUFFER_SIZE;
  // Out of a quiet spell, 64 KiB: 256 KiB only once a stream of large
  // frames has filled one, as one large message is no stream.
  const wanted = !busy
    ? SMALL_READ_BUFFER_SIZE
    : !small && partialFrameSize >= LARGE_FRAME
    ? LARGE_READ_BUFFER_SIZE
    : READ_BUFFER_SIZE;
  if (small === busy) return wanted;
  return space < (small ? MIN_SMALL_READ_SPACE : MIN_READ_SPACE) ? wanted : 0;
}
