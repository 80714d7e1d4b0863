/**
 * PLAIN and CURVE as sans-I/O state machines: two codec connections talk
 * without sockets, so every step, and every forgery, is visible.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { concat } from "@std/bytes";
import * as codec from "../../codec/mod.ts";
import { CurveTraffic } from "../../codec/_curve_mechanism.ts";
import {
  CLIENT_MESSAGE_NONCE,
  MESSAGE_NAME,
  MESSAGE_OVERHEAD,
  MESSAGE_SHORT_NONCE_AT,
  nonce,
  SERVER_MESSAGE_NONCE,
} from "../../codec/_curve_box.ts";
import { sealFrame } from "../../codec/_secretbox.ts";
import { expectEvent } from "./_helpers.ts";
import { CLIENT, SERVER } from "../_keys.ts";

const text = new TextEncoder();
const ALLOW: codec.Verdict = {
  statusCode: 200,
  statusText: "",
  userId: "alice",
};

/** Moves everything between two connections until both are quiet. */
function converse(
  client: codec.Connection,
  server: codec.Connection,
  answer?: (credentials: codec.Credentials) => codec.Verdict,
): { client: codec.ConnectionEvent[]; server: codec.ConnectionEvent[] } {
  const events = {
    client: [] as codec.ConnectionEvent[],
    server: [] as codec.ConnectionEvent[],
  };
  for (let round = 0; round < 10; round++) {
    const toServer = client.takeOutput().flatMap((c) => server.receive(c));
    for (const event of toServer) {
      events.server.push(event);
      if (event.type === "authenticate" && answer) {
        events.server.push(...server.authenticated(answer(event.credentials)));
      }
    }
    events.client.push(
      ...server.takeOutput().flatMap((c) => client.receive(c)),
    );
  }
  return events;
}

/** A PLAIN client ("admin", "secret") and a PLAIN server. */
function plainPair() {
  const client = new codec.Connection({
    socketType: "PUSH",
    mechanism: (metadata) =>
      new codec.PlainClientMechanism(metadata, "admin", "secret"),
  });
  const server = new codec.Connection({
    socketType: "PULL",
    mechanism: (metadata) => new codec.PlainServerMechanism(metadata),
  });
  return { client, server };
}

function curvePair(serverKey = SERVER.publicKey) {
  const client = new codec.Connection({
    socketType: "REQ",
    mechanism: (metadata) =>
      new codec.CurveClientMechanism(metadata, { serverKey, ...CLIENT }),
  });
  const server = new codec.Connection({
    socketType: "REP",
    mechanism: (metadata) => new codec.CurveServerMechanism(metadata, SERVER),
  });
  return { client, server };
}

Deno.test("PLAIN: HELLO asks for a verdict; 200 completes, 400 sends ERROR", () => {
  for (const statusCode of [200, 400] as const) {
    const { client, server } = plainPair();
    let asked: codec.Credentials | undefined;
    const events = converse(client, server, (credentials) => {
      asked = credentials;
      return { statusCode, statusText: "", userId: "admin" };
    });
    assertEquals(asked?.mechanism, "PLAIN");
    assertEquals(asked?.credentials, [
      text.encode("admin"),
      text.encode("secret"),
    ]);
    if (statusCode === 200) {
      assertEquals([client.state, server.state], ["ready", "ready"]);
      const ready = expectEvent(events.server.at(-1), "ready");
      assertEquals(ready.peer.userId, "admin");
    } else {
      const refused = expectEvent(events.client.at(-1), "error");
      assertEquals(refused.error.kind, "auth");
      assertEquals(server.state, "failed");
    }
  }
});

Deno.test("PLAIN: the server zeroes the password in the HELLO it read once the credentials hold a copy of it", () => {
  const server = new codec.PlainServerMechanism(new codec.Metadata());
  const user = text.encode("admin");
  const password = text.encode("secret");
  // As it came: a view into the bytes read, which outlive the handshake.
  const read = concat([
    [0xaa],
    [user.length],
    user,
    [password.length],
    password,
    [0xbb],
  ]);
  const data = read.subarray(1, read.length - 1);
  const step = server.handle({ name: "HELLO", data });
  const credentials = step.authenticate?.credentials ?? [];
  assertEquals(credentials, [user, password]);
  assertEquals(
    read,
    concat([[0xaa, user.length], user, [password.length], new Uint8Array(6), [
      0xbb,
    ]]),
  );
});

Deno.test("PLAIN: a 300 verdict (try later) says nothing and ends nothing; the handshake's deadline ends it, as libzmq's mechanism waits", () => {
  const client = new codec.Connection({
    socketType: "PUSH",
    mechanism: (metadata) =>
      new codec.PlainClientMechanism(metadata, "admin", "secret"),
    now: 0,
  });
  const server = new codec.Connection({
    socketType: "PULL",
    mechanism: (metadata) => new codec.PlainServerMechanism(metadata),
    now: 0,
  });
  const events = converse(client, server, () => ({
    statusCode: 300,
    statusText: "busy",
    userId: "",
  }));
  // Told at once (as libzmq tells HANDSHAKE_FAILED_AUTH), not ended.
  assertEquals(events.server.map((event) => event.type), [
    "authenticate",
    "refused",
  ]);
  assertEquals(expectEvent(events.server[1], "refused").error.kind, "auth");
  assertEquals(events.client, []);
  assertEquals([server.state, client.state], ["handshake", "handshake"]);
  assertEquals(server.takeOutput(), []);
  // Until the handshake's deadline (30 s by default).
  assertEquals(server.deadline, 30_000);
  const [timedOut] = server.tick(30_000);
  assertEquals(expectEvent(timedOut, "error").error.kind, "timeout");
});

Deno.test("CURVE: the handshake ends with the client's key judged and frames sealed", () => {
  const { client, server } = curvePair();
  let key: Uint8Array | undefined;
  converse(client, server, (credentials) => {
    key = credentials.credentials[0];
    return ALLOW;
  });
  assertEquals([client.state, server.state], ["ready", "ready"]);
  assertEquals(codec.z85Encode(key!), CLIENT.publicKey);

  client.sendMessage([
    text.encode("secret words"),
    new Uint8Array(),
    text.encode("x".repeat(300)),
  ]);
  const wire = client.takeOutput();
  const bytes = new TextDecoder("latin1").decode(
    new Uint8Array(wire.flatMap((chunk) => [...chunk])),
  );
  assert(!bytes.includes("secret words"), "the wire shows no plaintext");
  const events = wire.flatMap((chunk) => server.receive(chunk));
  const message = expectEvent(events[0], "message");
  assertEquals(message.frames.map((f) => f.length), [12, 0, 300]);

  // Commands travel sealed too: a PING comes back as a sealed PONG.
  server.sendCommand(codec.encodePing(0, new Uint8Array([7])));
  assertEquals(server.takeOutput().flatMap((c) => client.receive(c)), []);
  assertEquals(client.takeOutput().flatMap((c) => server.receive(c)), []);
});

Deno.test("CURVE: a replayed MESSAGE, a flipped bit, a plain frame all end the connection", async (t) => {
  for (const attack of ["replay", "tamper", "plain"] as const) {
    await t.step(attack, () => {
      const { client, server } = curvePair();
      converse(client, server, () => ALLOW);
      client.sendMessage([text.encode("first")]);
      const first = client.takeOutput();
      assertEquals(first.flatMap((c) => server.receive(c)).length, 1);
      let attackBytes: Uint8Array[];
      if (attack === "replay") {
        attackBytes = first;
      } else if (attack === "tamper") {
        client.sendMessage([text.encode("second")]);
        attackBytes = client.takeOutput().map((chunk) => chunk.slice());
        const last = attackBytes.at(-1)!;
        last[last.length - 3] ^= 0x01;
      } else {
        // A frame that skipped sealing: [flags 0, size 5, "hello"].
        attackBytes = [new Uint8Array([0, 5, ...text.encode("hello")])];
      }
      const events = attackBytes.flatMap((chunk) => server.receive(chunk));
      const error = expectEvent(events[0], "error");
      assertEquals(events.length, 1, "nothing delivered");
      assertEquals(error.error.kind, attack === "tamper" ? "auth" : "protocol");
      assertEquals(server.state, "failed");
    });
  }
});

Deno.test("CURVE: the wrong server key fails at the server's HELLO; a refused client gets ERROR", () => {
  const wrong = curvePair(CLIENT.publicKey);
  const events = converse(wrong.client, wrong.server, () => ALLOW);
  const failed = expectEvent(events.server.at(-1), "error");
  assertEquals(failed.error.kind, "auth");
  assert(failed.error.message.includes("wrong server key"));

  const refused = curvePair();
  const result = converse(refused.client, refused.server, () => ({
    statusCode: 400,
    statusText: "not on the list",
    userId: "",
  }));
  const error = expectEvent(result.client.at(-1), "error");
  assertEquals([error.error.kind, error.error.message], [
    "auth",
    "the server refused us: 400",
  ]);
});

Deno.test("CURVE: malformed handshake commands are protocol errors", () => {
  const server = new codec.Connection({
    socketType: "REP",
    mechanism: (metadata) => new codec.CurveServerMechanism(metadata, SERVER),
  });
  const greeting = codec.encodeGreeting({
    mechanism: "CURVE",
    asServer: false,
  });
  server.receive(greeting);
  const shortHello = codec.encodeCommand("HELLO", new Uint8Array(100));
  const events = server.receive(
    new Uint8Array([0x04, shortHello.length, ...shortHello]),
  );
  const error = expectEvent(events[0], "error");
  assertEquals([error.error.kind, error.error.message], [
    "protocol",
    "malformed CURVE HELLO",
  ]);
});

Deno.test("CURVE: a side whose nonces ran out refuses to seal rather than repeat one", () => {
  // Its traffic state is the mechanism's own (no protected field to set):
  // the shared half, as a connection's mechanism holds it once ready.
  const traffic = new CurveTraffic(CLIENT_MESSAGE_NONCE, SERVER_MESSAGE_NONCE);
  traffic.key = new Uint8Array(32).fill(7);
  const frame = { more: false, command: false, body: text.encode("one") };
  const sealed = traffic.seal(frame);
  assertEquals(sealed.length, MESSAGE_OVERHEAD + 3);
  traffic.nonce = Number.MAX_SAFE_INTEGER;
  const error = assertThrows(() => traffic.seal(frame), codec.ProtocolError);
  // A limit of ours: the connection is made again, with fresh keys.
  assertEquals(error.kind, "local");
});

Deno.test("CURVE: a peer's short nonces are ordered exactly up to 2^64 - 1, as libzmq's 64-bit counters (RFC 26 fixes no start): neighbours past 2^53 are told apart, a repeat is still refused", () => {
  const key = new Uint8Array(32).fill(7);
  const server = new CurveTraffic(SERVER_MESSAGE_NONCE, CLIENT_MESSAGE_NONCE);
  server.key = key;
  // A client whose counter is where ours never goes: sealed by hand.
  const sealedAt = (high: number, low: number, body: string) => {
    const short = new Uint8Array(8);
    new DataView(short.buffer).setUint32(0, high);
    new DataView(short.buffer).setUint32(4, low);
    const bytes = text.encode(body);
    const message = new Uint8Array(MESSAGE_OVERHEAD + bytes.length);
    sealFrame(key, nonce(CLIENT_MESSAGE_NONCE, short), 0, bytes, message);
    message.set(MESSAGE_NAME);
    message.set(short, MESSAGE_SHORT_NONCE_AT);
    return message;
  };
  const read = (high: number, low: number, body: string) =>
    new TextDecoder().decode(server.open(sealedAt(high, low, body)).body);
  assertEquals(read(0x20_0000, 0, "2^53"), "2^53");
  assertEquals(read(0x20_0000, 1, "2^53 + 1"), "2^53 + 1");
  assertEquals(read(0x8000_0000, 0, "2^63"), "2^63");
  assertEquals(read(0x8000_0000, 1, "2^63 + 1"), "2^63 + 1");
  assertEquals(read(0xffff_ffff, 0xffff_fffe, "2^64 - 2"), "2^64 - 2");
  assertEquals(read(0xffff_ffff, 0xffff_ffff, "2^64 - 1"), "2^64 - 1");
  const repeated = assertThrows(
    () => read(0xffff_ffff, 0xffff_ffff, "again"),
    codec.ProtocolError,
  );
  assertEquals(
    repeated.message,
    "a CURVE MESSAGE reused or reordered its nonce (18446744073709551615 after 18446744073709551615)",
  );
  const fresh = new CurveTraffic(SERVER_MESSAGE_NONCE, CLIENT_MESSAGE_NONCE);
  fresh.key = key;
  fresh.peerNonce.record(new Uint8Array([0, 0x20, 0, 0, 0, 0, 0, 1]));
  assertThrows(
    () => fresh.open(sealedAt(0x20_0000, 0, "backwards")),
    codec.ProtocolError,
    "(9007199254740992 after 9007199254740993)",
  );
});

Deno.test("CURVE: an INITIATE that reuses the HELLO's short nonce, and a server MESSAGE that reuses the READY's, are refused as replays before any box is opened", () => {
  /** `bytes` with the 8-byte short nonce after `name` (and `skip` bytes) set to 1. */
  const withNonceOne = (bytes: Uint8Array, name: string, skip: number) => {
    const copy = bytes.slice();
    const marker = text.encode(name);
    let at = 0;
    while (!marker.every((byte, i) => copy[at + i] === byte)) at++;
    const nonceAt = at + marker.length + skip;
    copy.fill(0, nonceAt, nonceAt + 8);
    copy[nonceAt + 7] = 1;
    return copy;
  };
  // The client's HELLO went under short nonce 1: its INITIATE (after the
  // cookie) made to go under 1 again.
  const first = curvePair();
  const hello = concat(first.client.takeOutput());
  first.server.receive(hello);
  first.client.receive(concat(first.server.takeOutput()));
  const initiate = concat(first.client.takeOutput());
  const events = first.server.receive(
    withNonceOne(initiate, "\x08INITIATE", 96),
  );
  const error = expectEvent(events[0], "error");
  assertEquals([error.error.kind, error.error.message], [
    "protocol",
    "the CURVE INITIATE reused its nonce",
  ]);

  // The server's READY went under 1: a MESSAGE made to go under 1 again.
  const second = curvePair();
  converse(second.client, second.server, () => ALLOW);
  second.server.sendMessage([text.encode("reply")]);
  const message = concat(second.server.takeOutput());
  const replayed = second.client.receive(
    withNonceOne(message, "\x07MESSAGE", 0),
  );
  const refused = expectEvent(replayed[0], "error");
  assertEquals([refused.error.kind, refused.error.message], [
    "protocol",
    "a CURVE MESSAGE reused or reordered its nonce (1 after 1)",
  ]);
});

Deno.test("CURVE over ZMTP: the client's HELLO leaves with its greeting; a server key that is no usable point still fails as the connection's error", () => {
  const { client, server } = curvePair();
  const first = client.takeOutput();
  assert(first[0].length > codec.GREETING_SIZE, "HELLO after the greeting");
  const [hello] = new codec.FrameDecoder().decode(
    first[0].subarray(codec.GREETING_SIZE),
  );
  assertEquals(codec.parseCommand(hello.body).name, "HELLO");
  // Handshake done as before, HELLO having come with the greeting.
  const toServer = first.flatMap((chunk) => server.receive(chunk));
  assertEquals(toServer, []);
  const events = converse(client, server, () => ALLOW);
  const ready = (list: codec.ConnectionEvent[]) =>
    expectEvent(list.find((event) => event.type === "ready"), "ready");
  assertEquals(ready(events.client).peer.socketType, "REP");
  assertEquals(ready(events.server).peer.socketType, "REQ");

  // All zeros is a point of small order: no shared key comes of it. The
  // connection is made, sends its greeting alone, and fails on the peer's.
  const unusable = curvePair(codec.z85Encode(new Uint8Array(32)));
  const greetingOnly = unusable.client.takeOutput();
  assertEquals(greetingOnly.length, 1);
  assertEquals(greetingOnly[0].length, codec.GREETING_SIZE);
  const failed = unusable.server.takeOutput().flatMap((chunk) =>
    unusable.client.receive(chunk)
  );
  const error = expectEvent(failed.at(-1), "error").error;
  assertEquals(error.kind, "auth");
});

Deno.test("CURVE: a WELCOME before our HELLO is a protocol error, not a crash", () => {
  const client = new codec.CurveClientMechanism(new codec.Metadata(), {
    serverKey: SERVER.publicKey,
    ...CLIENT,
  });
  // WELCOME's size: a 16-byte nonce, then a box: a 16-byte tag, the
  // server's short-term key (32) and the cookie (96).
  const welcome = { name: "WELCOME", data: new Uint8Array(16 + 16 + 128) };
  const error = assertThrows(
    () => client.handle(welcome),
    codec.ProtocolError,
    "before our HELLO",
  );
  assertEquals(error.kind, "protocol");
});

Deno.test("PLAIN: a client refuses a WELCOME that carries data, as libzmq's (a WELCOME is its name alone)", () => {
  const client = new codec.PlainClientMechanism(
    new codec.Metadata(),
    "admin",
    "secret",
  );
  client.start();
  assertThrows(
    () => client.handle({ name: "WELCOME", data: new Uint8Array(18) }),
    codec.ProtocolError,
    "malformed PLAIN WELCOME",
  );
  const again = new codec.PlainClientMechanism(
    new codec.Metadata(),
    "admin",
    "secret",
  );
  again.start();
  assertEquals(
    again.handle({ name: "WELCOME", data: new Uint8Array() }).send.length,
    1,
  );
});

Deno.test("CURVE and PLAIN servers refuse a client of the wrong socket type before a verdict or a READY (libzmq's CURVE server checks at INITIATE)", () => {
  const curveClient = new codec.Connection({
    socketType: "PUSH",
    mechanism: (metadata) =>
      new codec.CurveClientMechanism(metadata, {
        serverKey: SERVER.publicKey,
        ...CLIENT,
      }),
  });
  const { server: curveServer } = curvePair();
  const { client: plainClient } = plainPair();
  const plainServer = new codec.Connection({
    socketType: "REP",
    mechanism: (metadata) => new codec.PlainServerMechanism(metadata),
  });
  for (
    const [client, server, judged] of [
      [curveClient, curveServer, 0],
      [plainClient, plainServer, 1],
    ] as const
  ) {
    const events = converse(client, server, () => ALLOW);
    const asked = events.server.filter((e) => e.type === "authenticate");
    // PLAIN's verdict is asked at HELLO, before the properties come.
    assertEquals(asked.length, judged);
    const refused = expectEvent(events.server.at(-1), "error");
    assertEquals(refused.error.kind, "incompatible");
    // The client reads the server's ERROR, not a READY it refuses itself.
    const ended = expectEvent(events.client.at(-1), "error");
    assert(
      ended.error.message.includes("Invalid socket type"),
      ended.error.message,
    );
  }
});

Deno.test("a NULL server that asks for verdicts refuses a client of the wrong socket type at its READY, over ZMTP and ZWS: not asked again, not held by a 300 until the deadline", () => {
  for (const framing of ["zmtp", "zws"] as const) {
    const connect = (socketType: codec.SocketType, asServer: boolean) => {
      const options = {
        socketType,
        mechanism: asServer
          ? (metadata: codec.Metadata) =>
            new codec.NullMechanism(metadata, { authenticate: true })
          : undefined,
      };
      return framing === "zmtp"
        ? new codec.Connection(options)
        : new codec.WebSocketConnection({
          ...options,
          role: asServer ? "server" : "client",
          path: "/",
          host: "x",
        });
    };
    const client = connect("PUSH", false);
    const server = connect("REP", true);
    const events: codec.ConnectionEvent[] = [];
    for (let round = 0; round < 4; round++) {
      events.push(
        ...client.takeOutput().flatMap((chunk) => server.receive(chunk)),
      );
      server.takeOutput().forEach((chunk) => client.receive(chunk));
    }
    // The verdict is asked before the READY, as libzmq's: at the greeting
    // over ZMTP, at the first output over ZWS.
    assertEquals(events.map((event) => event.type), [
      "authenticate",
      "error",
    ], framing);
    assertEquals(
      expectEvent(events.at(-1), "error").error.kind,
      "incompatible",
      framing,
    );
  }
});

Deno.test("ZWS2.0 without a mechanism asks for no verdict, whatever its mechanism would, as libzmq's ws engine has none to ask", () => {
  const connection = new codec.Connection({
    socketType: "PULL",
    framing: "zws",
    noMechanism: true,
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
  });
  connection.takeOutput(0);
  const events = [
    ...connection.tick(0),
    ...connection.receive(new Uint8Array([0, 0]), 0),
  ];
  assertEquals(events.map((event) => event.type), ["ready"]);
});

Deno.test("a NULL server that asks for verdicts makes the client ready once, on a 200 only, whether the verdict comes before or after the client's READY (a 300 then a READY leaves it waiting, refused)", () => {
  for (const statusCode of [200, 300, 400] as const) {
    for (const readyFirst of [true, false]) {
      const client = new codec.Connection({ socketType: "PUSH" });
      const server = new codec.Connection({
        socketType: "PULL",
        mechanism: (metadata) =>
          new codec.NullMechanism(metadata, { authenticate: true }),
      });
      const bytes = concat(client.takeOutput());
      const types: string[] = [];
      const tell = (events: codec.ConnectionEvent[]) => {
        for (const event of events) {
          types.push(event.type);
          if (event.type === "ready") assertEquals(event.peer.userId, "bob");
        }
      };
      tell(server.receive(bytes.subarray(0, codec.GREETING_SIZE)));
      const verdict = { statusCode, statusText: "", userId: "bob" };
      const ready = () => server.receive(bytes.subarray(codec.GREETING_SIZE));
      const judge = () => server.authenticated(verdict);
      if (readyFirst) tell([...ready(), ...judge()]);
      else tell([...judge(), ...ready()]);
      const expected = {
        200: [["authenticate", "ready"], "ready"],
        300: [["authenticate", "refused"], "handshake"],
        400: [["authenticate", "error"], "failed"],
      }[statusCode];
      const order = `${statusCode}, READY ${readyFirst ? "first" : "last"}`;
      assertEquals([types, server.state], expected, order);
      // One verdict a handshake: a second (a 200 after a 300) is the
      // caller's, ignored; the refused peer still waits for the deadline.
      if (statusCode === 300) {
        assertEquals(server.authenticated({ ...verdict, statusCode: 200 }), []);
        assertEquals(server.state, "handshake");
      }
    }
  }
});
