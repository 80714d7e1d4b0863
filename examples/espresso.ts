/**
 * Espresso (the guide's espresso.c): a publisher sends "A-12345"-like
 * messages on ten letters every 100 ms (tcp://*:6000); a proxy (XSUB to
 * XPUB, tcp://*:6001) passes them on to a subscriber of "A" and "B" that
 * reads five and leaves; the proxy's capture socket, a PAIR over inproc,
 * hands everything that crosses it, subscriptions too, to a listener that
 * prints each frame as `zframe_print` does: "[007] A-12345", "[002] 0141"
 * (a subscription to "A", in hex as it is not text). Ctrl-C stops it.
 *
 *     deno run --allow-net examples/espresso.ts
 *
 * @module
 */
import {
  Context,
  Pair,
  proxy,
  Publisher,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { sleep } from "./_sleep.ts";

/** Options for running it inside a test. */
export interface EspressoOptions {
  /** Where the publisher binds. Default: the guide's tcp://*:6000. */
  publisherEndpoint?: string | undefined;
  /** Where the proxy's XPUB binds. Default: the guide's tcp://*:6001. */
  subscriberEndpoint?: string | undefined;
  /** Called once both are bound, with the real endpoints. */
  onBound?: ((publisher: string, subscriber: string) => void) | undefined;
  /** Whether the guide's subscriber runs (a test may bring its own). Default true. */
  subscriber?: boolean | undefined;
  /** The publisher's pause between messages, in ms. Default 100. */
  intervalMs?: number | undefined;
  /** Stops it all when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/**
 * A frame much as CZMQ's `zframe_print` shows espresso's: its size, then
 * its bytes as text if all are printable ASCII, else in hex (it also cuts
 * long frames, which espresso never sends).
 */
export function frameLine(frame: Uint8Array): string {
  const text = frame.every((byte) => byte >= 32 && byte < 127);
  const body = text
    ? new TextDecoder().decode(frame)
    : [...frame].map((byte) => byte.toString(16).padStart(2, "0")).join("")
      .toUpperCase();
  return `[${String(frame.length).padStart(3, "0")}] ${body}`;
}

/** Runs the publisher, the proxy, the listener and the subscriber until the signal aborts. */
export async function espresso(options: EspressoOptions = {}): Promise<void> {
  const { signal, intervalMs = 100 } = options;
  const print = options.print ?? console.log;
  await using context = new Context();
  // The publisher thread: random messages, ten letters
  const publisher = new Publisher({ context });
  await publisher.bind(options.publisherEndpoint ?? "tcp://*:6000");
  const publishing = (async () => {
    while (!signal?.aborted) {
      const letter = String.fromCharCode(65 + Math.floor(Math.random() * 10));
      const n = String(Math.floor(Math.random() * 100000)).padStart(5, "0");
      await publisher.send(`${letter}-${n}`);
      await sleep(intervalMs, signal);
    }
  })();
  // The listener thread: prints whatever the proxy captures
  const pipe = new Pair({ context });
  await pipe.bind("inproc://espresso-listener");
  const listener = new Pair({ context });
  listener.connect("inproc://espresso-listener");
  const listening = (async () => {
    for await (const message of listener.messages({ signal })) {
      for (const frame of message) print(frameLine(frame));
    }
  })();
  // The proxy: XSUB to the publisher, XPUB for the subscribers
  const frontend = new XSubscriber({ context });
  frontend.connect(publisher.lastEndpoint!);
  const backend = new XPublisher({ context });
  await backend.bind(options.subscriberEndpoint ?? "tcp://*:6001");
  options.onBound?.(publisher.lastEndpoint!, backend.lastEndpoint!);
  // The subscriber thread: wants "A" and "B", reads five, and leaves
  const subscribing = options.subscriber === false ? undefined : (async () => {
    await using subscriber = new Subscriber({ context });
    subscriber.connect(backend.lastEndpoint!);
    subscriber.subscribe("A");
    subscriber.subscribe("B");
    let count = 0;
    for await (const _ of subscriber.messages({ signal })) {
      if (++count === 5) break;
    }
  })();
  await proxy(frontend, backend, { capture: pipe, signal });
  print(" interrupted");
  await Promise.all([publishing, listening, subscribing]);
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await espresso({ signal: interrupt.signal });
}
