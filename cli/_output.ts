/**
 * Writing to stdout without a system call per message: writes gather in a
 * buffer that goes out when the program next waits for input, or sooner
 * when it grows.
 *
 * @module
 */

import { concatBytes } from "./_stdin.ts";

/** Where the bytes go: `Deno.stdout` or, in a test, anything like it. */
export interface ByteSink {
  /** Writes some of the bytes; returns how many. */
  write(bytes: Uint8Array): Promise<number>;
}

/** How long {@linkcode Output.abandonAfter} waits at least. */
const _GRACE_MS = 1000;
/** Bytes gathered before a write waits for them to go out. */
const _HIGH_WATER = 64 * 1024;

/**
 * Buffered output. Bytes go out in order, on the next macrotask (so a
 * burst of messages already received costs one write) or once 64 KiB are
 * waiting. A reader that went away (`| head -1`) is not an error: writes
 * stop, and {@linkcode Output.closed} settles.
 *
 * @example
 * ```ts
 * import { Output } from "./_output.ts";
 *
 * const output = new Output(Deno.stdout);
 * await output.write(new TextEncoder().encode("hello\n"));
 * await output.flush();
 * ```
 */
export class Output {
  #sink: ByteSink;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #writing: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = Promise.withResolvers<void>();
  #failed = false;
  /** Waits for the sink, settled early if it is abandoned. */
  #waiters = new Set<() => void>();
  #abandonTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  /** Bytes handed to the sink and not yet taken. */
  #unwritten = 0;
  #dropped = 0;
  /** Why writing failed, but for a reader that went away. */
  #error: unknown;

  /**
   * Writes to a sink.
   *
   * @param sink Usually `Deno.stdout`.
   */
  constructor(sink: ByteSink) {
    this.#sink = sink;
    // Marked as handled: a run that never looks at `closed` has no failure to hear.
    this.#closed.promise.catch(() => {});
  }

  /**
   * Settles when the reader went away (resolves) or writing failed
   * otherwise (rejects with the error).
   */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /**
   * Queues bytes.
   *
   * @param bytes What to write.
   * @returns Settles at once, or once written when much is waiting.
   */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#failed) return Promise.resolve();
    this.#chunks.push(bytes);
    this.#size += bytes.length;
    if (this.#size >= _HIGH_WATER) return this.flush();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, 0);
    return Promise.resolve();
  }

  /**
   * Writes what is queued.
   *
   * @returns Settles once written (or writing stopped).
   */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#chunks.length === 0) return this.#wait();
    const data = concatBytes(this.#chunks);
    this.#chunks = [];
    this.#size = 0;
    this.#unwritten += data.length;
    this.#writing = this.#writing.then(() => this.#writeAll(data));
    return this.#wait();
  }

  /** Bytes dropped when the sink was abandoned. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Gives the sink `ms` more, a second at least, to take what is queued:
   * then writes stop, what is left is dropped, and no write, flush or end
   * waits any longer. A reader that stopped reading (a full pipe) cannot
   * hold a program that was told to stop; a write already waiting on it is
   * left to the process's exit.
   *
   * @param ms How long, if longer than a second; a negative time never
   * gives up. Once {@linkcode Output.end} has settled, nothing is left to.
   */
  abandonAfter(ms = 0): void {
    if (this.#abandonTimer !== undefined || this.#ended || ms < 0) return;
    this.#abandonTimer = setTimeout(() => {
      if (this.#failed) return;
      this.#failed = true;
      this.#dropped = this.#size + this.#unwritten;
      this.#chunks = [];
      this.#size = 0;
      for (const release of this.#waiters) release();
      this.#waiters.clear();
    }, Math.max(ms, _GRACE_MS));
  }

  /**
   * What was written so far, or less once abandoned. Not a race with a
   * promise that may never settle: each race would stay on it.
   */
  #wait(): Promise<void> {
    if (this.#failed) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.add(resolve);
    this.#writing.then(() => {
      this.#waiters.delete(resolve);
      resolve();
    });
    return promise;
  }

  /**
   * Writes what is queued, then fails if any write failed for another
   * reason than a reader that went away (a full disk: output lost).
   *
   * @returns Settles once all is written.
   * @throws What the write failed with.
   */
  async end(): Promise<void> {
    await this.flush();
    this.#ended = true;
    clearTimeout(this.#abandonTimer);
    if (this.#error !== undefined) throw this.#error;
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    if (this.#failed) return;
    try {
      for (let at = 0; at < data.length;) {
        const written = await this.#sink.write(data.subarray(at));
        at += written;
        this.#unwritten -= written;
      }
    } catch (error) {
      this.#failed = true;
      if (error instanceof Deno.errors.BrokenPipe) {
        return this.#closed.resolve();
      }
      this.#error = error;
      this.#closed.reject(error);
    }
  }
}
