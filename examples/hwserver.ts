/**
 * Hello World server (the guide's hwserver.c): binds REP to tcp://*:5555,
 * expects "Hello" from clients, replies with "World".
 *
 *     deno run --allow-net examples/hwserver.ts
 *
 * @module
 */
import { Reply } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside the demo. */
export interface HelloServerOptions {
  /** Where to bind. Default: the guide's tcp://*:5555. */
  endpoint?: string | undefined;
  /** Simulated work per request, in ms. Default 1000, as in the C original. */
  workMs?: number | undefined;
  /** Stop after this many requests. Default: never. */
  requests?: number | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Stops the server when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Runs the server. */
export async function helloServer(
  options: HelloServerOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  await using responder = new Reply();
  await responder.bind(options.endpoint ?? "tcp://*:5555");
  options.onBound?.(responder.lastEndpoint!);
  let served = 0;
  // Wait for next request from client
  for await (const _request of responder.messages({ signal: options.signal })) {
    print("Received Hello");
    await new Promise((resolve) => setTimeout(resolve, options.workMs ?? 1000)); // Do some 'work'
    await responder.send("World");
    if (++served === options.requests) break;
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await helloServer({ signal: interrupt.signal });
}
