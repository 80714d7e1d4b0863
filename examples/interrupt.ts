/**
 * Handling Ctrl-C cleanly (the guide's interrupt.c): a REP server on
 * tcp://*:5555 that says "W: recv" for each request (and, as the C one,
 * sends nothing back) until Ctrl-C or SIGTERM ends its blocking receive; it
 * says so, and `await using` closes the socket before the process exits.
 *
 *     deno run --allow-net examples/interrupt.ts [endpoint]
 *
 * @module
 */
import { poll, Reply } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside a test. */
export interface InterruptOptions {
  /** Where to bind. Default: the guide's tcp://*:5555. */
  endpoint?: string | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Takes requests until the signal aborts. */
export async function interruptibleServer(
  options: InterruptOptions,
): Promise<void> {
  const print = options.print ?? console.log;
  await using socket = new Reply();
  await socket.bind(options.endpoint ?? "tcp://*:5555");
  options.onBound?.(socket.lastEndpoint!);
  // Blocking read will block until interrupted: as the C one's zmq_poll,
  // the REP reads no more while it owes a reply.
  for await (const _request of poll({ socket }, { signal: options.signal })) {
    print("W: recv");
    // Now send message back.
    // ...
  }
  print("W: interrupt received, killing server...");
  print("W: cleaning up");
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await interruptibleServer({
    endpoint: Deno.args[0],
    signal: interrupt.signal,
    onBound: (endpoint) => console.error(`Listening on ${endpoint}`),
  });
}
