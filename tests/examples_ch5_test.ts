/**
 * The chapter-5 examples (pathopub.ts, pathosub.ts, lvcache.ts), together
 * and with libzmq publishers and subscribers, with the C originals'
 * printed lines.
 */
import { assert, assertEquals } from "@std/assert";
import { lastValueCache } from "../examples/lvcache.ts";
import { pathologicalPublisher } from "../examples/pathopub.ts";
import { pathologicalSubscriber } from "../examples/pathosub.ts";
import { Subscriber } from "../mod.ts";
import { decode, sendUntilReceived, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** Starts the cache on loopback ports; resolves with its endpoints. */
async function startCache(lines: string[], signal: AbortSignal): Promise<{
  frontend: string;
  backend: string;
  running: Promise<void>;
}> {
  const bound = Promise.withResolvers<[string, string]>();
  const running = lastValueCache({
    frontend: "tcp://127.0.0.1:0",
    backend: "tcp://127.0.0.1:0",
    onBound: (frontend, backend) => bound.resolve([frontend, backend]),
    signal,
    print: (line) => lines.push(line),
  });
  running.catch(bound.reject);
  const [frontend, backend] = await bound.promise;
  return { frontend, backend, running };
}

/** Resolves once `topic`'s first value came through the cache's backend. */
async function passedThrough(backend: string, topic: string): Promise<string> {
  await using probe = new Subscriber();
  probe.connect(backend);
  probe.subscribe(topic);
  const [, value] = await probe.receive(timeout());
  return decode(value);
}

Deno.test("lvcache.ts between pathopub.ts and pathosub.ts: a subscriber that comes after the publisher's first round gets its topic's last value at once", async () => {
  const stop = new AbortController();
  const lines: string[] = [];
  const cache = await startCache(lines, stop.signal);
  // The last topic of the first round through the cache: the round is in.
  const through = passedThrough(cache.backend, "999");
  const publisher = pathologicalPublisher({
    connect: cache.frontend,
    intervalMs: 200,
    signal: stop.signal,
  });
  assertEquals(await through, "Save Roger");
  const got: string[] = [];
  await pathologicalSubscriber({
    endpoint: cache.backend,
    topic: "042",
    count: 1,
    signal: timeout().signal,
    print: (line) => got.push(line),
  });
  // Its value: the first round's, or a random update's since.
  assertEquals(got.length, 1);
  assert(["Save Roger", "Off with his head!"].includes(got[0]), got[0]);
  assert(lines.includes("Sending cached topic 042"), lines.join("\n"));
  stop.abort();
  await publisher;
  await cache.running;
});

Deno.test("lvcache.ts caches a libzmq PUB's topics for a libzmq SUB that comes later", async () => {
  await using peer = new LibzmqPeer();
  const stop = new AbortController();
  const lines: string[] = [];
  const cache = await startCache(lines, stop.signal);
  const publisher = await peer.open("Publisher");
  await publisher.connect(cache.frontend);
  // Sent until it is through the cache (the PUB drops it until connected).
  const through = passedThrough(cache.backend, "007");
  await sendUntilReceived(
    () => publisher.send(["007", "Save Roger"]),
    through,
  );
  await publisher.close();
  // The publisher has gone: what the late SUB gets is the cache's.
  const subscriber = await peer.open("Subscriber");
  await subscriber.subscribe("007");
  await subscriber.connect(cache.backend);
  assertEquals((await subscriber.receive()).map(decode), [
    "007",
    "Save Roger",
  ]);
  assert(lines.includes("Sending cached topic 007"), lines.join("\n"));
  await subscriber.close();
  stop.abort();
  await cache.running;
});
