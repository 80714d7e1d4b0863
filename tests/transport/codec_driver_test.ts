/**
 * The codec driver turns a fault of ours (anything the codec or the session
 * throws that is not the peer's ProtocolError) into the end of that one
 * link, with an error event, never into an exception that escapes a link's
 * loop and ends the program.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { encodePing } from "../../codec/command.ts";
import { Connection } from "../../codec/connection.ts";
import type { Mechanism } from "../../codec/mechanism.ts";
import { CodecDriver } from "../../transport/_codec_driver.ts";
import { deadlines } from "../../transport/_deadlines.ts";
import type { MessageWriter } from "../../transport/transport.ts";
import { FakeSession } from "../_fakes.ts";

/** A NULL mechanism with a bug: it throws a TypeError at the peer's READY. */
function faultyMechanism(): Mechanism {
  return {
    name: "NULL",
    asServer: false,
    start: () => [],
    handle: () => {
      throw new TypeError("a bug in the mechanism");
    },
  };
}

function driven(connection: Connection, session: FakeSession) {
  const calls = { closed: 0, woken: 0 };
  const driver = new CodecDriver(connection, () => 0, {
    closed: false,
    wake: () => calls.woken++,
    whenFlushed: () => Promise.resolve(),
    close: () => calls.closed++,
  });
  driver.start(session);
  return { driver, calls };
}

Deno.test("codec driver: a codec that throws a non-protocol error ends the link with an error event", async () => {
  const session = new FakeSession();
  const ours = new Connection({
    socketType: "PUSH",
    mechanism: faultyMechanism,
  });
  const { driver, calls } = driven(ours, session);
  const peer = new Connection({ socketType: "PULL" });
  let keepReading = true;
  for (let round = 0; round < 3 && keepReading; round++) {
    for (const chunk of ours.takeOutput()) peer.receive(chunk);
    for (const chunk of peer.takeOutput()) {
      keepReading = driver.receive(chunk.slice());
    }
  }
  driver.stop();
  assertEquals(keepReading, false);
  // A fault of ours, not the peer's: a connect dials again.
  assertEquals(driver.error?.kind, "local");
  assertStringIncludes(driver.error!.message, "a bug in the mechanism");
  // The link closes once what the codec still has is written out.
  await Promise.resolve();
  assertEquals(calls.closed, 1, "the link was told to close");
  const [event] = session.of("error");
  assert(event.error === driver.error, "the session saw the same error");
});

Deno.test("codec driver: a codec whose tick throws ends the link the same way, not the shared timer's callback", async () => {
  class FaultyTick extends Connection {
    override tick(_now: number): never {
      throw new RangeError("a bug in the tick");
    }
  }
  const session = new FakeSession();
  const { driver, calls } = driven(
    new FaultyTick({ socketType: "PUSH" }),
    session,
  );
  driver.onDeadline();
  driver.stop();
  assertEquals(driver.error?.kind, "local");
  assertStringIncludes(driver.error!.message, "a bug in the tick");
  await Promise.resolve();
  assertEquals(calls.closed, 1, "the link was told to close");
  assertEquals(session.of("error").length, 1);
});

Deno.test("codec driver: a session whose fill throws ends the link the same way", async () => {
  class FaultySession extends FakeSession {
    override fill(_writer: MessageWriter, _batchBytes: number): void {
      throw new RangeError("a bug in the session");
    }
  }
  const session = new FaultySession();
  const ours = new Connection({ socketType: "PUSH" });
  const peer = new Connection({ socketType: "PULL" });
  const { driver, calls } = driven(ours, session);
  for (let round = 0; round < 3; round++) {
    for (const chunk of ours.takeOutput()) peer.receive(chunk);
    for (const chunk of peer.takeOutput()) driver.receive(chunk.slice());
  }
  assertEquals(ours.state, "ready");
  driver.fill(1024);
  driver.stop();
  assertStringIncludes(driver.error!.message, "a bug in the session");
  await Promise.resolve();
  assertEquals(calls.closed, 1);
  assertEquals(session.of("error").length, 1);
  // Once failed, nothing more is filled.
  driver.fill(1024);
  assertEquals(session.of("error").length, 1);
});

for (const framing of ["zmtp", "zws"] as const) {
  Deno.test(`codec driver: a ready link without deadlines reads no clock; a peer's first PING is due at once and its TTL runs from that tick (${framing})`, async () => {
    let now = 0;
    let clockReads = 0;
    const session = new FakeSession();
    const ours = new Connection({ socketType: "PULL", framing });
    const driver = new CodecDriver(ours, () => (clockReads++, now), {
      closed: false,
      wake: () => {},
      whenFlushed: () => Promise.resolve(),
      close: () => {},
    });
    driver.start(session);
    const peer = new Connection({ socketType: "PUSH", framing, now });
    const exchange = () => {
      for (const chunk of ours.takeOutput()) peer.receive(chunk, now);
      for (const chunk of peer.takeOutput()) driver.receive(chunk.slice());
    };
    exchange();
    exchange();
    assertEquals([ours.state, ours.deadline], ["ready", undefined]);
    // The ready event's microtask drops the handshake deadline.
    await Promise.resolve();
    assert(!deadlines.has(driver), "nothing scheduled once ready");
    // Traffic on a link with nothing due does not read the clock.
    clockReads = 0;
    peer.sendMessage([new Uint8Array(3)]);
    exchange();
    assertEquals(session.of("message").length, 1);
    assertEquals(clockReads, 0);
    // Ten quiet seconds, then a PING asking for 1 s of life (what libzmq's
    // ZMQ_HEARTBEAT_TTL sends): due at once, so that its tick tells the
    // codec the time the TTL runs from.
    now = 10_000;
    peer.sendCommand(encodePing(10, new Uint8Array()));
    exchange();
    assert(ours.deadline! <= now, "due at once");
    assert(deadlines.has(driver), "and scheduled");
    driver.onDeadline();
    assertEquals([ours.deadline, driver.error], [11_000, undefined]);
    now = 10_999;
    driver.onDeadline();
    assertEquals(driver.error, undefined, "alive within the TTL");
    now = 11_000;
    driver.onDeadline();
    assertEquals(driver.error?.kind, "timeout");
    driver.stop();
  });
}

Deno.test("codec driver: a PING whose TTL ends before the deadline armed re-arms the timer for it", async () => {
  const now = 0;
  const session = new FakeSession();
  // Our own heartbeats every 30 s: the timer is armed for 30 s from ready.
  const ours = new Connection({
    socketType: "PULL",
    heartbeatInterval: 30_000,
  });
  const driver = new CodecDriver(ours, () => now, {
    closed: false,
    wake: () => {},
    whenFlushed: () => Promise.resolve(),
    close: () => {},
  });
  const delays: number[] = [];
  const schedule = deadlines.schedule;
  deadlines.schedule = (due, delay) => {
    if (due === driver) delays.push(delay);
    schedule.call(deadlines, due, delay);
  };
  try {
    driver.start(session);
    const peer = new Connection({ socketType: "PUSH", now });
    const exchange = () => {
      for (const chunk of ours.takeOutput()) peer.receive(chunk, now);
      for (const chunk of peer.takeOutput()) driver.receive(chunk.slice());
    };
    exchange();
    exchange();
    await Promise.resolve();
    assertEquals(ours.state, "ready");
    assertEquals(delays.at(-1), 30_000);
    // The peer asks to be dropped after 2 s of silence: armed for 2 s.
    peer.sendCommand(encodePing(20, new Uint8Array()));
    exchange();
    assertEquals([ours.deadline, delays.at(-1)], [2_000, 2_000]);
    // A longer TTL again moves nothing: the tick at 2 s re-arms.
    const armed = delays.length;
    peer.sendCommand(encodePing(50, new Uint8Array()));
    exchange();
    assertEquals(delays.length, armed);
  } finally {
    deadlines.schedule = schedule;
    driver.stop();
  }
});
