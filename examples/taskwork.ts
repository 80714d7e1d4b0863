/**
 * Task worker (the guide's taskwork.c): connects PULL to
 * tcp://localhost:5557 and PUSH to tcp://localhost:5558, does each task
 * (sleeps its workload in ms) and tells the sink.
 *
 *     deno run --allow-net examples/taskwork.ts
 *
 * @module
 */
import { Pull, Push } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running a worker inside the demo. */
export interface WorkerOptions {
  /** The ventilator. Default: the guide's tcp://localhost:5557. */
  ventilator?: string | undefined;
  /** The sink. Default: the guide's tcp://localhost:5558. */
  sink?: string | undefined;
  /** Stops the worker when aborted. Default: runs forever. */
  signal?: AbortSignal | undefined;
  /** Where progress goes. */
  write?: ((text: string) => void) | undefined;
}

/** Runs a worker until its signal aborts. */
export async function worker(options: WorkerOptions = {}): Promise<void> {
  const write = options.write ??
    ((text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text)));
  // Socket to receive messages on
  await using receiver = new Pull();
  receiver.connect(options.ventilator ?? "tcp://localhost:5557");
  // Socket to send messages to
  await using sender = new Push();
  sender.connect(options.sink ?? "tcp://localhost:5558");
  // Process tasks forever
  for await (const [task] of receiver.messages({ signal: options.signal })) {
    const workload = new TextDecoder().decode(task);
    write(`${workload}.`); // Show progress
    await new Promise((resolve) => setTimeout(resolve, Number(workload))); // Do the work
    await sender.send(""); // Send results to sink
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await worker({ signal: interrupt.signal });
}
