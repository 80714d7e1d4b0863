/**
 * Handling Ctrl-C cleanly (the guide's interrupt.c): a REP server on
 * tcp://*:5555 whose blocking receive ends when Ctrl-C is pressed; it says
 * so, and `await using` closes the socket before the process exits.
 *
 *     deno run --allow-net examples/interrupt.ts [endpoint]
 *
 * @module
 */
import { Reply } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside a test. */
export interface InterruptOptions {
  /** Where to bind. Default: the guide's tcp://*:5555. */
  endpoint?: string;
  /** Called once bound, with the real endpoint. */
  onBound?: (endpoint: string) => void;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  /** Where lines go. */
  print?: (line: string) => void;
}

/** Answers requests until the signal aborts. */
export async function interruptibleServer(
  options: InterruptOptions,
): Promise<void> {
  const print = options.print ?? console.log;
  await using socket = new Reply();
  await socket.bind(options.endpoint ?? "tcp://*:5555");
  options.onBound?.(socket.lastEndpoint!);
  // Blocking read will block until interrupted
  for await (const _request of socket.messages({ signal: options.signal })) {
    await socket.send("World");
  }
  print("W: interrupt received, killing server...");
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await interruptibleServer({
    endpoint: Deno.args[0],
    signal: interrupt.signal,
    onBound: (endpoint) => console.error(`Listening on ${endpoint}`),
  });
}
