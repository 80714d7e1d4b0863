/**
 * The chapter-5 examples (pathopub.ts, pathosub.ts, lvcache.ts, espresso.ts),
 * together and with libzmq publishers and subscribers, with the C
 * originals' printed lines.
 */
import { assert, assertEquals } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { espresso, frameLine } from "../examples/espresso.ts";
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

/** Runs espresso on loopback; `left` settles once the capture saw the subscriber leave. */
function run(subscriber: boolean) {
  const stop = new AbortController();
  const lines: string[] = [];
  const bound = Promise.withResolvers<[string, string]>();
  const left = Promise.withResolvers<void>();
  const running = espresso({
    publisherEndpoint: "tcp://127.0.0.1:0",
    subscriberEndpoint: "tcp://127.0.0.1:0",
    onBound: (publisher, subscriber) => bound.resolve([publisher, subscriber]),
    subscriber,
    intervalMs: 2,
    signal: stop.signal,
    print: (line) => {
      lines.push(line);
      if (lines.includes("[002] 0041") && lines.includes("[002] 0042")) {
        left.resolve();
      }
    },
  });
  running.catch(bound.reject);
  return { stop, lines, bound: bound.promise, left: left.promise, running };
}

/** What the capture shows of a subscriber of A and B that read five and left. */
function checkCapture(lines: string[]): void {
  // Its subscriptions first, its cancellations last, messages between.
  assertEquals(lines.slice(0, 2), ["[002] 0141", "[002] 0142"]);
  const left = lines.indexOf("[002] 0041");
  const messages = lines.slice(2, Math.min(left, lines.indexOf("[002] 0042")));
  assert(messages.length >= 5, lines.join("\n"));
  for (const line of messages) assert(/^\[007\] [AB]-\d{5}$/.test(line), line);
}

Deno.test("espresso.ts: the capture shows the subscriptions, the A and B messages and the cancellations, as the C original prints them", async () => {
  const { stop, lines, left, running } = run(true);
  await deadline(Promise.race([left, running]), 5000);
  stop.abort();
  await running;
  checkCapture(lines);
  assertEquals(lines.at(-1), " interrupted");
  assertEquals(frameLine(new Uint8Array([1, 0x41])), "[002] 0141");
});

Deno.test("espresso.ts with a libzmq SUB as its subscriber: the same capture, and A and B messages only", async () => {
  await using peer = new LibzmqPeer();
  const { stop, lines, bound, left, running } = run(false);
  const [, endpoint] = await bound;
  const subscriber = await peer.open("Subscriber");
  await subscriber.subscribe("A");
  await subscriber.subscribe("B");
  await subscriber.connect(endpoint);
  for (let i = 0; i < 5; i++) {
    const [message] = await subscriber.receive();
    assert(/^[AB]-\d{5}$/.test(decode(message)), decode(message));
  }
  await subscriber.close();
  await deadline(Promise.race([left, running]), 5000);
  stop.abort();
  await running;
  checkCapture(lines);
});
