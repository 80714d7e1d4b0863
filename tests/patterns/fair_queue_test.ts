/** The fair queue on its own: round-robin reading, resuming, removal. */
import { assertEquals, assertStrictEquals } from "@std/assert";
import { FairQueue } from "../../patterns/_fair_queue.ts";
import { Pipe, READ_AHEAD } from "../../patterns/_pipe.ts";
import { CountingLink } from "../_fakes.ts";

const text = (value: string) => [new TextEncoder().encode(value)];
const name = (message: Uint8Array[] | undefined) =>
  message ? new TextDecoder().decode(message[0]) : undefined;

function pipe(endpoint: string, receiveHighWaterMark = 0): Pipe {
  const made = new Pipe({
    endpoint,
    accepted: false,
    transient: false,
    sendHighWaterMark: 0,
    receiveHighWaterMark,
    conflate: false,
  });
  made.state = "ready";
  return made;
}

/** What a session does for each message from a peer. */
function deliver(queue: FairQueue, into: Pipe, ...names: string[]): void {
  for (const value of names) {
    into.inbound.push(text(value));
    queue.arrived(into);
  }
}

/** Reads everything, in the order the queue gives it. */
function drain(queue: FairQueue): string[] {
  const read: string[] = [];
  for (let message; (message = queue.receive()) !== undefined;) {
    read.push(name(message)!);
  }
  return read;
}

Deno.test("fair queue: one message from each pipe in turn", () => {
  const queue = new FairQueue();
  const [a, b, c] = [pipe("a"), pipe("b"), pipe("c")];
  deliver(queue, a, "a1");
  deliver(queue, b, "b1");
  deliver(queue, c, "c1");
  assertEquals(drain(queue), ["a1", "b1", "c1"]);
});

Deno.test("fair queue: a pipe with several messages is revisited in turn, not drained first", () => {
  const queue = new FairQueue();
  const [a, b, c] = [pipe("a"), pipe("b"), pipe("c")];
  deliver(queue, a, "a1", "a2", "a3");
  deliver(queue, b, "b1");
  deliver(queue, c, "c1", "c2");
  assertEquals(drain(queue), ["a1", "b1", "c1", "a2", "c2", "a3"]);
});

Deno.test("fair queue: a pipe that empties and gets more joins the end of the rotation", () => {
  const queue = new FairQueue();
  const [a, b, c] = [pipe("a"), pipe("b"), pipe("c")];
  deliver(queue, a, "a1");
  deliver(queue, b, "b1", "b2");
  assertEquals(name(queue.receive()), "a1"); // a leaves the rotation
  deliver(queue, c, "c1");
  deliver(queue, a, "a2"); // a comes back, after c: the rotation is b, c, a
  assertEquals(drain(queue), ["b1", "c1", "a2", "b2"]);
});

Deno.test("fair queue: take returns the pipe with its message", () => {
  const queue = new FairQueue();
  const [a, b] = [pipe("a"), pipe("b")];
  deliver(queue, a, "a1");
  deliver(queue, b, "b1");
  const first = queue.take()!;
  assertStrictEquals(first[0], a);
  assertEquals(name(first[1]), "a1");
  const second = queue.take()!;
  assertStrictEquals(second[0], b);
  assertEquals(name(second[1]), "b1");
  assertEquals(queue.take(), undefined);
});

Deno.test("fair queue: a pipe paused at its receive high-water mark resumes only once taking brings it below", () => {
  const queue = new FairQueue();
  const paused = pipe("paused", 2);
  const link = new CountingLink();
  paused.link = link;
  // The link may hand over one message past the mark before it pauses.
  deliver(queue, paused, "m1", "m2", "m3");
  assertEquals(paused.inboundFull, true);
  assertEquals(name(queue.receive()), "m1");
  assertEquals(paused.inbound.length, 2, "still at the mark");
  assertEquals(link.resumes, 0, "not resumed while at the mark");
  assertEquals(name(queue.receive()), "m2");
  assertEquals(paused.inboundFull, false);
  assertEquals(link.resumes, 1, "resumed once below the mark");
  assertEquals(link.wakes, 0, "reading never wakes the writer");
});

Deno.test("fair queue: a pipe without a link or without a mark is taken from safely", () => {
  const queue = new FairQueue();
  const unlinked = pipe("unlinked", 1);
  deliver(queue, unlinked, "m1", "m2");
  assertEquals(drain(queue), ["m1", "m2"]);
  const unbounded = pipe("unbounded");
  const link = new CountingLink();
  unbounded.link = link;
  deliver(queue, unbounded, "m1");
  assertEquals(unbounded.inboundFull, false, "no mark: never full");
  assertEquals(drain(queue), ["m1"]);
});

Deno.test("fair queue: remove drops the pipe's messages and keeps the others' turns", () => {
  // The removed pipe is the next in turn.
  let queue = new FairQueue();
  let [a, b, c] = [pipe("a"), pipe("b"), pipe("c")];
  deliver(queue, a, "a1", "a2");
  deliver(queue, b, "b1", "b2");
  deliver(queue, c, "c1", "c2");
  assertEquals(name(queue.receive()), "a1");
  queue.remove(b);
  assertEquals(b.inbound.length, 0, "its messages are dropped");
  assertEquals(drain(queue), ["c1", "a2", "c2"]);

  // The removed pipe was already served this round.
  queue = new FairQueue();
  [a, b, c] = [pipe("a"), pipe("b"), pipe("c")];
  deliver(queue, a, "a1", "a2");
  deliver(queue, b, "b1", "b2");
  deliver(queue, c, "c1", "c2");
  assertEquals(name(queue.receive()), "a1");
  assertEquals(name(queue.receive()), "b1");
  queue.remove(a);
  assertEquals(a.inbound.length, 0);
  assertEquals(drain(queue), ["c1", "b2", "c2"]);

  // A pipe with nothing waiting: nothing changes.
  queue = new FairQueue();
  [a, b] = [pipe("a"), pipe("b")];
  deliver(queue, a, "a1");
  queue.remove(b);
  assertEquals(drain(queue), ["a1"]);
});

Deno.test("fair queue: empty until a message arrives, and again once all are read", () => {
  const queue = new FairQueue();
  assertEquals(queue.empty, true);
  assertEquals(queue.receive(), undefined);
  assertEquals(queue.take(), undefined);
  const a = pipe("a");
  deliver(queue, a, "a1", "a2");
  assertEquals(queue.empty, false);
  queue.receive();
  assertEquals(queue.empty, false);
  queue.receive();
  assertEquals(queue.empty, true);
  assertEquals(queue.receive(), undefined);
  deliver(queue, a, "a3");
  queue.remove(a);
  assertEquals(queue.empty, true, "removing the last pipe empties it");
});

Deno.test("fair queue: with no receive high-water mark, reading pauses READ_AHEAD messages ahead and resumes below, losing none", () => {
  const queue = new FairQueue();
  const from = pipe("tcp://a", 0);
  const link = new CountingLink();
  from.link = link;
  for (let i = 0; i < READ_AHEAD - 1; i++) {
    from.inbound.push(text("m"));
    queue.arrived(from);
  }
  assertEquals(from.inboundFull, false);
  from.inbound.push(text("m"));
  queue.arrived(from);
  assertEquals(from.inboundFull, true, "the session stops reading here");
  queue.receive();
  assertEquals(from.inboundFull, false);
  assertEquals(link.resumes, 1, "and reading resumes");
  assertEquals(drain(queue).length, READ_AHEAD - 1);
});

Deno.test("fair queue: a removed pipe that gets messages again keeps one turn, not two", () => {
  const queue = new FairQueue();
  const a = pipe("a");
  const b = pipe("b");
  deliver(queue, a, "x", "y");
  queue.remove(a); // its turn stays queued, to be skipped
  deliver(queue, b, "b0", "b1", "b2");
  deliver(queue, a, "a0", "a1", "a2");
  const order = [];
  for (let m = queue.receive(); m; m = queue.receive()) order.push(name(m));
  assertEquals(order, ["a0", "b0", "a1", "b1", "a2", "b2"]);
});
