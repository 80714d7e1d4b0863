/**
 * Asynchronous client-server (the guide's asyncsrv.c): DEALER clients that
 * send a request a second and print replies as they come, and a server
 * whose ROUTER on tcp://*:5570 deals requests through the built-in proxy to
 * five DEALER workers on inproc://backend. Each worker answers a request
 * zero to four times, after random pauses, so a client talks to several
 * workers at once and replies come in any order. Run alone, three clients
 * and the server run together for five seconds, as in the C original.
 *
 *     deno run --allow-net examples/asyncsrv.ts
 *
 * @module
 */
import { Context, Dealer, proxy, Router, ZmqError } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { printableId } from "./_printable_id.ts";
import { sleep } from "./_sleep.ts";

/** Options for running a client inside a test. */
export interface AsyncClientOptions {
  /** The server. Default: the guide's tcp://localhost:5570. */
  endpoint?: string | undefined;
  /** The client's identity. Default: random, such as "0F3A-B2C4". */
  identity?: string | undefined;
  /** Time between requests, in ms. Default 1000, as in the C original. */
  intervalMs?: number | undefined;
  /** Requests to send; default: until the signal aborts. */
  requests?: number | undefined;
  /** Stops the client when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/**
 * Sends "request #1", "request #2"… one an interval, the first after one
 * interval, and prints every reply as czmq's zframe_print does
 * (`0F3A-B2C4[010] request #1`), until the signal aborts.
 */
export async function asyncClient(
  options: AsyncClientOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const identity = options.identity ?? printableId();
  const signal = options.signal;
  await using client = new Dealer({ routingId: identity, linger: 0 });
  client.connect(options.endpoint ?? "tcp://localhost:5570");
  const requesting = (async () => {
    for (let n = 1; n <= (options.requests ?? Infinity); n++) {
      await sleep(options.intervalMs ?? 1000, signal);
      if (signal?.aborted) return;
      await client.send(`request #${n}`);
    }
  })();
  for await (const reply of client.messages({ signal })) {
    print(frameLine(identity, reply[reply.length - 1]));
  }
  await requesting;
}

/** Options for running the server inside a test. */
export interface AsyncServerOptions {
  /** Where clients connect. Default: the guide's tcp://*:5570. */
  endpoint?: string | undefined;
  /** Workers in the pool. Default 5. */
  workers?: number | undefined;
  /** The longest pause before a reply, in ms. Default 1000. */
  maxPauseMs?: number | undefined;
  /** Returns a number in [0, 1); replies and pauses are drawn from it. */
  random?: (() => number) | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Stops the server when aborted. */
  signal?: AbortSignal | undefined;
}

/** Serves until the signal aborts. */
export async function asyncServer(
  options: AsyncServerOptions = {},
): Promise<void> {
  await using context = new Context();
  const frontend = new Router({ context });
  await frontend.bind(options.endpoint ?? "tcp://*:5570");
  options.onBound?.(frontend.lastEndpoint!);
  const backend = new Dealer({ context });
  await backend.bind("inproc://backend");
  // The precise number of workers is not critical
  const stopping = new AbortController();
  const pool = [];
  for (let n = 0; n < (options.workers ?? 5); n++) {
    pool.push(serverWorker(context, options, stopping.signal));
  }
  await proxy(frontend, backend, { signal: options.signal });
  stopping.abort(); // Cuts the workers' pauses short
  await context.close();
  await Promise.all(pool);
}

/** One request at a time, answered zero to four times. */
async function serverWorker(
  context: Context,
  options: AsyncServerOptions,
  stopping: AbortSignal,
): Promise<void> {
  const random = options.random ?? Math.random;
  await using worker = new Dealer({ context });
  worker.connect("inproc://backend");
  try {
    // The DEALER gives us the reply envelope and the message
    for await (const [identity, content] of worker) {
      const replies = Math.floor(random() * 5);
      for (let reply = 0; reply < replies; reply++) {
        // Sleep for some fraction of a second
        await sleep(
          Math.floor(random() * (options.maxPauseMs ?? 1000)) + 1,
          stopping,
        );
        await worker.send([identity, content]);
      }
    }
  } catch (error) {
    // The server closed while this worker still had replies to send.
    if (!(error instanceof ZmqError && error.code === "ETERM")) throw error;
  }
}

/** czmq's zframe_print: the prefix, the size, then text or hexadecimal. */
function frameLine(prefix: string, frame: Uint8Array): string {
  const isText = frame.every((byte) => byte >= 32 && byte <= 126);
  const body = isText
    ? new TextDecoder().decode(frame)
    : Array.from(frame, (byte) => byte.toString(16).padStart(2, "0"))
      .join("").toUpperCase();
  return `${prefix}[${String(frame.length).padStart(3, "0")}] ${body}`;
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  // Run for 5 seconds then quit
  const signal = AbortSignal.any([interrupt.signal, AbortSignal.timeout(5000)]);
  await Promise.all([
    asyncClient({ signal }),
    asyncClient({ signal }),
    asyncClient({ signal }),
    asyncServer({ signal }),
  ]);
}
