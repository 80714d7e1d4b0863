/**
 * Task sink with kill signalling (the guide's tasksink2.c): like
 * tasksink.ts, and when the batch is done it publishes KILL on
 * tcp://*:5559 so the workers exit.
 *
 *     deno run --allow-net examples/tasksink2.ts
 *
 * @module
 */
import { Publisher, Pull } from "@zmtp/zmq";
import type { SinkOptions } from "./tasksink.ts";

/** Options of the sink that kills its workers. */
export interface KillingSinkOptions extends SinkOptions {
  /** Where the controller binds. Default: the guide's tcp://*:5559. */
  controller?: string | undefined;
  /** Called once both are bound, with the real endpoints. */
  onControllerBound?: ((endpoint: string) => void) | undefined;
}

/** Runs the sink, then kills the workers; returns the elapsed time in ms. */
export async function killingSink(
  options: KillingSinkOptions = {},
): Promise<number> {
  const write = options.write ??
    ((text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text)));
  // Socket to receive messages on
  await using receiver = new Pull();
  await receiver.bind(options.endpoint ?? "tcp://*:5558");
  // Socket for worker control
  await using controller = new Publisher();
  await controller.bind(options.controller ?? "tcp://*:5559");
  options.onControllerBound?.(controller.lastEndpoint!);
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
  const elapsed = Date.now() - startTime;
  write(`Total elapsed time: ${elapsed} msec\n`);
  // Send kill signal to workers
  await controller.send("KILL");
  // Closing lingers until KILL is written: no need for the C's sleep.
  return elapsed;
}

if (import.meta.main) await killingSink();
