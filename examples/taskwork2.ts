/**
 * Task worker with kill signalling (the guide's taskwork2.c): like
 * taskwork.ts, and also subscribes to the sink's controller on
 * tcp://localhost:5559; any message there means KILL, and the worker exits.
 *
 *     deno run --allow-net examples/taskwork2.ts
 *
 * @module
 */
import { poll, Pull, Push, Subscriber } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import type { WorkerOptions } from "./taskwork.ts";

/** Options of the worker that can be killed. */
export interface KillableWorkerOptions extends WorkerOptions {
  /** The sink's controller. Default: the guide's tcp://localhost:5559. */
  controller?: string | undefined;
}

/** Runs a worker until the controller says KILL (or the signal aborts). */
export async function killableWorker(
  options: KillableWorkerOptions = {},
): Promise<void> {
  const write = options.write ??
    ((text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text)));
  // Socket to receive messages on
  await using receiver = new Pull();
  receiver.connect(options.ventilator ?? "tcp://localhost:5557");
  // Socket to send messages to
  await using sender = new Push();
  sender.connect(options.sink ?? "tcp://localhost:5558");
  // Socket for control input
  await using controller = new Subscriber();
  controller.connect(options.controller ?? "tcp://localhost:5559");
  controller.subscribe("");
  // Process messages from either socket
  const sockets = { receiver, controller };
  for await (const [from, message] of poll(sockets, options)) {
    // Any waiting controller command acts as 'KILL'
    if (from === "controller") break; // Exit loop
    const workload = new TextDecoder().decode(message[0]);
    write(`${workload}.`); // Show progress
    await new Promise((resolve) => setTimeout(resolve, Number(workload))); // Do the work
    await sender.send(""); // Send results to sink
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await killableWorker({ signal: interrupt.signal });
}
