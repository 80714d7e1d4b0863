/**
 * What the codec's caller gives it — the time, verdicts, flags, partial
 * greetings — given as a user of the codec alone would: each case is one a
 * caller gets wrong or takes for granted, and the codec keeps well formed.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { concat } from "@std/bytes";
import * as codec from "../../codec/mod.ts";
import { expectEvent } from "./_helpers.ts";

/** Uptime past a first handshake's 30 s: `performance.now()` in a server. */
const UPTIME = 40_000;

function pumpAt(
  now: number,
  from: codec.Connection | codec.WebSocketConnection,
  to: codec.Connection | codec.WebSocketConnection,
): codec.ConnectionEvent[] {
  return from.takeOutput(now).flatMap((chunk) => to.receive(chunk, now));
}

Deno.test("a connection made with no `now` times its handshake from the first time given, whatever the clock's origin", () => {
  // The first time given to takeOutput, receive or tick starts the clock.
  const starts = [
    (c: codec.Connection) => c.takeOutput(UPTIME),
    (c: codec.Connection) =>
      c.receive(
        codec.encodeGreeting({ mechanism: "NULL", asServer: false }),
        UPTIME,
      ),
    (c: codec.Connection) => c.tick(UPTIME),
  ];
  for (const [i, start] of starts.entries()) {
    const connection = new codec.Connection({ socketType: "DEALER" });
    // No time given yet: nothing is due.
    assertEquals(connection.deadline, undefined, `start ${i}`);
    start(connection);
    assertEquals(connection.deadline, UPTIME + 30_000, `start ${i}`);
    assertEquals(connection.tick(UPTIME + 1), [], `start ${i}`);
    assertEquals(connection.state !== "failed", true, `start ${i}`);
    const [timeout] = connection.tick(UPTIME + 30_000);
    assertEquals(expectEvent(timeout, "error").error.kind, "timeout");
  }

  // Such a pair, made after 40 s of uptime, completes its handshake.
  const client = new codec.Connection({ socketType: "DEALER" });
  const server = new codec.Connection({ socketType: "ROUTER" });
  pumpAt(UPTIME, client, server);
  pumpAt(UPTIME, server, client);
  assertEquals(client.tick(UPTIME + 5), []);
  assertEquals(server.tick(UPTIME + 5), []);
  assertEquals([client.state, server.state], ["ready", "ready"]);

  // What a connection greeting in libzmq's steps holds is held from there
  // too: its signature 20 ms after the first time, not from 0.
  const stepped = new codec.Connection({
    socketType: "DEALER",
    greetingInSteps: true,
  });
  assertEquals(stepped.takeOutput(UPTIME), []);
  assertEquals(stepped.deadline, UPTIME + 20);
  stepped.tick(UPTIME + 1);
  assertEquals(stepped.pendingOutputBytes, 0);
  stepped.tick(UPTIME + 20);
  assertEquals(stepped.pendingOutputBytes, 10);

  // Given at the start, `now` is where the clock starts: a later first
  // time moves nothing.
  const timed = new codec.Connection({ socketType: "DEALER", now: 5 });
  timed.takeOutput(UPTIME);
  assertEquals(timed.deadline, 30_005);
});

Deno.test("a WebSocket connection made with no `now` times its upgrade and handshake from the first time given", () => {
  const made = () => ({
    client: new codec.WebSocketConnection({
      socketType: "PUSH",
      role: "client",
      path: "/",
      host: "x",
    }),
    server: new codec.WebSocketConnection({
      socketType: "PULL",
      role: "server",
      path: "/",
    }),
  });
  // A client whose upgrade goes unanswered: its time runs from its first
  // output, not from 0.
  const { client: alone } = made();
  assertEquals(alone.deadline, undefined);
  alone.takeOutput(UPTIME);
  assertEquals(alone.deadline, UPTIME + 30_000);
  assertEquals(alone.tick(UPTIME + 1), []);
  const [timeout] = alone.tick(UPTIME + 30_000);
  assertEquals(expectEvent(timeout, "error").error.kind, "timeout");

  // A pair made after 40 s of uptime upgrades and completes its handshake.
  const { client, server } = made();
  pumpAt(UPTIME, client, server);
  assertEquals(server.deadline, UPTIME + 30_000);
  pumpAt(UPTIME, server, client);
  pumpAt(UPTIME, client, server);
  pumpAt(UPTIME, server, client);
  assertEquals(client.tick(UPTIME + 5), []);
  assertEquals(server.tick(UPTIME + 5), []);
  assertEquals([client.state, server.state], ["ready", "ready"]);
  // A pair upgraded before any time is given (a NULL server asking ZAP):
  // the first tick, after 40 s of uptime, starts its time, and asks.
  const untimed = made();
  const zapped = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/",
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
  });
  for (const chunk of untimed.client.takeOutput()) zapped.receive(chunk);
  for (const chunk of zapped.takeOutput()) untimed.client.receive(chunk);
  const asked = zapped.tick(UPTIME);
  assertEquals(asked.map((event) => event.type), ["authenticate"]);
  assertEquals(zapped.deadline, UPTIME + 30_000);

  // A server whose clock started at 0 keeps its deadline when a client
  // offering ZWS2.0 alone (a browser's) makes it start over without a
  // mechanism at 29 s: 30 s from its start, as for any other client.
  for (const noMechanism of [false, true]) {
    const server = new codec.WebSocketConnection({
      socketType: "PULL",
      role: "server",
      path: "/",
      now: 0,
    });
    const client = new codec.WebSocketConnection({
      socketType: "PUSH",
      role: "client",
      path: "/",
      host: "x",
      now: 0,
      noMechanism,
    });
    for (const chunk of client.takeOutput(29_000)) {
      server.receive(chunk, 29_000);
    }
    assertEquals(server.deadline, 30_000, `noMechanism: ${noMechanism}`);
    const [late] = server.tick(30_000);
    assertEquals(expectEvent(late, "error").error.kind, "timeout");
  }

  // Its first time may come with the peer's first bytes.
  const { client: late } = made();
  late.takeOutput();
  assertEquals(late.deadline, undefined);
  assertEquals(late.receive(new TextEncoder().encode("HTTP/1.1 "), UPTIME), []);
  assertEquals(late.deadline, UPTIME + 30_000);
});

Deno.test("a verdict not asked for, or given twice, is the caller's: ignored, where it failed the connection as the peer's fault", () => {
  const allow: codec.Verdict = { statusCode: 200, statusText: "", userId: "u" };
  const client = new codec.Connection({
    socketType: "DEALER",
    now: 0,
    mechanism: (metadata) => new codec.PlainClientMechanism(metadata, "u", "p"),
  });
  const server = new codec.Connection({
    socketType: "ROUTER",
    now: 0,
    mechanism: (metadata) => new codec.PlainServerMechanism(metadata),
  });
  // Before the client's HELLO: no verdict was asked for.
  pumpAt(0, server, client);
  assertEquals(server.authenticated(allow), []);
  const asked = pumpAt(0, client, server);
  assertEquals(asked.map((event) => event.type), ["authenticate"]);
  assertEquals(server.state, "handshake");
  // The verdict asked for, then the same again.
  assertEquals(server.authenticated(allow), []);
  assertEquals(server.authenticated(allow), []);
  pumpAt(0, server, client);
  const ready = pumpAt(0, client, server);
  assertEquals(ready.map((event) => event.type), ["ready"]);
  pumpAt(0, server, client);
  assertEquals(server.authenticated({ ...allow, statusCode: 400 }), []);
  assertEquals([client.state, server.state], ["ready", "ready"]);
  // Nothing was queued for the client: no ERROR for the caller's mistake.
  assertEquals(server.takeOutput(0), []);

  // NULL asking ZAP: a second verdict after the first allowed changes
  // nothing either.
  const zapped = new codec.Connection({
    socketType: "PULL",
    now: 0,
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
  });
  const push = new codec.Connection({ socketType: "PUSH", now: 0 });
  const events = pumpAt(0, push, zapped);
  assertEquals(events.map((event) => event.type), ["authenticate"]);
  const readyEvents = zapped.authenticated(allow);
  assertEquals(readyEvents.map((event) => event.type), ["ready"]);
  assertEquals(zapped.authenticated({ ...allow, statusCode: 400 }), []);
  assertEquals(zapped.state, "ready");
});

Deno.test("encodeFrame and writeFrameHeader leave out flags other than MORE and COMMAND: LONG follows from the size", () => {
  const hi = new TextEncoder().encode("hi");
  const flags = codec.FLAG_MORE | codec.FLAG_LONG | 0x80;
  const frame = codec.encodeFrame(hi, flags);
  assertEquals(frame, new Uint8Array([codec.FLAG_MORE, 2, 104, 105]));
  const long = codec.encodeFrame(
    new Uint8Array(300),
    codec.FLAG_COMMAND | 0x10,
  );
  assertEquals(long[0], codec.FLAG_COMMAND | codec.FLAG_LONG);
  // What a decoder makes of them: the frames as meant.
  const decoded = new codec.FrameDecoder().decode(concat([frame, long]));
  assertEquals(decoded.map((f) => [f.flags, f.body.length]), [
    [codec.FLAG_MORE, 2],
    [codec.FLAG_COMMAND, 300],
  ]);
});

Deno.test("parseGreeting refuses a greeting that is not whole, where it returned no version", () => {
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  for (const length of [0, 11, 33, 63]) {
    assertThrows(
      () => codec.parseGreeting(greeting.subarray(0, length)),
      RangeError,
      `a greeting is 64 bytes; ${length} given`,
    );
  }
  // Not ZMTP 3 is said first, as soon as the first bytes show it.
  assertThrows(
    () => codec.parseGreeting(new Uint8Array([0x01, 0])),
    codec.ProtocolError,
    "does not speak ZMTP 3",
  );
  assertEquals(codec.parseGreeting(greeting).minor, 1);
});
