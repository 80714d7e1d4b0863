/**
 * Hello World worker behind a broker (the guide's rrworker.c): connects REP
 * to tcp://localhost:5560, the broker's backend.
 *
 *     deno run --allow-net examples/rrworker.ts
 *
 * @module
 */
import { Reply } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the worker inside a test or the demo. */
export interface BrokerWorkerOptions {
  /** The broker's backend. Default: the guide's tcp://localhost:5560. */
  endpoint?: string | undefined;
  /** Simulated work per request, in ms. Default 1000, as in the C original. */
  workMs?: number | undefined;
  /** Stops the worker when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Answers "World" to every request until the signal aborts. */
export async function brokerWorker(
  options: BrokerWorkerOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  await using responder = new Reply();
  responder.connect(options.endpoint ?? "tcp://localhost:5560");
  const signal = options.signal;
  for await (const [request] of responder.messages({ signal })) {
    print(`Received request: [${new TextDecoder().decode(request)}]`);
    await new Promise((resolve) => setTimeout(resolve, options.workMs ?? 1000)); // Do some 'work'
    await responder.send("World");
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await brokerWorker({ signal: interrupt.signal });
}
