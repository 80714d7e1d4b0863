/**
 * Lines on stderr that never fail the command: diagnostics with nowhere
 * to go (`2> >(head -1)`, a closed terminal) are dropped, as Unix tools
 * drop them, and the work goes on.
 *
 * @module
 */

/** Where the lines go: `Deno.stderr`, or in a test anything like it. */
export interface SyncByteSink {
  /** Writes some of the bytes; returns how many. */
  writeSync(bytes: Uint8Array): number;
}

/**
 * The command's `warn`: writes each line whole, and never throws.
 * Once the reader has gone away, later lines are not even tried.
 *
 * @example
 * ```ts
 * import { stderrWarn } from "./_stderr.ts";
 *
 * const warn = stderrWarn(Deno.stderr);
 * warn("zmq: something to say"); // on stderr, or dropped if none reads it
 * ```
 *
 * @param sink Usually `Deno.stderr`.
 * @returns The function that writes a line.
 */
export function stderrWarn(sink: SyncByteSink): (line: string) => void {
  const encoder = new TextEncoder();
  let readerGone = false;
  return (line) => {
    if (readerGone) return;
    const bytes = encoder.encode(`${line}\n`);
    try {
      for (let at = 0; at < bytes.length;) {
        at += sink.writeSync(bytes.subarray(at));
      }
    } catch (error) {
      // Anything else (a full disk) loses this line only: stderr has no
      // one else to report it to.
      if (error instanceof Deno.errors.BrokenPipe) readerGone = true;
    }
  };
}
