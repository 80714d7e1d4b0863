import { writeFrameHeader } from "./frame.ts";

const BATCH_SIZE = 64 * 1024;
/** Bodies at least this large go out by reference instead of being copied. */
const ZERO_COPY_THRESHOLD = 4096;

/** Where a connection queues its frames, in the framing of its transport. */
export interface FrameOutput {
  /** Bytes waiting to be taken. */
  readonly pendingBytes: number;
  /** Queues a frame with ZMTP flags (`FLAG_MORE`, `FLAG_COMMAND`). */
  writeFrame(body: Uint8Array, flags: number): void;
  /** Queues bytes as they are (the greeting). */
  writeRaw(bytes: Uint8Array): void;
  /** Takes what is queued: chunks to write in order. */
  take(): Uint8Array[];
}

/**
 * Bytes to write, in order: small writes are copied into a shared buffer
 * (many frames, one write), large bodies appended by reference between
 * two slices of it, never copied.
 */
export class WriteBatch {
  #buffer = new Uint8Array(BATCH_SIZE);
  #start = 0;
  #end = 0;
  #chunks: Uint8Array[] = [];
  #pendingBytes = 0;

  /** Bytes waiting to be taken. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Where the next reserved bytes go in the buffer `reserve` returned. */
  get end(): number {
    return this.#end;
  }

  /** Makes room for `bytes` at `end`, returning the buffer to write into. */
  reserve(bytes: number): Uint8Array {
    if (this.#end + bytes > this.#buffer.length) {
      this.#seal();
      // Sealed slices still reference the old buffer, so start a fresh one.
      this.#buffer = new Uint8Array(Math.max(BATCH_SIZE, bytes));
      this.#start = 0;
      this.#end = 0;
    }
    return this.#buffer;
  }

  /** Counts `count` bytes as written at `end`. */
  advance(count: number): void {
    this.#end += count;
    this.#pendingBytes += count;
  }

  /** Appends bytes by reference, after what is in the buffer so far. */
  append(bytes: Uint8Array): void {
    this.#seal();
    this.#chunks.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** Takes everything, in order. */
  take(): Uint8Array[] {
    this.#seal();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#pendingBytes = 0;
    return chunks;
  }

  #seal(): void {
    if (this.#end > this.#start) {
      this.#chunks.push(this.#buffer.subarray(this.#start, this.#end));
      this.#start = this.#end;
    }
  }
}

/** Collects ZMTP frames for one connection, in one {@linkcode WriteBatch}. */
export class OutputBuffer implements FrameOutput {
  #batch = new WriteBatch();

  /** Bytes waiting to be taken. */
  get pendingBytes(): number {
    return this.#batch.pendingBytes;
  }

  writeFrame(body: Uint8Array, flags: number): void {
    const batch = this.#batch;
    const size = body.length;
    const header = batch.reserve(9);
    batch.advance(writeFrameHeader(header, batch.end, size, flags));
    if (size >= ZERO_COPY_THRESHOLD) {
      batch.append(body);
    } else {
      batch.reserve(size).set(body, batch.end);
      batch.advance(size);
    }
  }

  writeRaw(bytes: Uint8Array): void {
    this.#batch.append(bytes);
  }

  take(): Uint8Array[] {
    return this.#batch.take();
  }
}
