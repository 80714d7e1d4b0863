/**
 * Where a stream link's reads go: buffers never filled twice, so message
 * frames can be views into them; small while the peer is quiet, large
 * while its data keeps coming.
 *
 * @module
 */

/**
 * What a quiet link reads into: the buffer of a pending read stays alive
 * until bytes come, so this is what each idle connection costs (libzmq's
 * is 8 KiB). When the first read of a burst fills it in the middle of a
 * frame larger than half of it, and the last burst was no stream, the
 * frame goes on in a small buffer that holds it: a request larger than the
 * messages before it takes one read more, not a 64 KiB buffer. What such
 * requests need after a quiet spell sizes the next small buffers, which
 * halve back, a burst at a time, as they need less.
 */
const SMALL_READ_BUFFER_SIZE = 256;
export const LARGEST_SMALL_READ_BUFFER_SIZE = 8 * 1024;
/** For a link whose reads keep filling the space they are given. */
const READ_BUFFER_SIZE = 64 * 1024;
/** For streams of large frames, so most frames fit whole in one read. */
const LARGE_READ_BUFFER_SIZE = 256 * 1024;
const LARGE_FRAME = 16 * 1024;
const MIN_READ_SPACE = 4 * 1024;
const MIN_SMALL_READ_SPACE = 64;
const EMPTY = new Uint8Array(0);

/** What the buffers ask of the codec the bytes go to. */
export interface ReadingCodec {
  /** Where the rest of a large frame body goes straight, if anywhere. */
  directReadTarget(): Uint8Array<ArrayBuffer> | undefined;
  /** The declared size of the frame being received, 0 between frames. */
  readonly partialFrameSize: number;
  /** The most one read may take, if less than the buffer has room for. */
  readonly maxReadSize?: number | undefined;
}

/** The read buffers of one stream link. */
export class ReadBuffers {
  /**
   * The buffer being filled (small or large), never from its start twice:
   * its ArrayBuffer, as the pending read's view is the only view needed
   * (a Uint8Array of its own was 104 bytes a connection).
   */
  #buffer: ArrayBuffer = new ArrayBuffer(SMALL_READ_BUFFER_SIZE);
  /** The size of the next small buffer: what a quiet spell's end needs. */
  #smallSize = SMALL_READ_BUFFER_SIZE;
  /** Bytes read since the last read that came short: the current burst. */
  #burst = 0;
  /** The size of the last burst: a small buffer keeps room for one more. */
  #lastBurst = 0;
  /** Whether the last burst outgrew the small buffers: a stream, likely again. */
  #lastBurstLarge = false;
  /** Where the next read goes in it. */
  #offset = 0;
  /**
   * Whether the last read filled all the space it was given: more is
   * likely waiting, so reads go into large buffers until one comes short.
   */
  #busy = false;
  /**
   * The large buffer a short read left for a small one, with where it was
   * filled to: held weakly, so an idle link does not keep it, and filled on
   * if the link is busy again before it is collected (frames of that burst
   * often still keep it), instead of a fresh one.
   */
  #parked: { buffer: WeakRef<ArrayBuffer>; offset: number } | undefined;
  /** The small buffer a busy spell left, to go back to: it is small. */
  #quiet: { buffer: ArrayBuffer; offset: number } | undefined;
  /** What the pending read fills. */
  #target: Uint8Array<ArrayBuffer> = EMPTY;
  /** Whether that is a frame body's own buffer rather than `#buffer`. */
  #direct = false;

  /** The space the next read fills. */
  next(codec: ReadingCodec): Uint8Array<ArrayBuffer> {
    // A large frame body goes straight into its own buffer.
    const direct = codec.directReadTarget();
    this.#direct = direct !== undefined;
    if (direct) return this.#target = direct;
    // Emptied: the app transferred it away (a received frame's `buffer`).
    if (this.#buffer.byteLength === 0) {
      this.#buffer = new ArrayBuffer(this.#smallSize);
      this.#offset = 0;
    }
    // A read that came short between frames ends what arrived together.
    if (!this.#busy && codec.partialFrameSize === 0) this.#burstEnded();
    const size = this.#nextSize(codec.partialFrameSize);
    if (size > 0) this.#switch(size);
    const space = this.#buffer.byteLength - this.#offset;
    const most = codec.maxReadSize;
    return this.#target = new Uint8Array(
      this.#buffer,
      this.#offset,
      most !== undefined && most < space ? most : space,
    );
  }

  /**
   * Takes `count` bytes as read into the last space: they are the chunk;
   * `undefined` if the app transferred that space away meanwhile (a
   * received frame's `buffer`), and the bytes with it.
   */
  filled(count: number): Uint8Array<ArrayBuffer> | undefined {
    const target = this.#target;
    if (target.length === 0) return undefined;
    this.#busy = count === target.length;
    this.#burst += count;
    // Frames handed out are views into what was read; the next read goes
    // after it, so they stay intact.
    if (!this.#direct) this.#offset += count;
    return target.subarray(0, count);
  }

  /** Lets go of the space of a read that will not complete. */
  release(): void {
    this.#target = EMPTY;
  }

  /**
   * A burst no larger than the largest small buffer sizes the next small
   * ones: twice the room it took, so a request or reply of that size comes
   * in one read, or half the last size if more; larger bursts are a
   * stream, for large buffers.
   */
  #burstEnded(): void {
    const burst = this.#burst;
    this.#burst = 0;
    this.#lastBurstLarge = burst > LARGEST_SMALL_READ_BUFFER_SIZE;
    if (this.#lastBurstLarge) return;
    this.#lastBurst = burst;
    this.#smallSize = Math.max(smallBufferFor(burst * 2), this.#smallSize / 2);
  }

  /**
   * The size of a fresh buffer for the next read, or 0 to read on into the
   * current one. A busy link moves to a large buffer, a quiet one back to a
   * small one (the large one goes once no frame points into it), so an idle
   * link holds as little after a burst as before it.
   */
  #nextSize(partialFrameSize: number): number {
    const length = this.#buffer.byteLength;
    const space = length - this.#offset;
    const busy = this.#busy;
    const small = length <= LARGEST_SMALL_READ_BUFFER_SIZE;
    const needed = partialFrameSize + MIN_SMALL_READ_SPACE;
    const fitsSmall = partialFrameSize > 0 &&
      needed <= LARGEST_SMALL_READ_BUFFER_SIZE;
    if (small && busy) {
      // The first read of a burst filled a small buffer in the middle of a
      // frame larger than half of it (a request larger than the messages
      // before it): the frame goes on in a small buffer that holds it,
      // unless the last burst was a stream. Anything else that fills a
      // small buffer is a stream: 64 KiB.
      const request = fitsSmall && this.#burst <= length &&
        partialFrameSize * 2 > length && !this.#lastBurstLarge;
      return request ? smallBufferFor(needed) : READ_BUFFER_SIZE;
    }
    if (small && partialFrameSize > 0) {
      // A frame arriving in pieces goes on where it started while there is
      // room, or in a small buffer that holds it.
      if (space >= MIN_SMALL_READ_SPACE) return 0;
      return fitsSmall ? smallBufferFor(needed) : READ_BUFFER_SIZE;
    }
    if (small) {
      // Out of a quiet spell: room for a burst like the last, in a buffer
      // of the size it needs.
      const room = Math.max(
        MIN_SMALL_READ_SPACE,
        Math.min(this.#lastBurst, this.#smallSize),
      );
      return length !== this.#smallSize || space < room ? this.#smallSize : 0;
    }
    // A large buffer: read on into while a burst fills it or a frame is
    // still coming, and it has room, else a fresh one (256 KiB once a
    // stream of large frames fills one, as one large message is no
    // stream); after a short read between frames, back to a small one.
    if (busy || partialFrameSize > 0) {
      if (space >= MIN_READ_SPACE) return 0;
      // A frame still coming after a short read: a small buffer for it, if
      // one holds it (the link may be stalled; its partial frame keeps the
      // large one already).
      if (!busy && fitsSmall) return smallBufferFor(needed);
      return busy && partialFrameSize >= LARGE_FRAME
        ? LARGE_READ_BUFFER_SIZE
        : READ_BUFFER_SIZE;
    }
    return this.#smallSize;
  }

  #switch(size: number): void {
    const buffer = this.#buffer;
    const space = buffer.byteLength - this.#offset;
    let next: ArrayBuffer | undefined;
    if (size > LARGEST_SMALL_READ_BUFFER_SIZE) {
      if (buffer.byteLength <= LARGEST_SMALL_READ_BUFFER_SIZE) {
        this.#quiet = { buffer, offset: this.#offset };
      }
      next = this.#parked?.buffer.deref();
      if (next?.byteLength === 0) next = undefined; // transferred away
      this.#offset = next ? this.#parked!.offset : 0;
      this.#parked = undefined;
    } else if (buffer.byteLength > size) {
      if (
        buffer.byteLength > LARGEST_SMALL_READ_BUFFER_SIZE &&
        space >= MIN_READ_SPACE
      ) {
        this.#parked = { buffer: new WeakRef(buffer), offset: this.#offset };
      }
      // Back to the small buffer this burst started in, if it has room.
      const quiet = this.#quiet;
      if (
        quiet && quiet.buffer.byteLength === size &&
        quiet.buffer.byteLength - quiet.offset >= MIN_SMALL_READ_SPACE
      ) {
        next = quiet.buffer;
        this.#offset = quiet.offset;
      }
      this.#quiet = undefined;
    }
    if (!next) this.#offset = 0;
    // Frames handed out are views into what was read: a buffer is filled
    // on past them, never from its start again.
    this.#buffer = next ?? new ArrayBuffer(size);
  }
}

/** The size of the smallest small buffer with room for `bytes`. */
function smallBufferFor(bytes: number): number {
  let size = SMALL_READ_BUFFER_SIZE;
  while (size < bytes && size < LARGEST_SMALL_READ_BUFFER_SIZE) size *= 2;
  return size;
}
