/** The load balancer on its own: round-robin sending, skipping full pipes. */
import { assertEquals, assertStrictEquals } from "@std/assert";
import { LoadBalancer } from "../../patterns/_load_balancer.ts";
import { Pipe } from "../../patterns/_pipe.ts";
import { CountingLink } from "../_fakes.ts";

const text = (value: string) => [new TextEncoder().encode(value)];
const names = (pipe: Pipe) =>
  [...pipe.outbound.clear()].map((message) =>
    new TextDecoder().decode(message[0])
  );

function pipe(
  endpoint: string,
  options: { sendHighWaterMark?: number; conflate?: boolean } = {},
): Pipe {
  const made = new Pipe({
    endpoint,
    accepted: false,
    transient: false,
    sendHighWaterMark: options.sendHighWaterMark ?? 0,
    receiveHighWaterMark: 0,
    conflate: options.conflate ?? false,
  });
  made.state = "ready";
  return made;
}

/** Sends each message, asserting it was queued somewhere. */
function sendAll(balancer: LoadBalancer, ...messages: string[]): void {
  for (const message of messages) {
    assertEquals(balancer.send(text(message)), true, message);
  }
}

Deno.test("load balancer: round-robin over the attached pipes", () => {
  const balancer = new LoadBalancer();
  const [a, b, c] = [pipe("a"), pipe("b"), pipe("c")];
  for (const each of [a, b, c]) balancer.attach(each);
  assertEquals(balancer.size, 3);
  sendAll(balancer, "m0", "m1", "m2", "m3", "m4", "m5", "m6");
  assertEquals(names(a), ["m0", "m3", "m6"]);
  assertEquals(names(b), ["m1", "m4"]);
  assertEquals(names(c), ["m2", "m5"]);
});

Deno.test("load balancer: full pipes are skipped until they have room", () => {
  const balancer = new LoadBalancer();
  const [a, b, c] = [pipe("a"), pipe("b", { sendHighWaterMark: 1 }), pipe("c")];
  for (const each of [a, b, c]) balancer.attach(each);
  b.outbound.push(text("old"));
  assertEquals(b.full, true);
  sendAll(balancer, "m0", "m1", "m2", "m3");
  assertEquals(b.outbound.length, 1, "nothing more for the full pipe");
  b.outbound.shift(); // its link wrote the old message
  assertEquals(b.full, false);
  sendAll(balancer, "m4");
  assertEquals(b.outbound.length, 0, "not back before it says it drained");
  balancer.drained(b); // as its session does once the link wrote some
  sendAll(balancer, "m5", "m6");
  // The rotation goes on from a, b back at its end: a, c, b.
  assertEquals(names(a), ["m0", "m2", "m4"]);
  assertEquals(names(b), ["m6"]);
  assertEquals(names(c), ["m1", "m3", "m5"]);
});

Deno.test("load balancer: send is false when every pipe is full, or there is none", () => {
  const balancer = new LoadBalancer();
  assertEquals(balancer.send(text("nobody")), false);
  assertEquals(balancer.last, undefined);
  const [a, b] = [
    pipe("a", { sendHighWaterMark: 1 }),
    pipe("b", { sendHighWaterMark: 2 }),
  ];
  balancer.attach(a);
  balancer.attach(b);
  sendAll(balancer, "m0", "m1", "m2");
  assertEquals([a.full, b.full], [true, true]);
  assertEquals(balancer.send(text("m3")), false);
  assertStrictEquals(balancer.last, b, "last is where m2 went, not m3");
  assertEquals(names(a), ["m0"]);
  assertEquals(names(b), ["m1", "m2"]);
});

Deno.test("load balancer: last is the pipe the last message went to", () => {
  const balancer = new LoadBalancer();
  const [a, b] = [pipe("a"), pipe("b")];
  balancer.attach(a);
  balancer.attach(b);
  assertEquals(balancer.last, undefined);
  sendAll(balancer, "m0");
  assertStrictEquals(balancer.last, a);
  sendAll(balancer, "m1");
  assertStrictEquals(balancer.last, b);
  balancer.detach(a);
  assertStrictEquals(balancer.last, b, "detaching another pipe keeps it");
  balancer.detach(b);
  assertEquals(balancer.last, undefined, "detaching it forgets it");
  assertEquals(balancer.size, 0);
});

Deno.test("load balancer: detaching mid-rotation keeps the turns fair", () => {
  const cases: [string, string, string[]][] = [
    // [pipe detached after one send to a, the next pipes in turn]
    ["a", "already served", ["b", "c", "b"]],
    ["b", "next in turn", ["c", "a", "c"]],
    ["c", "after the next", ["b", "a", "b"]],
  ];
  for (const [detached, why, expected] of cases) {
    const balancer = new LoadBalancer();
    const pipes = [pipe("a"), pipe("b"), pipe("c")];
    for (const each of pipes) balancer.attach(each);
    sendAll(balancer, "first");
    balancer.detach(pipes.find((each) => each.endpoint === detached)!);
    assertEquals(balancer.size, 2);
    const order = [];
    for (let i = 0; i < 3; i++) {
      sendAll(balancer, `m${i}`);
      order.push(balancer.last!.endpoint);
    }
    assertEquals(order, expected, `detaching ${detached} (${why})`);
  }
  // Detaching a pipe that is not attached changes nothing.
  const balancer = new LoadBalancer();
  const [a, b] = [pipe("a"), pipe("b")];
  balancer.attach(a);
  sendAll(balancer, "m0");
  balancer.detach(b);
  assertEquals(balancer.size, 1);
  assertStrictEquals(balancer.last, a);
});

Deno.test("load balancer: a write wakes the chosen pipe's link, and only it", () => {
  const balancer = new LoadBalancer();
  const [a, b, unlinked] = [pipe("a"), pipe("b"), pipe("unlinked")];
  const [linkA, linkB] = [new CountingLink(), new CountingLink()];
  a.link = linkA;
  b.link = linkB;
  for (const each of [a, b, unlinked]) balancer.attach(each);
  sendAll(balancer, "m0");
  assertEquals([linkA.wakes, linkB.wakes], [1, 0]);
  sendAll(balancer, "m1");
  assertEquals([linkA.wakes, linkB.wakes], [1, 1]);
  sendAll(balancer, "m2"); // to the pipe without a link: it just queues
  assertEquals([linkA.wakes, linkB.wakes], [1, 1]);
  assertEquals(names(unlinked), ["m2"]);
  assertEquals([linkA.resumes, linkB.resumes], [0, 0]);
});

Deno.test("load balancer: a conflate pipe is never full and keeps only the newest message", () => {
  const balancer = new LoadBalancer();
  const conflated = pipe("conflated", { sendHighWaterMark: 1, conflate: true });
  balancer.attach(conflated);
  sendAll(balancer, "m0", "m1", "m2");
  assertEquals(conflated.full, false);
  assertEquals(names(conflated), ["m2"]);
});

Deno.test("load balancer: with no drained report, a send that finds all full looks at them again", () => {
  const balancer = new LoadBalancer();
  const [a, b] = [
    pipe("a", { sendHighWaterMark: 1 }),
    pipe("b", { sendHighWaterMark: 1 }),
  ];
  balancer.attach(a);
  balancer.attach(b);
  sendAll(balancer, "m0", "m1");
  assertEquals(balancer.send(text("m2")), false);
  b.outbound.shift(); // written, and nobody said so
  sendAll(balancer, "m2");
  assertEquals(names(b), ["m2"]);
  // Once drained pipes are reported, the full ones are not looked at again.
  balancer.drained(b);
  assertEquals(balancer.send(text("m3")), true, "b had room again");
  assertEquals(balancer.send(text("m4")), false);
  a.outbound.shift();
  assertEquals(balancer.send(text("m4")), false, "a did not report");
  balancer.drained(a);
  sendAll(balancer, "m4");
  assertEquals(names(a), ["m4"]);
});
