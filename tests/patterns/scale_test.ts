/**
 * Cost as peers grow, shown with counters, not timings: each routing
 * strategy with 1,000 pipes looks only at the pipes a message concerns.
 * Every pipe here counts how often a strategy reads its state (`full`,
 * `ready`, `inbound`), so a scan of all peers shows as ~1,000 reads.
 */
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { Metadata } from "../../codec/metadata.ts";
import { Addressed } from "../../patterns/_addressed.ts";
import { FairQueue } from "../../patterns/_fair_queue.ts";
import { FanOut } from "../../patterns/_fan_out.ts";
import { GroupFanOut } from "../../patterns/_group_fan_out.ts";
import { LoadBalancer } from "../../patterns/_load_balancer.ts";
import { Pipe } from "../../patterns/_pipe.ts";
import type { RoutingHost } from "../../patterns/_routing.ts";
import { SubscriberIndex } from "../../patterns/_subscription_trie.ts";
import { Numbered } from "../../patterns/_numbered.ts";
import { Waiters } from "../../patterns/_waiters.ts";
import { slowAndFastClients } from "../_draft_helpers.ts";
import { Client, type Message, Server } from "../../mod.ts";

const PEERS = 1_000;
const encoder = new TextEncoder();
const bytes = (value: string) => encoder.encode(value);
const name = (index: number) => `peer-${String(index).padStart(4, "0")}`;

/** A pipe that counts reads of the state strategies look at. */
interface Counted {
  pipe: Pipe;
  reads: number;
}

/** Counts reads of `properties` on one pipe, whatever defines them. */
function counted(
  options: { sendHighWaterMark?: number; endpoint?: string } = {},
): Counted {
  const pipe = new Pipe({
    endpoint: options.endpoint ?? "tcp://127.0.0.1:1",
    accepted: true,
    transient: true,
    sendHighWaterMark: options.sendHighWaterMark ?? 0,
    receiveHighWaterMark: 0,
    conflate: false,
  });
  pipe.state = "ready";
  const result: Counted = { pipe, reads: 0 };
  for (const property of ["full", "ready", "inbound"] as const) {
    const own = Object.getOwnPropertyDescriptor(pipe, property);
    const inherited = Object.getOwnPropertyDescriptor(Pipe.prototype, property);
    const read = own
      ? (own.get ? () => own.get!.call(pipe) : () => own.value)
      : () => inherited!.get!.call(pipe);
    Object.defineProperty(pipe, property, {
      get() {
        result.reads++;
        return read();
      },
    });
  }
  return result;
}

/** `count` counted pipes. */
function many(
  count: number,
  options?: { sendHighWaterMark?: number },
): Counted[] {
  return Array.from({ length: count }, () => counted(options));
}

const readsOf = (pipes: Counted[]): number =>
  pipes.reduce((sum, each) => sum + each.reads, 0);
const reset = (pipes: Counted[]): void => {
  for (const each of pipes) each.reads = 0;
};

/** The socket's side of a strategy that reads `pipes`. */
function hostOf(pipes: Counted[]): RoutingHost {
  return {
    pipes: new Set(pipes.map((each) => each.pipe)),
    sendPending: false,
    retrySends() {},
    retryReceives() {},
    delivered() {},
    setAside: false,
    dropSetAside() {},
    withheld: 0,
  };
}

Deno.test("scale: a load balancer with 990 of 1,000 pipes full looks at one pipe per send", () => {
  const balancer = new LoadBalancer();
  const full = many(990, { sendHighWaterMark: 1 });
  const open = many(10); // no high-water mark: never full
  // The open ones scattered among the full, as peers come and go.
  const pipes = [...full];
  open.forEach((each, i) => pipes.splice(i * 99, 0, each));
  for (const each of pipes) balancer.attach(each.pipe);
  for (const each of full) each.pipe.outbound.push([bytes("queued")]);

  // Each full pipe is looked at, found full, and left out once.
  for (let i = 0; i < PEERS; i++) assert(balancer.send([bytes(`m${i}`)]));
  assert(readsOf(pipes) <= 2 * PEERS, `${readsOf(pipes)} reads`);
  reset(pipes);

  for (let i = 0; i < PEERS; i++) assert(balancer.send([bytes(`n${i}`)]));
  assertEquals(readsOf(full), 0, "the full pipes are not looked at again");
  assertEquals(readsOf(open), PEERS, "one read of the chosen pipe per send");
  for (const each of open) assertEquals(each.pipe.outbound.length, 200);

  // A full pipe that drains takes turns again, at once.
  const drained = full[500].pipe;
  drained.outbound.shift();
  balancer.drained(drained);
  reset(pipes);
  for (let i = 0; i < 11; i++) assert(balancer.send([bytes(`d${i}`)]));
  assertEquals(drained.outbound.length, 1, "it got one message");
  assert(readsOf(pipes) <= 12, `${readsOf(pipes)} reads for 11 sends`);
});

Deno.test("scale: a load balancer takes 1,000 full pipes joining while a send waits in O(1,000) reads", () => {
  // As the socket does: every pipe that joins retries the waiting send.
  const balancer = new LoadBalancer();
  const pipes = many(PEERS, { sendHighWaterMark: 1 });
  for (const each of pipes) {
    each.pipe.outbound.push([bytes("queued")]);
    balancer.attach(each.pipe);
    assertEquals(balancer.send([bytes("waiting")]), false);
  }
  assertEquals(balancer.size, PEERS);
  assert(readsOf(pipes) <= 2 * PEERS, `${readsOf(pipes)} reads`);
  // Then one drains: the waiting send goes to it, looking at it alone.
  reset(pipes);
  const drained = pipes[PEERS - 1].pipe;
  drained.outbound.shift();
  balancer.drained(drained);
  assertEquals(balancer.send([bytes("waiting")]), true);
  assertStrictEquals(balancer.last, drained);
  assert(readsOf(pipes) <= 3, `${readsOf(pipes)} reads`);
  // And all leave, in an order that moves pipes in the middle.
  for (let i = 0; i < PEERS; i += 2) balancer.detach(pipes[i].pipe);
  for (let i = PEERS - 1; i > 0; i -= 2) balancer.detach(pipes[i].pipe);
  assertEquals(balancer.size, 0);
  assertEquals(balancer.last, undefined);
});

Deno.test("scale: a fair queue with 1,000 pipes, one with messages, never looks at the others", () => {
  const queue = new FairQueue();
  const pipes = many(PEERS);
  const busy = pipes[PEERS / 2];
  for (let i = 0; i < 100; i++) {
    busy.pipe.inbound.push([bytes(`m${i}`)]);
    queue.arrived(busy.pipe);
  }
  for (let i = 0; i < 100; i++) assert(queue.receive());
  assertEquals(queue.receive(), undefined);
  assertEquals(readsOf(pipes) - busy.reads, 0);
  assert(busy.reads <= 100 * 8, `${busy.reads} reads for 100 receives`);
});

Deno.test("scale: a fair queue serves 1,000 pipes with one message each in arrival order, in O(1) each", () => {
  const queue = new FairQueue();
  const pipes = many(PEERS);
  for (const [i, each] of pipes.entries()) {
    each.pipe.inbound.push([bytes(name(i))]);
    queue.arrived(each.pipe);
  }
  reset(pipes);
  for (let i = 0; i < PEERS; i++) {
    const [from] = queue.take()!;
    assertStrictEquals(from, pipes[i].pipe, "oldest first");
  }
  assertEquals(queue.empty, true);
  assert(readsOf(pipes) <= 8 * PEERS, `${readsOf(pipes)} reads`);
});

Deno.test("scale: a fair queue never read (an ignored XPUB) holds few turns of 1,000 departed peers, in O(1) reads each", () => {
  const queue = new FairQueue();
  const pipes = many(PEERS);
  // Every tenth peer stays, with its message unread; the others leave.
  for (const [i, each] of pipes.entries()) {
    each.pipe.inbound.push([bytes(name(i))]);
    queue.arrived(each.pipe);
    if (i % 10 !== 0) {
      queue.remove(each.pipe);
      // The stale turns are swept once they are most: each sweep is paid
      // for by as many removals, so none piles up.
      assert(
        queue.turns <= 2 * (Math.floor(i / 10) + 1) + 33,
        `${queue.turns} turns held after ${i + 1} peers`,
      );
    }
  }
  assert(readsOf(pipes) <= 8 * PEERS, `${readsOf(pipes)} reads`);
  const read: string[] = [];
  for (let message; (message = queue.receive()) !== undefined;) {
    read.push(new TextDecoder().decode(message[0]));
  }
  // The peers that stayed, in the order their messages came.
  assertEquals(
    read,
    Array.from({ length: PEERS / 10 }, (_, i) => name(10 * i)),
  );
  assertEquals(queue.turns, 0);
});

Deno.test("scale: a PUB with 1,000 subscribers on distinct topics looks only at the one that matches", () => {
  const pipes = many(PEERS);
  const fanOut = new FanOut(hostOf(pipes), true);
  for (const [i, each] of pipes.entries()) {
    fanOut.subscription(each.pipe, bytes(name(i)), true);
  }
  reset(pipes);
  const message = [bytes(`${name(321)}/weather`), bytes("sunny")];
  assert(fanOut.send(message));
  const touched = pipes.filter((each) => each.reads > 0);
  assertEquals(touched.length, 1);
  assertStrictEquals(touched[0], pipes[321]);
  assertEquals(pipes[321].pipe.outbound.length, 1);
  assertEquals(fanOut.blocked(message), false);
  assertEquals(readsOf(pipes) - pipes[321].reads, 0);

  // A topic nobody wants touches no pipe.
  reset(pipes);
  assert(fanOut.send([bytes("peer-x")]));
  assertEquals(readsOf(pipes), 0);

  // The ones that left are gone from the trie with their prefixes.
  for (const each of pipes) fanOut.detach(each.pipe);
  assert(fanOut.send(message));
  assertEquals(pipes[321].pipe.outbound.length, 1, "nothing more");
});

Deno.test("scale: subscription matching walks the topic's bytes, not the subscribers", () => {
  const index = new SubscriberIndex<number>();
  for (let i = 0; i < PEERS; i++) index.add(bytes(name(i)), i);
  index.add(bytes(""), -1); // everything
  index.add(bytes("peer-0"), 7); // 7 again, by a shorter prefix
  const topic = bytes(`${name(7)}/a much longer topic than any prefix`);
  const met: number[] = [];
  const steps = index.match(topic, (member, into) => into.push(member), met);
  assertEquals(met.sort((a, b) => a - b), [-1, 7], "each subscriber once");
  assert(steps <= name(7).length + 1, `${steps} steps`);
  // Removing the last member of a branch prunes it.
  assertEquals(index.remove(bytes(name(7)), 7), true);
  assertEquals(index.remove(bytes(name(7)), 7), false);
  met.length = 0;
  index.match(topic, (member, into) => into.push(member), met);
  assertEquals(met.sort((a, b) => a - b), [-1, 7]);
  assertEquals(index.remove(bytes("peer-0"), 7), true);
  met.length = 0;
  assert(index.match(topic, (member, into) => into.push(member), met) <= steps);
  assertEquals(met, [-1]);
});

Deno.test("scale: a ROUTER with 1,000 peers routes to one of them looking at it alone", () => {
  const pipes = many(PEERS);
  const router = new Addressed(
    { routerMandatory: true, routerHandover: false },
    hostOf(pipes),
  );
  for (const [i, each] of pipes.entries()) {
    each.pipe.peer = {
      socketType: "DEALER",
      routingId: bytes(name(i)),
      minor: 1,
      metadata: new Metadata(),
    };
    assert(router.ready(each.pipe));
  }
  reset(pipes);
  assert(router.send([bytes(name(654)), bytes("hello")]));
  assertEquals(pipes[654].pipe.outbound.length, 1);
  assertEquals(readsOf(pipes) - pipes[654].reads, 0);
});

Deno.test("scale: a RADIO with 1,000 dishes in distinct groups looks only at the group's members", () => {
  const radio = new GroupFanOut({ xpubNoDrop: false }, { retrySends() {} });
  const pipes = many(PEERS);
  for (const [i, each] of pipes.entries()) {
    radio.attach(each.pipe);
    radio.subscription(each.pipe, bytes(`g${i}`), true);
  }
  reset(pipes);
  assert(radio.send([bytes("g42"), bytes("hello")]));
  assertEquals(pipes[42].pipe.outbound.length, 1);
  assertEquals(readsOf(pipes) - pipes[42].reads, 0);
});

Deno.test("fan-out: subscribe and cancel say whether they changed anything; cancelAll gives back the prefixes", () => {
  const [a, b] = many(2);
  const fanOut = new FanOut(hostOf([a, b]), true);
  assertEquals(fanOut.subscribe(a.pipe, bytes("x")), true);
  assertEquals(fanOut.subscribe(a.pipe, bytes("x")), false, "a set");
  assertEquals(fanOut.subscribe(a.pipe, bytes("")), true);
  assertEquals(fanOut.subscribe(b.pipe, bytes("x")), true);
  assertEquals(fanOut.cancel(b.pipe, bytes("y")), false);
  assertEquals(fanOut.cancel(b.pipe, bytes("x")), true);
  assertEquals(fanOut.cancel(b.pipe, bytes("x")), false);
  assert(fanOut.send([bytes("xyz")]));
  assertEquals([a.pipe.outbound.length, b.pipe.outbound.length], [1, 0]);
  const topics = fanOut.cancelAll(a.pipe).map((t) =>
    new TextDecoder().decode(t)
  );
  assertEquals(topics, ["", "x"], "in byte order, as libzmq's trie");
  assertEquals(fanOut.cancelAll(a.pipe), []);
  assert(fanOut.send([bytes("xyz")]));
  assertEquals(a.pipe.outbound.length, 1, "nothing more once cancelled");
});

/** Counts the calls of a method of SERVER's and PEER's routing until disposed. */
function counting(name: "send" | "sendKey"): { calls: number } & Disposable {
  const proto = Numbered.prototype;
  const original = proto[name] as (this: Numbered, frames: Message) => never;
  const counter = {
    calls: 0,
    [Symbol.dispose]() {
      proto[name] = original;
    },
  };
  proto[name] = function (this: Numbered, frames: Message) {
    counter.calls++;
    return original.call(this, frames);
  };
  return counter;
}

Deno.test("scale: a SERVER's sends waiting on one full peer are looked at about once each as it drains, and a send to another peer looks at none of them", async () => {
  // Counted: each look at a waiting send's peer (its key).
  using looks = counting("sendKey");
  await using clients = await slowAndFastClients("scale-waiting", 1);
  const { server, slow } = clients;
  const waiting = 2000;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < waiting; i++) {
    sends.push(server.send("s", { routingId: clients.slowId }));
  }
  looks.calls = 0;
  await server.send("f", { routingId: clients.fastId });
  assert(looks.calls <= 2, `${looks.calls} looks for a send to another peer`);
  looks.calls = 0;
  for (let i = 0; i < waiting; i++) await slow.receive();
  await Promise.all(sends);
  assert(
    looks.calls <= 3 * waiting,
    `${looks.calls} looks for ${waiting} sends`,
  );
});

Deno.test("scale: sends waiting on 1,000 full peers, 10 each: a retry after one peer drains looks at each peer's first send once, not at all 10,000", async () => {
  const waiters = new Waiters<void, number>();
  // A send's data is its number; its peer (key), the number modulo PEERS.
  waiters.keyBy((data) => data % PEERS);
  const sends = Array.from(
    { length: 10 * PEERS },
    (_, i) => waiters.wait(i, {}),
  );
  let looks = 0;
  const went: number[] = [];
  // Peer 7 has room for two messages; the others none.
  waiters.serve(() => {
    let room = 2;
    return (data, key) => {
      looks++;
      if (key !== 7 || room === 0) return "waits";
      room--;
      went.push(data);
      return "went";
    };
  });
  assert(looks <= PEERS + 2, `${looks} looks`);
  // Peer 7's, in the order they were made.
  assertEquals(went, [7, PEERS + 7]);
  await sends[7];
  await sends[PEERS + 7];
  assertEquals(waiters.length, 10 * PEERS - 2);
  assert(waiters.hasKey(7) && waiters.keyCount === PEERS);
  const error = new Error("closed");
  assertEquals(waiters.rejectAll(error).length, 10 * PEERS - 2);
  const settled = await Promise.allSettled(sends);
  assertEquals(
    settled.filter((s) => s.status === "rejected").length,
    10 * PEERS - 2,
  );
});

Deno.test("scale: a SERVER's peer that drains has its own waiting sends tried, not every peer's: one of 100 stuck CLIENTs reading 5 messages costs a few tries, not 100 each", async () => {
  using tries = counting("send");
  const endpoint = "inproc://scale-drain-one";
  const server = new Server({ sendHighWaterMark: 1, linger: 0 });
  const clients = Array.from(
    { length: 100 },
    () => new Client({ receiveHighWaterMark: 1, linger: 0 }),
  );
  try {
    await server.bind(endpoint);
    const ids: number[] = [];
    for (const client of clients) {
      client.connect(endpoint);
      await client.send("hello");
      ids.push((await server.receive()).routingId);
    }
    const sends = ids.flatMap((routingId) =>
      Array.from({ length: 5 }, () => server.send("m", { routingId }))
    );
    for (const sent of sends) sent.catch(() => {});
    tries.calls = 0;
    for (let i = 0; i < 5; i++) await clients[0].receive();
    assert(tries.calls <= 20, `${tries.calls} tries for one peer's 5 messages`);
  } finally {
    await Promise.all([server.close(), ...clients.map((c) => c.close())]);
  }
});
