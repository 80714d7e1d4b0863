/** Stand-ins for the unit tests of the layers: links, text frames, deadlines. */
import type { Link, LinkEnd } from "../transport/transport.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Frames from strings. */
export const text = (...values: string[]): Uint8Array[] =>
  values.map((value) => encoder.encode(value));

/** Strings from frames. */
export const texts = (frames: Uint8Array[]): string[] =>
  frames.map((frame) => decoder.decode(frame));

/** A link that only counts the calls a strategy makes on it. */
export class CountingLink implements Link {
  readonly remoteAddress = "";
  readonly done: Promise<LinkEnd> = Promise.resolve({});
  readonly closed = false;
  wakes = 0;
  resumes = 0;
  start(): void {}
  wake(): void {
    this.wakes++;
  }
  resume(): void {
    this.resumes++;
  }
  whenFlushed(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/** Settles with `promise`, or fails naming what did not happen in time. */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  ms = 2000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
