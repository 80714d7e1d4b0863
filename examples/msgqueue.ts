/**
 * Simple message queuing broker (the guide's msgqueue.c, and rrbroker.c's
 * job): ROUTER on tcp://*:5559 for clients, DEALER on tcp://*:5560 for
 * services, joined by the built-in proxy.
 *
 *     deno run --allow-net examples/msgqueue.ts
 *
 * @module
 */
import { Dealer, proxy, Router } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the broker inside a test or the demo. */
export interface QueueOptions {
  /** Where clients connect. Default: the guide's tcp://*:5559. */
  frontend?: string | undefined;
  /** Where services connect. Default: the guide's tcp://*:5560. */
  backend?: string | undefined;
  /** Called once both are bound, with the real endpoints. */
  onBound?: ((frontend: string, backend: string) => void) | undefined;
  /** Stops the broker when aborted. */
  signal?: AbortSignal | undefined;
}

/** Runs the broker until the signal aborts. */
export async function messageQueue(options: QueueOptions = {}): Promise<void> {
  // Socket facing clients
  await using frontend = new Router();
  await frontend.bind(options.frontend ?? "tcp://*:5559");
  // Socket facing services
  await using backend = new Dealer();
  await backend.bind(options.backend ?? "tcp://*:5560");
  options.onBound?.(frontend.lastEndpoint!, backend.lastEndpoint!);
  // Start the proxy
  await proxy(frontend, backend, { signal: options.signal });
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await messageQueue({ signal: interrupt.signal });
}
