/**
 * Pub-sub envelope publisher (the guide's psenvpub.c): on tcp://*:5563,
 * every second, a message with envelope "A" and one with envelope "B",
 * each as two frames. Ctrl-C stops it.
 *
 *     deno run --allow-net examples/psenvpub.ts
 *
 * @module
 */
import { Publisher } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the publisher inside a test. */
export interface EnvelopePublisherOptions {
  /** Where to bind. Default: the guide's tcp://*:5563. */
  endpoint?: string | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Pause between rounds, in ms. Default 1000, as in the C original. */
  intervalMs?: number | undefined;
  /** Stops the publisher when aborted. */
  signal?: AbortSignal | undefined;
}

/** Publishes until the signal aborts. */
export async function envelopePublisher(
  options: EnvelopePublisherOptions = {},
): Promise<void> {
  // Prepare our publisher
  await using publisher = new Publisher();
  await publisher.bind(options.endpoint ?? "tcp://*:5563");
  options.onBound?.(publisher.lastEndpoint!);
  while (!options.signal?.aborted) {
    // Write two messages, each with an envelope and content
    await publisher.send(["A", "We don't want to see this"]);
    await publisher.send(["B", "We would like to see this"]);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.intervalMs ?? 1000);
      options.signal?.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      }
    });
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await envelopePublisher({ signal: interrupt.signal });
}
