/**
 * Multithreaded service (the guide's mtserver.c): a ROUTER for clients on
 * tcp://*:5555, five REP workers on inproc://workers in the same Context,
 * and the built-in proxy between them. Each worker prints the request,
 * works for a second and answers "World". Ctrl-C stops it.
 *
 *     deno run --allow-net examples/mtserver.ts
 *
 * @module
 */
import { Context, Dealer, proxy, Reply, Router } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside a test. */
export interface MultithreadedServerOptions {
  /** Where clients connect. Default: the guide's tcp://*:5555. */
  endpoint?: string;
  /** Called once bound, with the real endpoint. */
  onBound?: (endpoint: string) => void;
  /** Simulated work per request, in ms. Default 1000, as in the C original. */
  workMs?: number;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
  /** Where lines go. */
  print?: (line: string) => void;
}

async function workerRoutine(
  context: Context,
  options: MultithreadedServerOptions,
): Promise<void> {
  const print = options.print ?? console.log;
  // Socket to talk to dispatcher
  await using receiver = new Reply({ context });
  receiver.connect("inproc://workers");
  for await (const [request] of receiver) {
    print(`Received request: [${new TextDecoder().decode(request)}]`);
    // Do some 'work'
    await new Promise((resolve) => setTimeout(resolve, options.workMs ?? 1000));
    // Send reply back to client
    await receiver.send("World");
  }
}

/** Serves clients until the signal aborts. */
export async function multithreadedServer(
  options: MultithreadedServerOptions = {},
): Promise<void> {
  await using context = new Context();
  // Socket to talk to clients
  const clients = new Router({ context });
  await clients.bind(options.endpoint ?? "tcp://*:5555");
  options.onBound?.(clients.lastEndpoint!);
  // Socket to talk to workers
  const workers = new Dealer({ context });
  await workers.bind("inproc://workers");
  // Launch pool of worker "threads": tasks on this event loop
  const pool = [];
  for (let n = 0; n < 5; n++) pool.push(workerRoutine(context, options));
  // Connect work threads to client threads via a queue proxy
  await proxy(clients, workers, { signal: options.signal });
  // Closing the context ends every worker's loop.
  await context.close();
  await Promise.all(pool);
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await multithreadedServer({ signal: interrupt.signal });
}
