/**
 * Lazy Pirate server (the guide's lpserver.c): a REP on tcp://*:5555 that
 * echoes requests, and after a few cycles simulates problems: a crash or
 * CPU overload.
 *
 *     deno run --allow-net examples/lpserver.ts
 *
 * @module
 */
import { Reply } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside a test. */
export interface LazyServerOptions {
  /** Where to bind. Default: the guide's tcp://*:5555. */
  endpoint?: string | undefined;
  /** Returns a number in [0, 1); the problems are drawn from it. */
  random?: (() => number) | undefined;
  /** Simulated work per request, in ms. Default 1000. */
  workMs?: number | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Stops the server when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Serves until it simulates a crash. */
export async function lazyServer(
  options: LazyServerOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const random = options.random ?? Math.random;
  const workMs = options.workMs ?? 1000;
  await using server = new Reply({ linger: 0 });
  await server.bind(options.endpoint ?? "tcp://*:5555");
  options.onBound?.(server.lastEndpoint!);
  let cycles = 0;
  for await (const [request] of server.messages({ signal: options.signal })) {
    cycles++;
    const text = new TextDecoder().decode(request);
    // Simulate various problems, after a few cycles
    const roll = () => Math.floor(random() * 3);
    if (cycles > 3 && roll() === 0) {
      print("I: simulating a crash");
      return;
    }
    if (cycles > 3 && roll() === 0) {
      print("I: simulating CPU overload");
      await new Promise((resolve) => setTimeout(resolve, 2 * workMs));
    }
    print(`I: normal request (${text})`);
    await new Promise((resolve) => setTimeout(resolve, workMs)); // Do some heavy work
    await server.send(request);
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await lazyServer({ signal: interrupt.signal });
}
