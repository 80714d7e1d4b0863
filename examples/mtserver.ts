/**
 * Multithreaded service (the guide's mtserver.c): a ROUTER for clients on
 * tcp://*:5555, five REP workers on inproc://workers, and the built-in proxy
 * between them. Each worker is a Web Worker, a thread of its own, running
 * this same file; the context is shared with it, so `inproc://` reaches it.
 * Each worker prints the request, works for a second and answers "World".
 * Ctrl-C stops it.
 *
 *     deno run --allow-net --allow-read examples/mtserver.ts
 *
 * @module
 */
import { Context, Dealer, proxy, Reply, Router } from "@zmtp/zmq";
import type { SharedContext } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside a test. */
export interface MultithreadedServerOptions {
  /** Where clients connect. Default: the guide's tcp://*:5555. */
  endpoint?: string | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Simulated work per request, in ms. Default 1000, as in the C original. */
  workMs?: number | undefined;
  /** Worker threads. Default 5, as in the C original. */
  threads?: number | undefined;
  /** Stops the server when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** What the main thread and a worker thread say to each other. */
type ThreadMessage =
  | { op: "loaded" }
  | { op: "start"; shared: SharedContext; workMs: number }
  | { op: "print"; line: string }
  | { op: "stop" }
  | { op: "stopped" };

const WORKER_NAME = "mtserver worker";

/** The worker thread: a REP on inproc://workers in the shared context. */
function workerThread(): void {
  const scope = globalThis as unknown as {
    postMessage(message: ThreadMessage): void;
    onmessage: ((event: MessageEvent<ThreadMessage>) => void) | null;
  };
  let context: Context | undefined;
  scope.onmessage = async ({ data }) => {
    if (data.op === "start") {
      context = new Context({ shared: data.shared });
      // Socket to talk to dispatcher
      const receiver = new Reply({ context });
      receiver.connect("inproc://workers");
      for await (const [request] of receiver) {
        const text = new TextDecoder().decode(request);
        scope.postMessage({ op: "print", line: `Received request: [${text}]` });
        // Do some 'work'
        await new Promise((resolve) => setTimeout(resolve, data.workMs));
        // Send reply back to client
        await receiver.send("World");
      }
    } else if (data.op === "stop") {
      await context?.close();
      scope.postMessage({ op: "stopped" });
    }
  };
  // Posted before this, a message would be lost (Deno 2.9.6).
  scope.postMessage({ op: "loaded" });
}

/** Starts a worker thread with the shared context; settles once it stops. */
async function startThread(
  context: Context,
  options: MultithreadedServerOptions,
  stopping: Promise<void>,
): Promise<void> {
  const worker = new Worker(import.meta.url, {
    type: "module",
    name: WORKER_NAME,
  });
  const print = options.print ?? console.log;
  const stopped = Promise.withResolvers<void>();
  const loaded = Promise.withResolvers<void>();
  worker.onmessage = ({ data }: MessageEvent<ThreadMessage>) => {
    if (data.op === "loaded") loaded.resolve();
    if (data.op === "print") print(data.line);
    if (data.op === "stopped") stopped.resolve();
  };
  await loaded.promise;
  const shared = context.share();
  worker.postMessage(
    { op: "start", shared, workMs: options.workMs ?? 1000 },
    [shared.port],
  );
  await stopping;
  worker.postMessage({ op: "stop" });
  await stopped.promise;
  worker.terminate();
}

/** Serves clients until the signal aborts. */
export async function multithreadedServer(
  options: MultithreadedServerOptions = {},
): Promise<void> {
  const context = new Context();
  // Socket to talk to clients
  const clients = new Router({ context });
  await clients.bind(options.endpoint ?? "tcp://*:5555");
  options.onBound?.(clients.lastEndpoint!);
  // Socket to talk to workers
  const workers = new Dealer({ context });
  await workers.bind("inproc://workers");
  // Launch pool of worker threads
  const stopping = Promise.withResolvers<void>();
  const pool = [];
  for (let n = 0; n < (options.threads ?? 5); n++) {
    pool.push(startThread(context, options, stopping.promise));
  }
  // Connect work threads to client threads via a queue proxy
  await proxy(clients, workers, { signal: options.signal });
  stopping.resolve();
  await Promise.all(pool);
  await context.close();
}

if ((globalThis as { name?: string }).name === WORKER_NAME) {
  workerThread();
} else if (import.meta.main) {
  using interrupt = catchInterrupt();
  await multithreadedServer({ signal: interrupt.signal });
}
