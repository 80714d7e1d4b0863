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
 * Collects encoded frames for one connection: headers and small bodies are
 * copied into a shared batch (many messages, one write); large bodies are
 * passed by reference between two slices of the batch, never copied.
 */
export class OutputBuffer implements FrameOutput {
  #buffer = new Uint8Array(BATCH_SIZE);
  #start = 0;
  #end = 0;
  #chunks: Uint8Array[] = [];
  #pendingBytes = 0;

  /** Bytes waiting to be taken. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  writeFrame(body: Uint8Array, flags: number): void {
    const size = body.length;
    this.#ensure(9);
    this.#end += writeFrameHeader(this.#buffer, this.#end, size, flags);
    if (size >= ZERO_COPY_THRESHOLD) {
      this.#seal();
      this.#chunks.push(body);
    } else {
      this.#ensure(size);
      this.#buffer.set(body, this.#end);
      this.#end += size;
    }
    this.#pendingBytes += size + 9;
  }

  writeRaw(bytes: Uint8Array): void {
    this.#seal();
    this.#chunks.push(bytes);
    this.#pendingBytes += bytes.length;
  }

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

  #ensure(bytes: number): void {
    if (this.#end + bytes <= this.#buffer.length) return;
    this.#seal();
    // Sealed slices still reference the old buffer, so start a fresh one.
    this.#buffer = new Uint8Array(Math.max(BATCH_SIZE, bytes));
    this.#start = 0;
    this.#end = 0;
  }
}
