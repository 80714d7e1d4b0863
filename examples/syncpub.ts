/**
 * Synchronized publisher (the guide's syncpub.c): waits on REP
 * tcp://*:5562 until the expected subscribers have checked in, then
 * publishes 1,000,000 updates and "END" on tcp://*:5561.
 *
 *     deno run --allow-net examples/syncpub.ts
 *
 * @module
 */
import { Publisher, Reply } from "@zmtp/zmq";

/** Options for running the publisher inside a test. */
export interface SyncPublisherOptions {
  /** Where updates go. Default: the guide's tcp://*:5561. */
  publish?: string | undefined;
  /** Where subscribers check in. Default: the guide's tcp://*:5562. */
  sync?: string | undefined;
  /** Called once both are bound, with the real endpoints. */
  onBound?: ((publish: string, sync: string) => void) | undefined;
  /** How many subscribers to wait for. Default 10, as in the C original. */
  subscribers?: number | undefined;
  /** How many updates to send. Default 1,000,000. */
  updates?: number | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Waits for the subscribers, then broadcasts. */
export async function syncPublisher(
  options: SyncPublisherOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const updates = options.updates ?? 1_000_000;
  // Socket to talk to clients
  await using publisher = new Publisher({
    sendHighWaterMark: updates + 100_000,
  });
  await publisher.bind(options.publish ?? "tcp://*:5561");
  // Socket to receive signals
  await using syncService = new Reply();
  await syncService.bind(options.sync ?? "tcp://*:5562");
  options.onBound?.(publisher.lastEndpoint!, syncService.lastEndpoint!);
  // Get synchronization from subscribers
  print("Waiting for subscribers");
  for (let subscribers = 0; subscribers < (options.subscribers ?? 10);) {
    // - wait for synchronization request
    await syncService.receive();
    // - send synchronization reply
    await syncService.send("");
    subscribers++;
  }
  // Now broadcast exactly 1M updates followed by END
  print("Broadcasting messages");
  for (let updateNumber = 0; updateNumber < updates; updateNumber++) {
    await publisher.send("Rhubarb");
  }
  await publisher.send("END");
}

if (import.meta.main) await syncPublisher();
