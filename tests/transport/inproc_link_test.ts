/** Inproc links on their own: two fake sessions joined by `linkInproc`. */
import {
  assert,
  assertEquals,
  assertLessOrEqual,
  assertStrictEquals,
} from "@std/assert";
import type { PeerInfo } from "../../codec/connection.ts";
import { Metadata } from "../../codec/metadata.ts";
import type { SocketType } from "../../codec/socket_type.ts";
import { linkInproc } from "../../transport/_inproc_link.ts";
import type { Link } from "../../transport/transport.ts";
import { expectEvent } from "../_helpers.ts";
import {
  FakeSession,
  loneThenBurst,
  messagePortTurns,
  text,
  within,
} from "../_fakes.ts";

/**
 * One turn of the event loop: not a synchronisation, the chance for a link
 * to do what it must not (its deliveries run at the end of a turn).
 */
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

function info(socketType: SocketType): PeerInfo {
  return {
    socketType,
    minor: 1,
    metadata: new Metadata([["Socket-Type", socketType]]),
  };
}

/** Two started links, through their handshake. */
async function connected(a: SocketType = "PUSH", b: SocketType = "PULL") {
  const [linkA, linkB] = linkInproc(info(a), info(b));
  const [sessionA, sessionB] = [new FakeSession(), new FakeSession()];
  linkA.start(sessionA);
  linkB.start(sessionB);
  await sessionA.until(() => sessionA.events.length > 0, "A's ready");
  await sessionB.until(() => sessionB.events.length > 0, "B's ready");
  expectEvent(sessionA.events[0], "ready");
  expectEvent(sessionB.events[0], "ready");
  return { linkA, linkB, sessionA, sessionB };
}

async function closeBoth(linkA: Link, linkB: Link): Promise<void> {
  linkA.close();
  await within(Promise.all([linkA.done, linkB.done]), "both links to end");
}

Deno.test("inproc link: ready on both sides only once both are started", async () => {
  const [linkA, linkB] = linkInproc(info("REQ"), info("REP"));
  const [sessionA, sessionB] = [new FakeSession(), new FakeSession()];
  linkA.start(sessionA);
  await turn();
  assertEquals(sessionA.events, [], "no handshake with one side started");
  linkB.start(sessionB);
  await sessionA.until(() => sessionA.events.length > 0, "A's ready");
  await sessionB.until(() => sessionB.events.length > 0, "B's ready");
  const readyA = expectEvent(sessionA.events[0], "ready");
  const readyB = expectEvent(sessionB.events[0], "ready");
  assertEquals(readyA.peer.socketType, "REP", "A learns what B announced");
  assertEquals(readyB.peer.socketType, "REQ", "B learns what A announced");
  assertEquals(sessionA.events.length, 1);
  assertEquals(sessionB.events.length, 1);
  assertEquals([linkA.closed, linkB.closed], [false, false]);
  assertEquals([linkA.remoteAddress, linkB.remoteAddress], ["", ""]);
  await closeBoth(linkA, linkB);
});

Deno.test("inproc link: incompatible socket types give both sides an incompatible error and end both links", async () => {
  const [linkA, linkB] = linkInproc(info("PUB"), info("PUSH"));
  const [sessionA, sessionB] = [new FakeSession(), new FakeSession()];
  linkA.start(sessionA);
  linkB.start(sessionB);
  const [endA, endB] = await within(
    Promise.all([linkA.done, linkB.done]),
    "both links to end",
  );
  for (const [side, session] of [["A", sessionA], ["B", sessionB]] as const) {
    assertEquals(session.events.length, 1, side);
    assertEquals(
      expectEvent(session.events[0], "error").error.kind,
      "incompatible",
      side,
    );
  }
  assertEquals(endA.error?.kind, "incompatible");
  assertEquals(endB.error?.kind, "incompatible");
  assertEquals([linkA.closed, linkB.closed], [true, true]);
});

Deno.test("inproc link: what one session's fill writes arrives at the other's handle, in order, by reference", async () => {
  const { linkA, linkB, sessionA, sessionB } = await connected();
  const [frame] = text("shared");
  sessionA.outgoing.push(text("m0"), [frame, ...text("more")], text("m2"));
  linkA.wake();
  linkA.wake(); // one delivery for the burst
  await sessionB.until(() => sessionB.messages().length === 3, "3 messages");
  assertEquals(sessionB.messages(), [["m0"], ["shared", "more"], ["m2"]]);
  const second = expectEvent(sessionB.events[2], "message");
  assertStrictEquals(second.frames[0], frame, "frames pass uncopied");
  // And back.
  sessionB.outgoing.push(text("reply"));
  linkB.wake();
  await sessionA.until(() => sessionA.messages().length === 1, "the reply");
  assertEquals(sessionA.messages(), [["reply"]]);
  await closeBoth(linkA, linkB);
});

Deno.test("inproc link: a handle returning false blocks the writer until the reader resumes", async () => {
  const { linkA, linkB, sessionA, sessionB } = await connected();
  sessionB.acceptMessages = false;
  sessionA.outgoing.push(text("m0"), text("m1"), text("m2"));
  linkA.wake();
  await sessionB.until(() => sessionB.messages().length === 1, "m0");
  assertEquals(sessionA.outgoing.length, 2, "the writer stopped after m0");
  linkA.wake(); // a blocked writer does not write on wake
  await turn();
  assertEquals(sessionB.messages().length, 1);
  assertEquals(sessionA.outgoing.length, 2);
  sessionB.acceptMessages = true;
  linkB.resume(); // the reader made room
  await sessionB.until(() => sessionB.messages().length === 3, "m1 and m2");
  assertEquals(sessionB.messages(), [["m0"], ["m1"], ["m2"]]);
  assertEquals(sessionA.outgoing.length, 0);
  await closeBoth(linkA, linkB);
});

Deno.test("inproc link: close() on either side ends both done promises", async () => {
  for (const closing of ["A", "B"]) {
    const { linkA, linkB, sessionA, sessionB } = await connected();
    (closing === "A" ? linkA : linkB).close();
    const ends = await within(
      Promise.all([linkA.done, linkB.done]),
      `both links to end after closing ${closing}`,
    );
    assertEquals(ends, [{ error: undefined }, { error: undefined }]);
    assertEquals([linkA.closed, linkB.closed], [true, true]);
    // A closed link delivers nothing more.
    sessionA.outgoing.push(text("late"));
    linkA.wake();
    await turn();
    assertEquals(sessionB.messages(), []);
    assertEquals(sessionA.events.length, 1, "only the ready event");
  }
});

Deno.test("inproc link: close() before the other side starts ends both, with no handshake", async () => {
  const [linkA, linkB] = linkInproc(info("PAIR"), info("PAIR"));
  const [sessionA, sessionB] = [new FakeSession(), new FakeSession()];
  linkA.start(sessionA);
  linkA.close();
  linkB.start(sessionB);
  await within(Promise.all([linkA.done, linkB.done]), "both links to end");
  await turn();
  assertEquals(sessionA.events, []);
  assertEquals(sessionB.events, []);
});

Deno.test("inproc link: a lone message arrives before the turn ends; sends a microtask apart share a delivery", async () => {
  const { linkA, linkB, sessionA, sessionB } = await connected();
  const fills = await loneThenBurst(sessionA, linkA, {
    sends: () => sessionA.fills,
    out: () => sessionB.messages().length === 1,
    arrived: () =>
      sessionB.until(() => sessionB.messages().length === 101, "the burst"),
  });
  assertLessOrEqual(fills, 2, `100 sends took ${fills} deliveries`);
  await closeBoth(linkA, linkB);
});

Deno.test("inproc link: a program turning its loop with MessagePort messages still gets a delivery per turn", async () => {
  const { linkA, linkB, sessionA, sessionB } = await connected();
  const TURNS = 50;
  const before = sessionA.fills;
  await messagePortTurns(TURNS, (turn) => {
    for (let i = 0; i < 20; i++) {
      sessionA.outgoing.push(text(`t${turn}m${i}`));
      linkA.wake();
    }
  });
  const fills = sessionA.fills - before;
  assert(fills >= TURNS / 2, `${fills} deliveries in ${TURNS} turns`);
  await sessionB.until(
    () => sessionB.messages().length === 20 * TURNS,
    "every message",
  );
  await closeBoth(linkA, linkB);
});
