/**
 * The signals that end a command: Ctrl-C, and SIGTERM (what `kill`,
 * systemd and container runtimes send) where the system has it.
 *
 * @module
 */

/** Windows has no SIGTERM to listen to. */
const _ENDING: Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

/**
 * The shell's exit status for a process a signal ended: 128 + its number.
 *
 * @example
 * ```ts ignore
 * signalStatus("SIGINT"); // 130
 * ```
 */
export function signalStatus(signal: Deno.Signal): number {
  return signal === "SIGINT" ? 130 : 143;
}

/**
 * Calls `onSignal` at each ending signal until the function returned is
 * called.
 *
 * @example
 * ```ts ignore
 * const stopListening = onEndingSignals((signal) => stop.abort(signal));
 * try { await run(); } finally { stopListening(); }
 * ```
 */
export function onEndingSignals(
  onSignal: (signal: Deno.Signal) => void,
): () => void {
  const listeners = _ENDING.map((signal) => {
    const listener = () => onSignal(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  };
}
