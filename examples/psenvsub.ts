/**
 * Pub-sub envelope subscriber (the guide's psenvsub.c): subscribes to
 * envelope "B" on tcp://localhost:5563 and prints "[address] contents".
 * Ctrl-C stops it.
 *
 *     deno run --allow-net examples/psenvsub.ts
 *
 * @module
 */
import { Subscriber } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the subscriber inside a test. */
export interface EnvelopeSubscriberOptions {
  /** The publisher. Default: the guide's tcp://localhost:5563. */
  endpoint?: string | undefined;
  /** Stops after this many messages. Default: runs until the signal aborts. */
  count?: number | undefined;
  /** Stops the subscriber when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Prints messages until the signal aborts (or `count` came). */
export async function envelopeSubscriber(
  options: EnvelopeSubscriberOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const decoder = new TextDecoder();
  // Prepare our subscriber
  await using subscriber = new Subscriber();
  subscriber.connect(options.endpoint ?? "tcp://localhost:5563");
  subscriber.subscribe("B");
  const { count = Infinity, signal } = options;
  if (count <= 0) return;
  let n = 0;
  // Read envelope with address, and message contents
  for await (const [address, contents] of subscriber.messages({ signal })) {
    print(`[${decoder.decode(address)}] ${decoder.decode(contents)}`);
    if (++n >= count) break;
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await envelopeSubscriber({ signal: interrupt.signal });
}
