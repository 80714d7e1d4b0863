/**
 * Builtins of ES2024 and of the 2024 web that the library uses, for the
 * runtimes that lack them: Node 20, Safari before 17.4, Firefox before 124.
 * The library runs wherever ES2023 does.
 *
 * @module
 */

/** A new promise with the functions that settle it (`Promise.withResolvers`). */
export function withResolvers<T>(): PromiseWithResolvers<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((settle, fail) => {
    resolve = settle;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * A signal that aborts when the first of `signals` does, with its reason
 * (`AbortSignal.any`). The fallback listens to each until one aborts, so it
 * aborts from that signal's abort event: after the listeners added to it
 * before, where the builtin's is aborted already (one of those that aborts
 * another of `signals` then wins). Give it signals that abort at the end of
 * their use, or its listeners stay on them until they do.
 */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === "function") return AbortSignal.any(signals);
  const controller = new AbortController();
  const aborted = signals.find((signal) => signal.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return controller.signal;
  }
  const onAbort = (event: Event) => {
    for (const signal of signals) {
      signal.removeEventListener("abort", onAbort);
    }
    controller.abort((event.target as AbortSignal).reason);
  };
  for (const signal of signals) signal.addEventListener("abort", onAbort);
  return controller.signal;
}
