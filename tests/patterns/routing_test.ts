/** Routing composition: `combine` of strategy parts. */
import { assertEquals, assertStrictEquals } from "@std/assert";
import { Pipe } from "../../patterns/_pipe.ts";
import { combine, type Routing } from "../../patterns/_routing.ts";

const message = (value: string) => [new TextEncoder().encode(value)];

function pipe(endpoint = "p"): Pipe {
  return new Pipe({
    endpoint,
    accepted: false,
    transient: false,
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
    conflate: false,
  });
}

/** A part that records every hook call, with its own name and `this`. */
class Recorder implements Routing {
  constructor(readonly name: string, readonly log: string[]) {}
  attach(pipe: Pipe): void {
    this.log.push(`${this.name}.attach ${pipe.endpoint}`);
  }
  detach(pipe: Pipe): void {
    this.log.push(`${this.name}.detach ${pipe.endpoint}`);
  }
  arrived(pipe: Pipe): void {
    this.log.push(`${this.name}.arrived ${pipe.endpoint}`);
  }
  subscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    this.log.push(
      `${this.name}.subscription ${pipe.endpoint} ${topic.length} ${subscribe}`,
    );
  }
  disconnected(pipe: Pipe): void {
    this.log.push(`${this.name}.disconnected ${pipe.endpoint}`);
  }
}

Deno.test("combine: send and receive come from the first part that has them, bound to it", () => {
  const calls: string[] = [];
  const first = { name: "first" } as Routing & { name: string };
  const sender = {
    name: "sender",
    send(this: { name: string }, sent: Uint8Array[]) {
      calls.push(`${this.name}.send ${sent.length}`);
      return true;
    },
  };
  const both = {
    name: "both",
    send(this: { name: string }) {
      calls.push(`${this.name}.send`);
      return false;
    },
    receive(this: { name: string }) {
      calls.push(`${this.name}.receive`);
      return message("from both");
    },
  };
  const receiver = {
    name: "receiver",
    receive(this: { name: string }) {
      calls.push(`${this.name}.receive`);
      return undefined;
    },
  };
  const routing = combine(first, sender, both, receiver);
  assertEquals(routing.send!(message("m")), true);
  assertEquals(routing.receive!(), message("from both"));
  assertEquals(calls, ["sender.send 1", "both.receive"]);
});

Deno.test("combine: without a sender or receiver, the routing has none", () => {
  const routing = combine(new Recorder("a", []), {});
  assertEquals(routing.send, undefined, "cannot send (ENOTSUP)");
  assertEquals(routing.receive, undefined, "cannot receive (ENOTSUP)");
  assertEquals(routing.ready, undefined);
  assertEquals(combine(), {});
});

Deno.test("combine: the other hooks go to every part that has them, in order, with their arguments", () => {
  const log: string[] = [];
  const routing = combine(
    new Recorder("a", log),
    { send: () => true },
    new Recorder("b", log),
  );
  const p = pipe("p");
  routing.attach!(p);
  routing.arrived!(p);
  routing.subscription!(p, new Uint8Array(3), true);
  routing.subscription!(p, new Uint8Array(0), false);
  routing.disconnected!(p);
  routing.detach!(p);
  assertEquals(log, [
    "a.attach p",
    "b.attach p",
    "a.arrived p",
    "b.arrived p",
    "a.subscription p 3 true",
    "b.subscription p 3 true",
    "a.subscription p 0 false",
    "b.subscription p 0 false",
    "a.disconnected p",
    "b.disconnected p",
    "a.detach p",
    "b.detach p",
  ]);
});

Deno.test("combine: a part without a hook is skipped, and a single taker keeps its `this`", () => {
  const log: string[] = [];
  const onlyAttach = {
    seen: [] as Pipe[],
    attach(this: { seen: Pipe[] }, p: Pipe) {
      this.seen.push(p);
    },
  };
  const routing = combine({}, onlyAttach, new Recorder("r", log), {
    receive: () => undefined,
  });
  const p = pipe("p");
  routing.attach!(p);
  routing.detach!(p);
  assertEquals(onlyAttach.seen.length, 1);
  assertStrictEquals(onlyAttach.seen[0], p);
  assertEquals(log, ["r.attach p", "r.detach p"]);
  // Hooks no part has stay absent.
  const bare = combine({ send: () => true }, {});
  for (
    const hook of [
      "attach",
      "detach",
      "arrived",
      "subscription",
      "disconnected",
      "ready",
    ] as const
  ) {
    assertEquals(bare[hook], undefined, hook);
  }
});

Deno.test("combine: ready is true only when every part that has it accepts the pipe", () => {
  const asked: string[] = [];
  const part = (name: string, verdict: (p: Pipe) => boolean): Routing => ({
    ready(p) {
      asked.push(name);
      return verdict(p);
    },
  });
  const good = pipe("good");
  const bad = pipe("bad");
  const routing = combine(
    part("first", () => true),
    { send: () => true },
    part("second", (p) => p !== bad),
  );
  assertEquals(routing.ready!(good), true);
  assertEquals(asked, ["first", "second"], "all asked, in order");
  assertEquals(routing.ready!(bad), false, "the second part refuses");
  const refusedFirst = combine(
    part("no", () => false),
    part("yes", () => true),
  );
  assertEquals(refusedFirst.ready!(good), false, "the first part refuses");
});
