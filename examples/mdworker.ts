/**
 * Majordomo worker demo (the guide's mdworker.c): serves "echo" through
 * the broker on port 5555, each reply its request, until Ctrl-C.
 *
 *     deno run --allow-net=127.0.0.1 examples/mdworker.ts [-v]
 *
 * @module
 */
import { catchInterrupt } from "./_interrupt.ts";
import { MajordomoWorker, type MajordomoWorkerOptions } from "./mdwrkapi.ts";

/** Options of {@linkcode echoWorker}: the worker's, plus where and how long. */
export interface EchoWorkerOptions extends MajordomoWorkerOptions {
  /** The broker. Default: the guide's port 5555, on loopback. */
  endpoint?: string | undefined;
  /** Stops the worker when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
}

/** Echoes requests until the signal aborts. */
export async function echoWorker(
  options: EchoWorkerOptions = {},
): Promise<void> {
  await using session = new MajordomoWorker(
    options.endpoint ?? "tcp://127.0.0.1:5555",
    "echo",
    options,
  );
  await session.serve((request) => request, { signal: options.signal }); // Echo is complex… :-)
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await echoWorker({
    verbose: Deno.args.includes("-v"),
    signal: interrupt.signal,
  });
}
