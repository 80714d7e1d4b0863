/**
 * The pathological publisher (the guide's pathopub.c): binds tcp://*:5556,
 * or connects to the endpoint given (the last value cache's frontend,
 * tcp://localhost:5557), waits a second, sends "Save Roger" on each of a
 * thousand topics ("000" to "999"), then "Off with his head!" on a random
 * topic each second. Ctrl-C stops it.
 *
 *     deno run --allow-net examples/pathopub.ts [tcp://localhost:5557]
 *
 * @module
 */
import { Publisher } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { sleep } from "./_sleep.ts";

/** Options for running the publisher inside a test. */
export interface PathologicalPublisherOptions {
  /** Connects here; without it, binds the guide's tcp://*:5556. */
  connect?: string | undefined;
  /** Called once bound (when not connecting), with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** The wait before the first topics and between updates, in ms. Default 1000. */
  intervalMs?: number | undefined;
  /** Stops the publisher when aborted. */
  signal?: AbortSignal | undefined;
}

/** A topic as the C original prints it: three digits. */
export function topicName(n: number): string {
  return String(n).padStart(3, "0");
}

/** Publishes until the signal aborts. */
export async function pathologicalPublisher(
  options: PathologicalPublisherOptions = {},
): Promise<void> {
  const { signal, intervalMs = 1000 } = options;
  await using publisher = new Publisher();
  if (options.connect) publisher.connect(options.connect);
  else {
    await publisher.bind("tcp://*:5556");
    options.onBound?.(publisher.lastEndpoint!);
  }
  // Ensure subscriber connection has time to complete
  await sleep(intervalMs, signal);
  // Send out all 1,000 topic messages
  for (let n = 0; n < 1000 && !signal?.aborted; n++) {
    await publisher.send([topicName(n), "Save Roger"]);
  }
  // Send one random update per second
  while (!signal?.aborted) {
    await sleep(intervalMs, signal);
    if (signal?.aborted) break;
    const topic = topicName(Math.floor(Math.random() * 1000));
    await publisher.send([topic, "Off with his head!"]);
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await pathologicalPublisher({
    connect: Deno.args[0],
    signal: interrupt.signal,
  });
}
