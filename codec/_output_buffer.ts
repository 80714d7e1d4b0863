import { FLAG_COMMAND, FLAG_MORE, writeFrameHeader } from "./frame.ts";
import type { Mechanism, SealedFrame } from "./mechanism.ts";

const BATCH_SIZE = 64 * 1024;
/**
 * The first buffer after an idle spell: most connections send a message
 * now and then, and this much is what each of them keeps while idle.
 */
const SMALL_BATCH_SIZE = 4 * 1024;
/**
 * A buffer for frames that do not fit a {@linkcode BATCH_SIZE} one twice:
 * a few of them, headers and bodies, go out in one write.
 */
const LARGE_BATCH_SIZE = 256 * 1024;
const NO_BUFFER = new Uint8Array(0);
/**
 * Buffers that idle connections gave back, written out, by size: shared,
 * so an idle connection holds none, and one that goes idle and busy again
 * and again allocates none. Bounded: 256 KiB small, 512 KiB of batch
 * size, 1 MiB large.
 */
const pools = new Map<number, Uint8Array<ArrayBuffer>[]>([
  [SMALL_BATCH_SIZE, []],
  [BATCH_SIZE, []],
  [LARGE_BATCH_SIZE, []],
]);
const MAX_POOLED = {
  [SMALL_BATCH_SIZE]: 64,
  [BATCH_SIZE]: 8,
  [LARGE_BATCH_SIZE]: 4,
};
/** Bodies at least this large go out by reference instead of being copied. */
export const ZERO_COPY_THRESHOLD = 4096;
/**
 * Bodies up to this long are copied byte by byte: cheaper than a call to
 * `set` (measured with `deno task bench --only loop`).
 */
const SMALL_COPY = 32;
/**
 * Copies `source` into `target` at `at`: byte by byte up to
 * {@linkcode SMALL_COPY} bytes, with `set` beyond. Bytes past the end of
 * `target` are dropped where `set` would throw: callers that can overrun
 * check the length themselves.
 */
export function copyBytes(
  target: Uint8Array,
  at: number,
  source: Uint8Array,
): void {
  const length = source.length;
  if (length > SMALL_COPY) target.set(source, at);
  else for (let i = 0; i < length; i++) target[at + i] = source[i];
}
/** Spare buffers kept: a take holds a few at most, as a write fills 128 KiB. */
const MAX_SPARES = 8;
/**
 * Bytes not taken yet that move to the next buffer, with the frame that
 * did not fit, rather than going out as a chunk of their own: a burst of
 * small messages starts in a small buffer and outgrows it, and was written
 * in two writes where one does (a 16 B sender made three writes of 1.5 KiB
 * for each 256 messages; a write costs microseconds, a copy of this much a
 * fraction of one).
 */
const CARRY_MAX = 8 * 1024;

/** Where a connection queues its frames, in the framing of its transport. */
export interface FrameOutput {
  /** Bytes waiting to be taken. */
  readonly pendingBytes: number;
  /** Queues a frame with ZMTP flags (`FLAG_MORE`, `FLAG_COMMAND`). */
  writeFrame(body: Uint8Array, flags: number): void;
  /**
   * Queues a frame of `size` bytes whose body the caller writes into the
   * view returned, before queueing anything else: how CURVE seals a box
   * straight into the batch. Outputs where the layout does not allow it
   * leave it out.
   */
  reserveFrame?(size: number, flags: number): Uint8Array;
  /** Queues bytes as they are (the greeting). */
  writeRaw(bytes: Uint8Array): void;
  /** Takes what is queued: chunks to write in order. */
  take(): Uint8Array[];
}

/**
 * A batch's chunks while it has none: the first is put in a list of one,
 * as a push onto an empty array makes room for 17 (a list per message).
 */
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/** A batch's list of buffers while it holds none. */
const NO_BUFFERS: Uint8Array<ArrayBuffer>[] = Object.freeze(
  [],
) as unknown as Uint8Array<ArrayBuffer>[];

/**
 * Bytes to write, in order: small writes are copied into a shared buffer
 * (many frames, one write), large bodies appended by reference between
 * two slices of it, never copied.
 *
 * With `reuse`, whoever takes the chunks has written them by the next
 * `take`, so the buffers they were sliced from are used again from then
 * on: a sender whose frames are written into the batch (sealed CURVE boxes)
 * allocates nothing per message and holds a bounded amount of memory.
 *
 * Buffers are allocated at the first write, small, and grow to 64 KiB
 * only while a batch outgrows the small one; a take that finds nothing
 * queued (the writer went idle) gives the large ones back, so an idle
 * connection holds at most one small buffer, after a burst as before it.
 */
export class WriteBatch {
  #buffer: Uint8Array<ArrayBuffer> = NO_BUFFER;
  #start = 0;
  #end = 0;
  #chunks: Uint8Array[] = NO_CHUNKS;
  #pendingBytes = 0;
  /** Bodies appended by reference since the last take. */
  #appended = 0;
  /** Where takes join what they hold (see take), kept while busy. */
  #joined: Uint8Array<ArrayBuffer> | undefined;
  readonly #reuse: boolean;
  // The three lists are the shared empty one (frozen: a push would
  // throw) until they hold a buffer, and again once they are emptied: an
  // idle connection holds no arrays, as thousands of peers each have one.
  /** Buffers sliced into chunks not taken yet. */
  #queued: Uint8Array<ArrayBuffer>[] = NO_BUFFERS;
  /** Buffers sliced into the chunks of the last take, maybe being written. */
  #taken: Uint8Array<ArrayBuffer>[] = NO_BUFFERS;
  /** Buffers free to fill again. */
  #spare: Uint8Array<ArrayBuffer>[] = NO_BUFFERS;

  /** @param reuse Whether taken chunks are written by the next `take`. */
  constructor(reuse = false) {
    this.#reuse = reuse;
  }

  /** Bytes waiting to be taken. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Whether it holds nothing at all (so a fresh one would do as well). */
  get empty(): boolean {
    return this.#buffer === NO_BUFFER && this.#chunks === NO_CHUNKS &&
      this.#queued === NO_BUFFERS && this.#taken === NO_BUFFERS &&
      this.#spare === NO_BUFFERS && this.#joined === undefined;
  }

  /** Bytes of buffer held (written, being written or free to fill). */
  get retainedBytes(): number {
    let bytes = this.#buffer.length + (this.#joined?.length ?? 0);
    for (const list of [this.#queued, this.#taken, this.#spare]) {
      for (const buffer of list) {
        if (buffer !== this.#buffer) bytes += buffer.length;
      }
    }
    return bytes;
  }

  /** Where the next reserved bytes go in the buffer `reserve` returned. */
  get end(): number {
    return this.#end;
  }

  /** Makes room for `bytes` at `end`, returning the buffer to write into. */
  reserve(bytes: number): Uint8Array {
    if (this.#end + bytes > this.#buffer.length) {
      const old = this.#buffer;
      const carried = this.#end - this.#start;
      const carry = carried <= CARRY_MAX ? carried : 0;
      if (carry === 0) this.#seal();
      // Sealed slices still reference the old buffer, so start another.
      const needed = carry + bytes;
      const size = old.length === 0 && needed <= SMALL_BATCH_SIZE
        ? SMALL_BATCH_SIZE
        : needed <= BATCH_SIZE / 2
        ? BATCH_SIZE
        : LARGE_BATCH_SIZE;
      const buffer = this.#spareBuffer(needed) ??
        (needed <= size ? pools.get(size)!.pop() : undefined) ??
        new Uint8Array(Math.max(size, needed));
      if (carry > 0) {
        buffer.set(old.subarray(this.#start, this.#end));
        this.#leave(old);
      }
      this.#buffer = buffer;
      this.#start = 0;
      this.#end = carry;
    }
    return this.#buffer;
  }

  /**
   * The buffer filled so far, left for another with what it held not yet
   * taken: with `reuse`, one that no chunk waiting or being written was
   * sliced from is free to fill again at once.
   */
  #leave(buffer: Uint8Array<ArrayBuffer>): void {
    if (
      this.#reuse && !this.#queued.includes(buffer) &&
      !this.#taken.includes(buffer) && this.#spare.length < MAX_SPARES
    ) {
      this.#spared(buffer);
    }
  }

  /** Counts `count` bytes as written at `end`. */
  advance(count: number): void {
    this.#end += count;
    this.#pendingBytes += count;
  }

  /** Appends bytes by reference, after what is in the buffer so far. */
  append(bytes: Uint8Array): void {
    this.#seal();
    this.#addChunk(bytes);
    this.#pendingBytes += bytes.length;
    this.#appended++;
  }

  /** Takes everything, in order. */
  take(): Uint8Array[] {
    this.#seal();
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      this.#idle();
      return [];
    }
    this.#chunks = NO_CHUNKS;
    const pending = this.#pendingBytes;
    const appended = this.#appended;
    this.#pendingBytes = 0;
    this.#appended = 0;
    if (!this.#reuse) return chunks;
    // What the last take returned has been written by now. (Index loops
    // here: `for…of` made an iterator a call until the code was optimized,
    // 300 bytes a connection while thousands connect.)
    const written = this.#taken;
    for (let i = 0; i < written.length; i++) {
      const buffer = written[i];
      if (
        buffer !== this.#buffer && !this.#queued.includes(buffer) &&
        this.#spare.length < MAX_SPARES
      ) {
        this.#spared(buffer);
      }
    }
    this.#taken = this.#queued;
    this.#queued = NO_BUFFERS;
    // Deno writes one buffer a call: a body by reference costs a write, and
    // its header another. Two or more in one take (a stream of large
    // messages) go out joined in one buffer, one write (64 KiB messages:
    // 1.6 GB/s by reference, 1.9 joined); a lone one (a request, a reply)
    // still goes by reference, as its copy costs more than a write (a
    // 64 KiB round trip: 138-142 µs by reference, 152-163 copied).
    if (appended < 2 || pending > LARGE_BATCH_SIZE) return chunks;
    // The last take's, if it joined and is of the size wanted: written by
    // now. Sized by what is joined: a burst of small bodies to many peers
    // takes 64 KiB each, not 256.
    const size = pending <= BATCH_SIZE ? BATCH_SIZE : LARGE_BATCH_SIZE;
    let joined = this.#joined;
    if (joined?.length !== size) {
      if (joined) giveBack(joined);
      joined = this.#joined = pools.get(size)!.pop() ?? new Uint8Array(size);
    }
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    return [joined.subarray(0, pending)];
  }

  /**
   * Nothing queued since the last take: with `reuse` all of it is written,
   * so the buffers go to the shared pools (or the collector). Without,
   * taken chunks may still be read: a small buffer is kept and filled on
   * after them.
   */
  #idle(): void {
    // Runs each time a writer goes idle, a round trip's every hop: no
    // allocation unless something is held.
    const buffer = this.#buffer;
    const taken = this.#taken;
    const spare = this.#spare;
    if (taken.length > 0) this.#taken = NO_BUFFERS;
    if (spare.length > 0) this.#spare = NO_BUFFERS;
    if (!this.#reuse && buffer.length <= SMALL_BATCH_SIZE) return;
    this.#buffer = NO_BUFFER;
    this.#start = 0;
    this.#end = 0;
    if (!this.#reuse) return;
    giveBack(buffer);
    if (this.#joined) giveBack(this.#joined);
    this.#joined = undefined;
    // A buffer is in one of these lists at most, and maybe also current.
    for (let i = 0; i < taken.length; i++) {
      if (taken[i] !== buffer) giveBack(taken[i]);
    }
    for (let i = 0; i < spare.length; i++) {
      if (spare[i] !== buffer) giveBack(spare[i]);
    }
  }

  #seal(): void {
    if (this.#end > this.#start) {
      this.#addChunk(this.#buffer.subarray(this.#start, this.#end));
      this.#start = this.#end;
      if (this.#reuse && this.#queued.at(-1) !== this.#buffer) {
        if (this.#queued === NO_BUFFERS) this.#queued = [this.#buffer];
        else this.#queued.push(this.#buffer);
      }
    }
  }

  #addChunk(chunk: Uint8Array): void {
    if (this.#chunks === NO_CHUNKS) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
  }

  #spared(buffer: Uint8Array<ArrayBuffer>): void {
    if (this.#spare === NO_BUFFERS) this.#spare = [];
    this.#spare.push(buffer);
  }

  /** A spare buffer of `bytes` or more; smaller spares are dropped. */
  #spareBuffer(bytes: number): Uint8Array<ArrayBuffer> | undefined {
    if (this.#spare.length === 0) return undefined;
    let buffer = this.#spare.pop();
    while (buffer && buffer.length < bytes) buffer = this.#spare.pop();
    return buffer;
  }
}

/** Returns a written buffer to its pool, if it has one with room. */
function giveBack(buffer: Uint8Array<ArrayBuffer>): void {
  const pool = pools.get(buffer.length);
  if (pool && pool.length < MAX_POOLED[buffer.length]) pool.push(buffer);
}

/**
 * Queues a frame sealed by `mechanism`, as libzmq sends CURVE's MESSAGE: a
 * plain frame, the flags inside the box. Sealed straight into the output
 * where both allow it.
 *
 * @throws What the mechanism throws (its nonces used up), having dropped
 * all the output queued: the connection can only end, and nothing queued
 * may go, not the frame reserved for the box nor a message's first (a take
 * of nothing would free buffers the link may be writing).
 */
export function writeSealed(
  output: FrameOutput,
  mechanism: Mechanism,
  body: Uint8Array,
  flags: number,
): void {
  const more = (flags & FLAG_MORE) !== 0;
  const frame: SealedFrame = {
    more,
    command: (flags & FLAG_COMMAND) !== 0,
    body,
  };
  try {
    if (mechanism.sealInto && output.reserveFrame) {
      const size = body.length + (mechanism.overhead ?? 0);
      mechanism.sealInto(frame, output.reserveFrame(size, 0));
    } else {
      output.writeFrame(mechanism.seal!(frame), 0);
    }
  } catch (error) {
    if (output.pendingBytes > 0) output.take();
    throw error;
  }
}

/** Collects ZMTP frames for one connection, in one {@linkcode WriteBatch}. */
export class OutputBuffer implements FrameOutput {
  /**
   * Made at the first write, dropped by a take that leaves it empty: an
   * idle connection holds no batch (120 bytes each, thousands of peers).
   */
  #current: WriteBatch | undefined;
  readonly #reuse: boolean;

  /** @param reuse See {@linkcode WriteBatch}: taken chunks are written by the next take. */
  constructor(reuse = false) {
    this.#reuse = reuse;
  }

  get #batch(): WriteBatch {
    return this.#current ??= new WriteBatch(this.#reuse);
  }

  /** Bytes waiting to be taken. */
  get pendingBytes(): number {
    return this.#current?.pendingBytes ?? 0;
  }

  writeFrame(body: Uint8Array, flags: number): void {
    const batch = this.#batch;
    const size = body.length;
    if (size >= ZERO_COPY_THRESHOLD) {
      const header = batch.reserve(9);
      batch.advance(writeFrameHeader(header, batch.end, size, flags));
      return batch.append(body);
    }
    // Header and body in one reservation: the path of every small message.
    const buffer = batch.reserve(9 + size);
    const end = batch.end;
    const at = end + writeFrameHeader(buffer, end, size, flags);
    copyBytes(buffer, at, body);
    batch.advance(at - end + size);
  }

  reserveFrame(size: number, flags: number): Uint8Array {
    const batch = this.#batch;
    const buffer = batch.reserve(9 + size);
    const start = batch.end;
    const header = writeFrameHeader(buffer, start, size, flags);
    batch.advance(header + size);
    return buffer.subarray(start + header, start + header + size);
  }

  writeRaw(bytes: Uint8Array): void {
    const batch = this.#batch;
    if (bytes.length >= ZERO_COPY_THRESHOLD) return batch.append(bytes);
    // Copied, as a small frame is: the greeting is shared by every
    // connection, and what a caller does with the chunks it takes must not
    // reach the next connection's.
    batch.reserve(bytes.length).set(bytes, batch.end);
    batch.advance(bytes.length);
  }

  take(): Uint8Array[] {
    const batch = this.#current;
    if (!batch) return [];
    const chunks = batch.take();
    if (chunks.length === 0 && batch.empty) this.#current = undefined;
    return chunks;
  }
}
