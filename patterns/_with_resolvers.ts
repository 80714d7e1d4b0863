/**
 * `Promise.withResolvers()` for runtimes that lack it: it is ES2024, and
 * Node 20 and Safari before 17.4 do not have it, while the library runs
 * wherever ES2022 does.
 *
 * @module
 */

/** A new promise with the functions that settle it. */
export function withResolvers<T>(): PromiseWithResolvers<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((settle, fail) => {
    resolve = settle;
    reject = fail;
  });
  return { promise, resolve, reject };
}
