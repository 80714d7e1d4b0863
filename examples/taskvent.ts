/**
 * Task ventilator (the guide's taskvent.c): binds PUSH to tcp://*:5557,
 * waits for Enter, then sends a start signal to the sink on
 * tcp://localhost:5558 and 100 tasks to the workers.
 *
 *     deno run --allow-net examples/taskvent.ts
 *
 * @module
 */
import { Push } from "@zmtp/zmq";

/** Options for running the ventilator inside the demo. */
export interface VentilatorOptions {
  /** Where workers connect. Default: the guide's tcp://*:5557. */
  endpoint?: string | undefined;
  /** The sink. Default: the guide's tcp://localhost:5558. */
  sinkEndpoint?: string | undefined;
  /** Called once bound; resolves when the workers are ready. Default: waits for Enter. */
  workersReady?: ((sender: Push) => Promise<void>) | undefined;
  /** Where lines go. */
  print?: ((text: string) => void) | undefined;
}

async function _waitForEnter(): Promise<void> {
  await Deno.stdout.write(
    new TextEncoder().encode("Press Enter when the workers are ready: "),
  );
  const buffer = new Uint8Array(1);
  while ((await Deno.stdin.read(buffer)) && buffer[0] !== 0x0a) {
    // Read up to the end of the line.
  }
}

/** Runs the ventilator; returns the total expected cost in ms. */
export async function ventilator(
  options: VentilatorOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  // Socket to send messages on
  await using sender = new Push();
  await sender.bind(options.endpoint ?? "tcp://*:5557");
  // Socket to send start of batch message on
  await using sink = new Push();
  sink.connect(options.sinkEndpoint ?? "tcp://localhost:5558");
  await (options.workersReady ?? _waitForEnter)(sender);
  print("Sending tasks to workers...");
  // The first message is "0" and signals start of batch
  await sink.send("0");
  // Send 100 tasks
  let totalMsec = 0; // Total expected cost in msecs
  for (let taskNumber = 0; taskNumber < 100; taskNumber++) {
    // Random workload from 1 to 100msecs
    const workload = Math.floor(Math.random() * 100) + 1;
    totalMsec += workload;
    await sender.send(String(workload));
  }
  print(`Total expected cost: ${totalMsec} msec`);
  return totalMsec;
}

if (import.meta.main) await ventilator();
