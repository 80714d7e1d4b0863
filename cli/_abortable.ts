/**
 * Waits a run gives up when it stops (Ctrl-C, a refused handshake, stdout
 * closed): for a timer, or for a promise that takes no signal of its own.
 *
 * @module
 */

/**
 * Waits `ms` milliseconds, unless the signal aborts first.
 *
 * @example
 * ```ts
 * import { sleepUnlessAborted } from "./_abortable.ts";
 *
 * await sleepUnlessAborted(10, new AbortController().signal);
 * ```
 *
 * @param ms How long.
 * @param signal Ends the wait early.
 * @returns Settles when the time has passed.
 * @throws The signal's reason, if it aborts first.
 */
export function sleepUnlessAborted(
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * A promise's outcome, unless the signal aborts first. The promise goes
 * on (reading stdin cannot be called off); only the wait for it ends.
 *
 * @example
 * ```ts
 * import { unlessAborted } from "./_abortable.ts";
 *
 * const value = await unlessAborted(Promise.resolve(1), new AbortController().signal);
 * console.log(value); // 1
 * ```
 *
 * @param promise What to wait for.
 * @param signal Ends the wait early.
 * @returns What the promise gives.
 * @throws What the promise throws, or the signal's reason if it aborts
 * first (at once if it has).
 */
export function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
