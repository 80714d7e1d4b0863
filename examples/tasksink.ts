/**
 * Task sink (the guide's tasksink.c): binds PULL to tcp://*:5558, waits
 * for the start of the batch, collects 100 results and prints the elapsed
 * time.
 *
 *     deno run --allow-net examples/tasksink.ts
 *
 * @module
 */
import { Pull } from "@zmtp/zmq";

/** Options for running the sink inside the demo. */
export interface SinkOptions {
  /** Where to bind. Default: the guide's tcp://*:5558. */
  endpoint?: string | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Where progress goes. */
  write?: ((text: string) => void) | undefined;
}

/** Runs the sink; returns the elapsed time in ms. */
export async function sink(options: SinkOptions = {}): Promise<number> {
  const write = options.write ??
    ((text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text)));
  // Prepare our socket
  await using receiver = new Pull();
  await receiver.bind(options.endpoint ?? "tcp://*:5558");
  options.onBound?.(receiver.lastEndpoint!);
  // Wait for start of batch
  await receiver.receive();
  // Start our clock now
  const startTime = Date.now();
  // Process 100 confirmations
  for (let taskNumber = 0; taskNumber < 100; taskNumber++) {
    await receiver.receive();
    write(taskNumber % 10 === 0 ? ":" : ".");
  }
  // Calculate and report duration of batch
  const elapsed = Date.now() - startTime;
  write(`Total elapsed time: ${elapsed} msec\n`);
  return elapsed;
}

if (import.meta.main) await sink();
