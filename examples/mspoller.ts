/**
 * Reading from multiple sockets (the guide's mspoller.c), the right way:
 * `poll` yields each message as it arrives, with the name of its socket.
 * Connects PULL to the ventilator (tcp://localhost:5557) and SUB to the
 * weather server (tcp://localhost:5556, zip code 10001). Ctrl-C stops it.
 *
 *     deno run --allow-net examples/mspoller.ts
 *
 * @module
 */
import { poll, Pull, Subscriber } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import type { ReaderOptions } from "./msreader.ts";

/** Reads both sockets until the signal aborts. */
export async function multipleSocketPoller(
  options: ReaderOptions = {},
): Promise<void> {
  // Connect to task ventilator
  await using receiver = new Pull();
  receiver.connect(options.ventilator ?? "tcp://localhost:5557");
  // Connect to weather server
  await using subscriber = new Subscriber();
  subscriber.connect(options.weather ?? "tcp://localhost:5556");
  subscriber.subscribe("10001 ");
  // Process messages from both sockets
  const sockets = { receiver, subscriber };
  for await (const [from, message] of poll(sockets, options)) {
    if (from === "receiver") options.onTask?.(message); // Process task
    else options.onUpdate?.(message); // Process weather update
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await multipleSocketPoller({ signal: interrupt.signal });
}
