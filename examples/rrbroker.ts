/**
 * Simple request-reply broker (the guide's rrbroker.c): ROUTER on
 * tcp://*:5559 for clients, DEALER on tcp://*:5560 for services, and a
 * poll loop that passes each message on, envelope and all. (msgqueue.ts
 * does the same with the built-in `proxy`.) Ctrl-C stops it.
 *
 *     deno run --allow-net examples/rrbroker.ts
 *
 * @module
 */
import { Dealer, poll, Router } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import type { QueueOptions } from "./msgqueue.ts";

/** Runs the broker until the signal aborts. */
export async function requestReplyBroker(
  options: QueueOptions = {},
): Promise<void> {
  // Prepare our sockets
  await using frontend = new Router();
  await using backend = new Dealer();
  await frontend.bind(options.frontend ?? "tcp://*:5559");
  await backend.bind(options.backend ?? "tcp://*:5560");
  options.onBound?.(frontend.lastEndpoint!, backend.lastEndpoint!);
  // Switch messages between sockets
  const sockets = { frontend, backend };
  const signal = options.signal;
  try {
    for await (const [from, message] of poll(sockets, { signal })) {
      if (from === "frontend") await backend.send(message, { signal });
      else await frontend.send(message, { signal });
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await requestReplyBroker({ signal: interrupt.signal });
}
