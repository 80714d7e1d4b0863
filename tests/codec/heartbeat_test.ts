/**
 * The heartbeat timers on an injected clock: no sleeping, every time given.
 */
import { assertEquals } from "@std/assert";
import * as codec from "../../codec/mod.ts";
import { expectEvent } from "./_helpers.ts";

const heartbeatTimeout = "the peer did not answer our heartbeat in time";
const ttlTimeout = "no traffic from the peer within the TTL it asked for";

Deno.test("heartbeat: nothing is due before ready, nor without an interval", () => {
  const idle = new codec.Heartbeat({ interval: 100 });
  assertEquals(idle.deadline, undefined);
  assertEquals(idle.tick(1_000_000), undefined);
  const none = new codec.Heartbeat();
  none.onReady(0);
  assertEquals(none.deadline, undefined);
  assertEquals(none.tick(1_000_000), undefined);
});

Deno.test("heartbeat: PINGs every interval while the peer answers", () => {
  const heartbeat = new codec.Heartbeat({ interval: 100, timeout: 50 });
  heartbeat.onReady(10);
  assertEquals(heartbeat.deadline, 110);
  assertEquals(heartbeat.tick(109), undefined);
  assertEquals(heartbeat.tick(110), { type: "ping", ttl: 0 });
  // The answer is due before the next PING.
  assertEquals(heartbeat.deadline, 160);
  heartbeat.onTraffic(130);
  assertEquals(heartbeat.deadline, 210);
  assertEquals(heartbeat.tick(160), undefined);
  // A late tick sends the PING late and schedules from then.
  assertEquals(heartbeat.tick(225), { type: "ping", ttl: 0 });
  assertEquals(heartbeat.deadline, 275);
  heartbeat.onTraffic(226);
  assertEquals(heartbeat.deadline, 325);
});

Deno.test("heartbeat: silence after a PING times out", () => {
  const heartbeat = new codec.Heartbeat({ interval: 100, timeout: 50 });
  heartbeat.onReady(0);
  assertEquals(heartbeat.tick(100)?.type, "ping");
  assertEquals(heartbeat.tick(149), undefined);
  assertEquals(heartbeat.tick(150), {
    type: "timeout",
    reason: heartbeatTimeout,
  });
});

Deno.test("heartbeat: a timeout of 0 never drops the peer, as libzmq's", () => {
  const heartbeat = new codec.Heartbeat({ interval: 100, timeout: 0 });
  heartbeat.onReady(0);
  assertEquals(heartbeat.tick(100)?.type, "ping");
  // No answer is due: only the next PING.
  assertEquals(heartbeat.deadline, 200);
  assertEquals(heartbeat.tick(150), undefined);
  assertEquals(heartbeat.tick(200)?.type, "ping");
  assertEquals(heartbeat.tick(100_000)?.type, "ping");
});

Deno.test("heartbeat: traffic just before the PING, in its very millisecond, is not its answer", () => {
  const heartbeat = new codec.Heartbeat({ interval: 100, timeout: 50 });
  heartbeat.onReady(0);
  heartbeat.onTraffic(100);
  assertEquals(heartbeat.tick(100)?.type, "ping");
  assertEquals(heartbeat.deadline, 150);
  heartbeat.onTraffic(101);
  assertEquals(heartbeat.deadline, 200);
});

Deno.test("heartbeat: traffic after the PING answers it, though it bears its very time", () => {
  // By order, as libzmq's: on a whole-millisecond clock a fast peer's
  // PONG comes in the millisecond of the PING.
  const heartbeat = new codec.Heartbeat({ interval: 100, timeout: 50 });
  heartbeat.onReady(0);
  assertEquals(heartbeat.tick(100)?.type, "ping");
  heartbeat.onTraffic(100);
  assertEquals(heartbeat.deadline, 200);
  assertEquals(heartbeat.tick(150), undefined);
  assertEquals(heartbeat.tick(200)?.type, "ping");
});

Deno.test("heartbeat: the timeout defaults to the interval", () => {
  for (const timeout of [undefined, -1]) {
    const heartbeat = new codec.Heartbeat({ interval: 100, timeout });
    heartbeat.onReady(0);
    assertEquals(heartbeat.tick(100)?.type, "ping");
    // The next PING and the answer's end coincide: the timeout wins.
    assertEquals(heartbeat.deadline, 200);
    assertEquals(heartbeat.tick(200)?.type, "timeout");
  }
});

Deno.test("heartbeat: a PING while one is unanswered does not move its deadline", () => {
  const heartbeat = new codec.Heartbeat({ interval: 100, timeout: 250 });
  heartbeat.onReady(0);
  assertEquals(heartbeat.tick(100)?.type, "ping");
  assertEquals(heartbeat.tick(200)?.type, "ping");
  assertEquals(heartbeat.tick(300)?.type, "ping");
  assertEquals(heartbeat.deadline, 350);
  assertEquals(heartbeat.tick(350), {
    type: "timeout",
    reason: heartbeatTimeout,
  });
});

Deno.test("heartbeat: our TTL goes out in deciseconds, truncated and capped, as libzmq's", () => {
  const ttlOf = (timeToLive: number) => {
    const heartbeat = new codec.Heartbeat({ interval: 10, timeToLive });
    heartbeat.onReady(0);
    return expectEvent(heartbeat.tick(10), "ping").ttl;
  };
  assertEquals(ttlOf(0), 0);
  assertEquals(ttlOf(3000), 30);
  assertEquals(ttlOf(50), 0);
  assertEquals(ttlOf(149), 1);
  assertEquals(ttlOf(150), 1);
  assertEquals(ttlOf(299), 2);
  assertEquals(ttlOf(10_000_000), 0xffff);
  // What no PING can carry is none, not a PING that fails to encode.
  assertEquals([ttlOf(-1000), ttlOf(NaN)], [0, 0]);
});

Deno.test("heartbeat: the peer's TTL drops it when it falls silent", () => {
  const heartbeat = new codec.Heartbeat({ now: 0 });
  heartbeat.onReady(0);
  heartbeat.onTraffic(1000);
  heartbeat.onPing(5);
  assertEquals(heartbeat.deadline, 1500);
  assertEquals(heartbeat.tick(1499), undefined);
  assertEquals(heartbeat.tick(1500), { type: "timeout", reason: ttlTimeout });
});

Deno.test("heartbeat: any traffic renews the peer's TTL; a TTL of 0 ends it", () => {
  const heartbeat = new codec.Heartbeat({ now: 0 });
  heartbeat.onReady(0);
  heartbeat.onPing(10);
  assertEquals(heartbeat.deadline, 1000);
  heartbeat.onTraffic(900);
  assertEquals(heartbeat.deadline, 1900);
  assertEquals(heartbeat.tick(1899), undefined);
  heartbeat.onPing(0);
  assertEquals(heartbeat.deadline, undefined);
  assertEquals(heartbeat.tick(1_000_000), undefined);
});

Deno.test("heartbeat: the earliest of PING, answer and TTL is the deadline", () => {
  const heartbeat = new codec.Heartbeat({ interval: 1000, timeout: 400 });
  heartbeat.onReady(0);
  heartbeat.onPing(3); // the peer may be silent 300 ms
  assertEquals(heartbeat.deadline, 300);
  heartbeat.onTraffic(800);
  assertEquals(heartbeat.deadline, 1000);
  assertEquals(heartbeat.tick(1000)?.type, "ping");
  // 1100: the TTL, before the answer (1400) and the next PING (2000).
  assertEquals(heartbeat.deadline, 1100);
  assertEquals(heartbeat.tick(1100), { type: "timeout", reason: ttlTimeout });
});

Deno.test("heartbeat: a connection PINGs with it and fails with its reason", () => {
  const a = new codec.Connection({
    socketType: "PAIR",
    heartbeatInterval: 100,
    heartbeatTimeout: 50,
  });
  const b = new codec.Connection({ socketType: "PAIR" });
  for (let i = 0; i < 2; i++) {
    b.takeOutput().forEach((chunk) => a.receive(chunk));
    a.takeOutput().forEach((chunk) => b.receive(chunk));
  }
  assertEquals([a.state, b.state], ["ready", "ready"]);
  assertEquals(a.tick(100), []);
  const [ping] = new codec.FrameDecoder().decode(a.takeOutput()[0]);
  assertEquals(codec.parseCommand(ping.body).name, "PING");
  const { error } = expectEvent(a.tick(150)[0], "error");
  assertEquals([error.kind, error.message], [
    "timeout",
    heartbeatTimeout,
  ]);
});

Deno.test("heartbeat: a PING's TTL in traffic that came without the time runs from the next tick, due at once", () => {
  const heartbeat = new codec.Heartbeat({ now: 0 });
  assertEquals(heartbeat.deadline, undefined);
  heartbeat.onTraffic();
  heartbeat.onPing(10);
  assertEquals(heartbeat.deadline, 0, "due at once");
  assertEquals(heartbeat.tick(10_000), undefined, "not expired: it starts");
  assertEquals(heartbeat.deadline, 11_000);
  assertEquals(heartbeat.tick(10_999), undefined);
  assertEquals(heartbeat.tick(11_000)?.type, "timeout");
  // Timed traffic before the tick gives the time itself.
  const timed = new codec.Heartbeat({ now: 0 });
  timed.onTraffic();
  timed.onPing(10);
  timed.onTraffic(500);
  assertEquals(timed.deadline, 1500);
});

Deno.test("heartbeat: a PING behind a large body being written counts from when that body is out, as libzmq makes its PING then; behind small output, at once", () => {
  const heartbeat = new codec.Heartbeat({
    interval: 100,
    timeout: 50,
    writtenLater: true,
  });
  heartbeat.onReady(0);
  // Small frames in flight: the PING counts when queued.
  heartbeat.onOutputTaken(90, [new Uint8Array(64 * 1024)]);
  assertEquals(heartbeat.tick(100)?.type, "ping");
  assertEquals(heartbeat.deadline, 150);
  heartbeat.onTraffic(120);
  // A large body in flight (a slow consumer): nothing is awaited, and no
  // second PING queues behind the first.
  heartbeat.onOutputTaken(130, [new Uint8Array(1024 * 1024)]);
  assertEquals(heartbeat.tick(200)?.type, "ping");
  assertEquals(heartbeat.deadline, 300);
  assertEquals(heartbeat.tick(300), undefined);
  assertEquals(heartbeat.tick(400), undefined);
  heartbeat.onOutputTaken(1000, []); // the body is out: the next take came
  assertEquals(heartbeat.tick(1000)?.type, "ping"); // the next one, overdue
  assertEquals(heartbeat.deadline, 1050);
  assertEquals(heartbeat.tick(1050), {
    type: "timeout",
    reason: heartbeatTimeout,
  });
});
