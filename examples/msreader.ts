/**
 * Reading from multiple sockets (the guide's msreader.c): the dirty way,
 * checking each socket in turn and sleeping 1 ms when neither has a
 * message. Connects PULL to the ventilator (tcp://localhost:5557) and SUB
 * to the weather server (tcp://localhost:5556, zip code 10001). See
 * mspoller.ts for the right way. Ctrl-C stops it.
 *
 *     deno run --allow-net examples/msreader.ts [ventilator] [weather]
 *
 * @module
 */
import { Pull, Subscriber } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the reader inside a test. */
export interface ReaderOptions {
  /** The ventilator. Default: the guide's tcp://localhost:5557. */
  ventilator?: string | undefined;
  /** The weather server. Default: the guide's tcp://localhost:5556. */
  weather?: string | undefined;
  /** Process task. */
  onTask?: ((task: Uint8Array[]) => void) | undefined;
  /** Process weather update. */
  onUpdate?: ((update: Uint8Array[]) => void) | undefined;
  /** Stops the reader when aborted. */
  signal?: AbortSignal | undefined;
}

/** Reads both sockets until the signal aborts. */
export async function multipleSocketReader(
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
  // We prioritize traffic from the task ventilator
  while (!options.signal?.aborted) {
    // `readable` is the DONTWAIT of the C original: nothing waits.
    // Each message is read, whoever is told of it.
    while (receiver.readable) {
      const task = await receiver.receive();
      options.onTask?.(task);
    }
    while (subscriber.readable) {
      const update = await subscriber.receive();
      options.onUpdate?.(update);
    }
    // No activity, so sleep for 1 msec
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await multipleSocketReader({
    ventilator: Deno.args[0],
    weather: Deno.args[1],
    signal: interrupt.signal,
  });
}
