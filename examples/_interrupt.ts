/**
 * Ctrl-C for the examples, as the guide's `s_catch_signals`: a signal that
 * aborts on SIGINT or SIGTERM, so the example's loop ends and `await using`
 * closes its sockets before the process exits.
 *
 * @module
 */

/** An `AbortSignal` that Ctrl-C aborts, listening until disposed. */
export interface Interrupt extends Disposable {
  /** Aborted by the first Ctrl-C (or SIGTERM). */
  readonly signal: AbortSignal;
}

/**
 * Starts catching Ctrl-C.
 *
 * @example
 * ```ts ignore
 * using interrupt = catchInterrupt();
 * await server({ signal: interrupt.signal });
 * ```
 *
 * @returns The signal, and the way to stop listening.
 */
export function catchInterrupt(): Interrupt {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new Error("interrupted"));
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const signal of signals) Deno.addSignalListener(signal, onInterrupt);
  return {
    signal: controller.signal,
    [Symbol.dispose]: () => {
      for (const signal of signals) {
        Deno.removeSignalListener(signal, onInterrupt);
      }
    },
  };
}
