/**
 * The last value cache (the guide's lvcache.c): a SUB bound on
 * tcp://*:5557 takes every topic from the publisher, keeps the last value
 * of each, and passes it on through an XPUB bound on tcp://*:5558, whose
 * `xpubVerbose` tells it of every subscription, each new subscriber's
 * too: it answers with the cached value at once. Ctrl-C stops it. With
 * pathopub.ts and pathosub.ts:
 *
 *     deno run --allow-net examples/lvcache.ts
 *     deno run --allow-net examples/pathopub.ts tcp://localhost:5557
 *     deno run --allow-net examples/pathosub.ts tcp://localhost:5558
 *
 * @module
 */
import { poll, Subscriber, XPublisher } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the cache inside a test. */
export interface LastValueCacheOptions {
  /** Where the SUB binds. Default: the guide's tcp://*:5557. */
  frontend?: string | undefined;
  /** Where the XPUB binds. Default: the guide's tcp://*:5558. */
  backend?: string | undefined;
  /** Called once both are bound, with the real endpoints. */
  onBound?: ((frontend: string, backend: string) => void) | undefined;
  /** Stops the cache when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Caches and forwards until the signal aborts. */
export async function lastValueCache(
  options: LastValueCacheOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const decoder = new TextDecoder();
  await using frontend = new Subscriber();
  await frontend.bind(options.frontend ?? "tcp://*:5557");
  // Every subscription is news, a second one to a topic too.
  await using backend = new XPublisher({ xpubVerbose: true });
  await backend.bind(options.backend ?? "tcp://*:5558");
  options.onBound?.(frontend.lastEndpoint!, backend.lastEndpoint!);
  // Subscribe to every single topic from publisher
  frontend.subscribe("");
  // Store last instance of each topic in a cache
  const cache = new Map<string, Uint8Array>();
  const sockets = { frontend, backend };
  for await (const [from, message] of poll(sockets, options)) {
    if (from === "frontend") {
      // Any new topic data we cache and then forward
      const [topic, current] = message;
      cache.set(decoder.decode(topic), current);
      await backend.send([topic, current]);
    } else {
      // When we get a new subscription, we pull data from the cache: an
      // event is one byte, 0 (unsubscribe) or 1 (subscribe), then the topic
      const [event] = message;
      if (event[0] !== 1) continue;
      const topic = decoder.decode(event.subarray(1));
      print(`Sending cached topic ${topic}`);
      const previous = cache.get(topic);
      if (previous) await backend.send([topic, previous]);
    }
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await lastValueCache({ signal: interrupt.signal });
}
