/**
 * Load-balancing broker (the guide's lbbroker.c): a ROUTER for clients and
 * a ROUTER for workers, ten REQ clients that each send one HELLO and three
 * REQ workers that announce themselves with READY and answer OK, all in one
 * program (on inproc, where the C original uses ipc). The broker hands each
 * request to the worker that has been ready longest, and stops once every
 * client has its reply.
 *
 *     deno run examples/lbbroker.ts
 *
 * @module
 */
import { Context, Request, Router, ZmqError } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { pollOnce } from "./_poll_once.ts";
import { printableId } from "./_printable_id.ts";

/** Options for running the broker inside a test. */
export interface LoadBalancingBrokerOptions {
  /** Where clients connect. Default inproc://frontend. */
  frontend?: string | undefined;
  /** Where workers connect. Default inproc://backend. */
  backend?: string | undefined;
  /** In-program clients to start. Default 10, as in the C original. */
  clients?: number | undefined;
  /** In-program workers to start. Default 3, as in the C original. */
  workers?: number | undefined;
  /**
   * Replies to route before stopping, counting every in-program client's.
   * Default: one per in-program client.
   */
  replies?: number | undefined;
  /** Called once both are bound, with the real endpoints. */
  onBound?: ((frontend: string, backend: string) => void) | undefined;
  /** Stops the broker when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

const _decoder = new TextDecoder();

/** Runs the broker, its clients and its workers; returns the replies routed. */
export async function loadBalancingBroker(
  options: LoadBalancingBrokerOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const clientCount = options.clients ?? 10;
  const replies = options.replies ?? clientCount;
  // One context: closing it ends the workers, which never stop on their own.
  await using context = new Context();
  const frontend = new Router({ context });
  const backend = new Router({ context });
  await frontend.bind(options.frontend ?? "inproc://frontend");
  await backend.bind(options.backend ?? "inproc://backend");
  options.onBound?.(frontend.lastEndpoint!, backend.lastEndpoint!);
  const clients = [];
  for (let n = 0; n < clientCount; n++) {
    clients.push(clientTask(context, frontend.lastEndpoint!, print));
  }
  const workers = [];
  for (let n = 0; n < (options.workers ?? 3); n++) {
    workers.push(workerTask(context, backend.lastEndpoint!, print));
  }
  // Workers ready for a request, the longest ready first.
  const available: Uint8Array[] = [];
  const signal = options.signal;
  let routed = 0;
  while (routed < replies) {
    // Poll the frontend only when a worker is ready: until then, requests
    // wait in the frontend's own queue.
    const next = available.length > 0
      ? await pollOnce({ backend, frontend }, { signal })
      : await pollOnce({ backend }, { signal });
    if (next === undefined) break; // Interrupted: clients may be left waiting
    const [from, message] = next;
    if (from === "backend") {
      // [worker][""][READY], or [worker][""][client][""][reply]
      const [worker, , client, , reply] = message;
      available.push(worker);
      if (_decoder.decode(client) !== "READY") {
        await frontend.send([client, "", reply]);
        routed++;
      }
    } else {
      // [client][""][request] goes to the worker ready longest
      const [client, , request] = message;
      await backend.send([available.shift()!, "", client, "", request]);
    }
  }
  // Every reply routed: let the clients read theirs before the context
  // closes their sockets with the rest.
  if (routed === replies) await Promise.all(clients);
  await context.close();
  await Promise.all([...clients, ...workers]);
  return routed;
}

/** A REQ client: one HELLO, one reply. */
async function clientTask(
  context: Context,
  endpoint: string,
  print: (line: string) => void,
): Promise<void> {
  await using client = new Request({ context, routingId: printableId() });
  client.connect(endpoint);
  await client.send("HELLO");
  // The loop ends quietly if the broker closes first.
  for await (const [reply] of client) {
    print(`Client: ${_decoder.decode(reply)}`);
    break;
  }
}

/** A REQ worker: READY once, then OK to each request. */
async function workerTask(
  context: Context,
  endpoint: string,
  print: (line: string) => void,
): Promise<void> {
  await using worker = new Request({ context, routingId: printableId() });
  worker.connect(endpoint);
  // Tell the broker we're ready for work
  await worker.send("READY");
  try {
    // REQ takes off the broker's delimiter: [client][""][request]
    for await (const [client, , request] of worker) {
      print(`Worker: ${_decoder.decode(request)}`);
      await worker.send([client, "", "OK"]);
    }
  } catch (error) {
    // The broker closed the context between a request and its reply.
    if (!(error instanceof ZmqError && error.code === "ETERM")) throw error;
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await loadBalancingBroker({ signal: interrupt.signal });
}
