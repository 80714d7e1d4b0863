/**
 * The guide's `s_sleep`, cut short by Ctrl-C so an example never keeps its
 * process (or a test) waiting on a timer after it was told to stop.
 *
 * @module
 */

/**
 * Waits `ms` milliseconds, or less if the signal aborts first.
 *
 * @example
 * ```ts
 * import { sleep } from "./_sleep.ts";
 *
 * await sleep(10, AbortSignal.timeout(1));
 * ```
 *
 * @returns Settles (never rejects) when the time is up or the signal aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
