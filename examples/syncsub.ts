/**
 * Synchronized subscriber (the guide's syncsub.c): subscribes on
 * tcp://localhost:5561, checks in with the publisher over REQ on
 * tcp://localhost:5562, then counts updates until "END".
 *
 *     deno run --allow-net examples/syncsub.ts
 *
 * @module
 */
import { Request, Subscriber } from "@zmtp/zmq";

/** Options for running the subscriber inside a test. */
export interface SyncSubscriberOptions {
  /** The publisher. Default: the guide's tcp://localhost:5561. */
  publish?: string | undefined;
  /** Its sync service. Default: the guide's tcp://localhost:5562. */
  sync?: string | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Subscribes, synchronizes, and returns how many updates came. */
export async function syncSubscriber(
  options: SyncSubscriberOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  // First, connect our subscriber socket
  await using subscriber = new Subscriber();
  subscriber.connect(options.publish ?? "tcp://localhost:5561");
  subscriber.subscribe("");
  // 0MQ is so fast, we need to wait a while… The C original sleeps a
  // second; we wait for the handshake, after which the subscription is
  // the first thing written on the connection.
  await subscriber.events.wait("handshake-succeeded");
  // Second, synchronize with publisher
  await using syncClient = new Request();
  syncClient.connect(options.sync ?? "tcp://localhost:5562");
  // - send a synchronization request
  await syncClient.send("");
  // - wait for synchronization reply
  await syncClient.receive();
  // Third, get our updates and report how many we got
  let updateNumber = 0;
  const decoder = new TextDecoder();
  for await (const [update] of subscriber) {
    if (decoder.decode(update) === "END") break;
    updateNumber++;
  }
  print(`Received ${updateNumber} updates`);
  return updateNumber;
}

if (import.meta.main) await syncSubscriber();
