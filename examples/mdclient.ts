/**
 * Majordomo client demo (the guide's mdclient.c): 100,000 "Hello world"
 * requests to the "echo" service through the broker on port 5555, then
 * how many got their reply. Run mdbroker.ts and mdworker.ts first.
 *
 *     deno run --allow-net=127.0.0.1 examples/mdclient.ts [-v]
 *
 * @module
 */
import { ZmqError } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { MajordomoClient } from "./mdcliapi.ts";

/** Options of {@linkcode echoClient}. */
export interface EchoClientOptions {
  /** The broker. Default: the guide's port 5555, on loopback. */
  endpoint?: string | undefined;
  /** Requests to send. Default 100,000, as the C original. */
  requests?: number | undefined;
  /** How long to wait for each reply, in ms. Default 2500. */
  timeout?: number | undefined;
  /** Print what the client does. */
  verbose?: boolean | undefined;
  /** Stops early when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Sends the requests, stopping at the first that gets no reply. */
export async function echoClient(
  options: EchoClientOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  await using session = new MajordomoClient(
    options.endpoint ?? "tcp://127.0.0.1:5555",
    { timeout: options.timeout, verbose: options.verbose, print },
  );
  const requests = options.requests ?? 100_000;
  let count = 0;
  try {
    for (; count < requests; count++) {
      await session.send("echo", "Hello world", { signal: options.signal });
    }
  } catch (error) {
    const gaveUp = error instanceof ZmqError && error.code === "EAGAIN";
    if (!gaveUp && !options.signal?.aborted) throw error;
  }
  print(`${count} requests/replies processed`);
  return count;
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await echoClient({
    verbose: Deno.args.includes("-v"),
    signal: interrupt.signal,
  });
}
