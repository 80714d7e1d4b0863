import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import * as codec from "../../codec/mod.ts";
import { concat } from "@std/bytes";
import { expectEvent } from "./_helpers.ts";
import {
  MAX_MESSAGE_FRAMES,
  MessageAssembler,
} from "../../codec/_message_assembler.ts";
import { ProtocolError } from "../../codec/errors.ts";

const text = new TextEncoder();
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

function pump(
  from: codec.Connection,
  to: codec.Connection,
): codec.ConnectionEvent[] {
  return from.takeOutput().flatMap((chunk) => to.receive(chunk));
}

function handshake(
  a: codec.Connection,
  b: codec.Connection,
): codec.ConnectionEvent[] {
  return [...pump(a, b), ...pump(b, a), ...pump(a, b), ...pump(b, a)];
}

Deno.test("greeting: 64 bytes, version 3.1, NULL, byte-exact", () => {
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const expected = new Uint8Array(64);
  expected.set([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 1, ...ascii("NULL")]);
  assertEquals(greeting, expected);
  assertEquals(codec.parseGreeting(greeting), {
    major: 3,
    minor: 1,
    mechanism: "NULL",
    asServer: false,
  });
});

Deno.test("greeting: ZMTP 1.0 and 2.0 peers are refused with kind version", () => {
  const one = assertThrows(
    () => codec.checkGreetingPrefix(new Uint8Array([0x05])),
    codec.ProtocolError,
  );
  assertEquals(one.kind, "version");
  const two = new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1]);
  assertThrows(
    () => codec.checkGreetingPrefix(two),
    codec.ProtocolError,
    "2.0",
  );
  // libzmq puts its identity length in the padding: still ZMTP 3.
  codec.checkGreetingPrefix(
    new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3]),
  );
});

Deno.test("READY: RFC 23's worked example for a DEALER, byte-exact, in the greeting's write", () => {
  const connection = new codec.Connection({ socketType: "DEALER" });
  const first = concat(connection.takeOutput());
  const ready = first.subarray(codec.GREETING_SIZE);
  assertEquals(
    first.subarray(0, codec.GREETING_SIZE),
    codec.encodeGreeting({ mechanism: "NULL", asServer: false }),
  );
  assertEquals(
    ready,
    new Uint8Array([
      0x04,
      41,
      5,
      ...ascii("READY"),
      11,
      ...ascii("Socket-Type"),
      0,
      0,
      0,
      6,
      ...ascii("DEALER"),
      8,
      ...ascii("Identity"),
      0,
      0,
      0,
      0,
    ]),
  );
});

Deno.test("greeting and READY: encoded once for all connections, yet what one connection's caller does to its output reaches no other", () => {
  const wire = (connection: codec.Connection) => {
    const greeting = connection.takeOutput();
    connection.receive(
      codec.encodeGreeting({ mechanism: "NULL", asServer: false }),
    );
    return [...greeting, ...connection.takeOutput()];
  };
  const first = wire(new codec.Connection({ socketType: "DEALER" }));
  const expected = concat(first.map((chunk) => chunk.slice()));
  for (const chunk of first) chunk.fill(0xee);
  const second = concat(wire(new codec.Connection({ socketType: "DEALER" })));
  assertEquals(second, expected);
  assertEquals(second.length, 64 + 43, "the greeting, then READY");
});

Deno.test("NULL: READY leaves with the greeting, before the peer's; a ZAP verdict still keeps it back", () => {
  const dealer = new codec.Connection({ socketType: "DEALER" });
  const router = new codec.Connection({ socketType: "ROUTER" });
  // Each side's first output is its greeting and its READY: one write.
  const fromDealer = dealer.takeOutput();
  const fromRouter = router.takeOutput();
  assert(concat(fromDealer).length > codec.GREETING_SIZE);
  assert(concat(fromRouter).length > codec.GREETING_SIZE);
  // Nothing more to send once the peer's greeting comes: READY went.
  const dealerEvents = fromRouter.flatMap((chunk) => dealer.receive(chunk));
  assertEquals(concat(dealer.takeOutput()).length, 0);
  const routerEvents = fromDealer.flatMap((chunk) => router.receive(chunk));
  assertEquals(concat(router.takeOutput()).length, 0);
  assertEquals(expectEvent(dealerEvents[0], "ready").peer.socketType, "ROUTER");
  assertEquals(expectEvent(routerEvents[0], "ready").peer.socketType, "DEALER");

  // A server that asks ZAP first sends only its greeting, and READY once
  // the verdict allows the peer.
  const checked = new codec.Connection({
    socketType: "ROUTER",
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
  });
  assertEquals(concat(checked.takeOutput()).length, codec.GREETING_SIZE);
  const client = new codec.Connection({ socketType: "DEALER" });
  const events = client.takeOutput().flatMap((chunk) => checked.receive(chunk));
  assertEquals(events.map((event) => event.type), ["authenticate"]);
  assertEquals(concat(checked.takeOutput()).length, 0);
  checked.authenticated({ statusCode: 200, statusText: "", userId: "" });
  const [afterVerdict] = new codec.FrameDecoder().decode(
    concat(checked.takeOutput()),
  );
  assertEquals(codec.parseCommand(afterVerdict.body).name, "READY");
});

Deno.test("NULL with ZAP asks for its verdict once the peer's greeting is in, before its READY, as libzmq does; READY and verdict in either order", () => {
  const server = () =>
    new codec.Connection({
      socketType: "ROUTER",
      mechanism: (metadata) =>
        new codec.NullMechanism(metadata, { authenticate: true }),
    });
  const client = () => new codec.Connection({ socketType: "DEALER" });
  const allow: codec.Verdict = { statusCode: 200, statusText: "", userId: "" };
  const commands = (connection: codec.Connection) =>
    new codec.FrameDecoder().decode(concat(connection.takeOutput())).map((
      frame,
    ) => codec.parseCommand(frame.body).name);
  const split = (connection: codec.Connection) => {
    const bytes = concat(connection.takeOutput());
    return [
      bytes.subarray(0, codec.GREETING_SIZE),
      bytes.subarray(codec.GREETING_SIZE),
    ];
  };

  // The verdict first: asked at the greeting, our READY on it, ready at theirs.
  let checked = server();
  checked.takeOutput();
  let [greeting, ready] = split(client());
  assertEquals(checked.receive(greeting).map((e) => e.type), ["authenticate"]);
  assertEquals(checked.authenticated(allow), []);
  assertEquals(commands(checked), ["READY"]);
  const events = checked.receive(ready);
  assertEquals(expectEvent(events[0], "ready").peer.socketType, "DEALER");
  assertEquals(checked.state, "ready");

  // Their READY first: still asked once, at the greeting; ready at the verdict.
  checked = server();
  checked.takeOutput();
  [greeting, ready] = split(client());
  assertEquals(checked.receive(greeting).map((e) => e.type), ["authenticate"]);
  assertEquals(checked.receive(ready), []);
  assertEquals(
    checked.authenticated(allow).map((e) => e.type),
    ["ready"],
  );
  assertEquals(commands(checked), ["READY"]);

  // Refused before their READY: ERROR with the status code, then failed.
  checked = server();
  checked.takeOutput();
  [greeting] = split(client());
  checked.receive(greeting);
  const refused = checked.authenticated({ ...allow, statusCode: 400 });
  assertEquals(expectEvent(refused[0], "error").error.kind, "auth");
  assertEquals(commands(checked), ["ERROR"]);
  assertEquals(checked.state, "failed");

  // The mechanism alone: a second verdict is refused.
  const mechanism = new codec.NullMechanism(
    new codec.Metadata([["Socket-Type", "ROUTER"]]),
    { authenticate: true },
  );
  assertEquals(mechanism.authenticateNow(), {
    mechanism: "NULL",
    credentials: [],
  });
  assertEquals(mechanism.authenticateNow(), undefined);
  mechanism.authenticated(allow);
  assertThrows(() => mechanism.authenticated(allow), codec.ProtocolError);
});

Deno.test("greetingInSteps: the signature and version once the peer's signature is in, the rest once its version is, as libzmq greets; READY once the peer's READY comes (or the handshake's time passes, from a peer whose signature came alone)", () => {
  const dealer = new codec.Connection({
    socketType: "DEALER",
    greetingInSteps: true,
  });
  const ours = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const theirs = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const theirReady = codec.encodeFrame(
    codec.encodeReady(
      new codec.Metadata([["Socket-Type", text.encode("ROUTER")]]),
    ),
    codec.FLAG_COMMAND,
  );
  const sent = () => concat(dealer.takeOutput());
  const commands = (bytes: Uint8Array) =>
    new codec.FrameDecoder().decode(bytes).map((frame) =>
      codec.parseCommand(frame.body).name
    );
  /** A stepped DEALER past what it sends before hearing anything. */
  const stepped = (handshakeInterval?: number) => {
    const connection = new codec.Connection({
      socketType: "DEALER",
      greetingInSteps: true,
      handshakeInterval,
    });
    connection.takeOutput();
    return connection;
  };
  /** One that then has the peer's greeting in two reads, split at `at`. */
  const greeted = (at: number, handshakeInterval?: number) => {
    const connection = stepped(handshakeInterval);
    connection.receive(theirs.subarray(0, at), 0);
    connection.receive(theirs.subarray(at), 0);
    return connection;
  };
  // Nothing until the peer's signature is in: a libzmq server sends its
  // version only once it has ours, so its signature comes alone.
  assertEquals(sent().length, 0);
  assertEquals(dealer.receive(theirs.subarray(0, 9), 0), []);
  assertEquals(sent().length, 0);
  dealer.receive(theirs.subarray(9, 10), 0);
  assertEquals(sent(), ours.subarray(0, 11));
  // The rest once the peer's rest is in (libzmq's follows our version), so
  // that a libzmq server reads ours apart from our version.
  dealer.receive(theirs.subarray(10, 11), 0);
  dealer.receive(theirs.subarray(11, 63), 0);
  assertEquals(sent().length, 0);
  // A greeting in pieces is a libzmq peer's: our READY waits for its READY,
  // which it sends once it has read our greeting, so that it reads ours
  // apart from our rest.
  dealer.receive(theirs.subarray(63), 0);
  assertEquals(sent(), ours.subarray(11));
  assertEquals(dealer.deadline, 30_000);
  const events = dealer.receive(theirReady, 1);
  assertEquals(commands(sent()), ["READY"]);
  assertEquals(events.map((event) => event.type), ["ready"]);

  // A libzmq server's READY waits for its ZAP verdict, and one that is 300
  // (try later) takes a READY that comes after it for a protocol error:
  // ours waits for the peer's READY all the handshake's time (30 s with
  // none), and goes then only to a peer with no limit on it.
  const waited = greeted(10, 0);
  assertEquals(concat(waited.takeOutput()), ours);
  assertEquals(waited.tick(29_999), []);
  assertEquals(concat(waited.takeOutput()).length, 0);
  waited.tick(30_000);
  assertEquals(commands(concat(waited.takeOutput())), ["READY"]);

  // A peer whose signature and version come at once is not of libzmq's
  // kind: Kzmq's server does so, and waits for our READY, which goes after
  // 20 ms; a hold never outlasts the handshake's time, at whose end nothing
  // more goes (an application writes out what is left after an error).
  const kzmq = greeted(11);
  kzmq.takeOutput();
  kzmq.tick(20);
  assertEquals(commands(concat(kzmq.takeOutput())), ["READY"]);
  const late = greeted(10, 100);
  late.takeOutput();
  assertEquals(late.tick(100).map((event) => event.type), ["error"]);
  assertEquals(concat(late.takeOutput()).length, 0);

  // A handshake shorter than 80 ms holds each for a quarter of it (here
  // the READY to a peer whose signature and version came at once).
  const brief = stepped(10);
  brief.receive(theirs.subarray(0, 11), 0);
  assertEquals(brief.deadline, 2.5);
  brief.tick(2.5);
  brief.receive(theirs.subarray(11), 3);
  assertEquals(brief.deadline, 5.5);

  // Our rest goes once 20 ms have passed, to a peer that waits for it.
  const stalled = stepped();
  stalled.receive(theirs.subarray(0, 11), 0);
  stalled.takeOutput();
  stalled.tick(20);
  assertEquals(concat(stalled.takeOutput()), ours.subarray(11));

  // Our signature goes after 20 ms to a peer that says nothing first.
  const mute = new codec.Connection({
    socketType: "DEALER",
    greetingInSteps: true,
  });
  // Its clock starts at the first time given (no `now` in its options).
  assertEquals(mute.deadline, undefined);
  assertEquals(mute.takeOutput(0), []);
  assertEquals(mute.deadline, 20);
  mute.tick(20);
  assertEquals(concat(mute.takeOutput()), ours.subarray(0, 10));
  // On a link slower than that, a libzmq server's signature still comes
  // alone (its version waits for ours), and our READY waits for its READY.
  mute.receive(theirs.subarray(0, 10), 30);
  mute.receive(theirs.subarray(10), 50);
  assertEquals(concat(mute.takeOutput()), ours.subarray(10));
  assertEquals(mute.deadline, 30_000);

  // A peer whose whole greeting comes at once (ours) has our rest and
  // READY at once; a peer of another mechanism, our whole greeting, then
  // the refusal, as libzmq tells it.
  const router = new codec.Connection({ socketType: "ROUTER" });
  const client = new codec.Connection({
    socketType: "DEALER",
    greetingInSteps: true,
  });
  assertEquals(handshake(client, router).map((event) => event.type), [
    "ready",
    "ready",
  ]);
  const plain = new codec.Connection({
    socketType: "DEALER",
    greetingInSteps: true,
    mechanism: (metadata) => new codec.PlainClientMechanism(metadata, "u", "p"),
  });
  plain.takeOutput();
  const refused = plain.receive(theirs);
  assertEquals(expectEvent(refused[0], "error").error.kind, "mechanism");
  assertEquals(
    concat(plain.takeOutput()),
    codec.encodeGreeting({ mechanism: "PLAIN", asServer: false }),
  );
});

Deno.test("READY: the RFC's ROUTER reply (no Identity) is accepted", () => {
  const dealer = new codec.Connection({ socketType: "DEALER" });
  dealer.receive(codec.encodeGreeting({ mechanism: "NULL", asServer: false }));
  const events = dealer.receive(
    new Uint8Array([
      0x04,
      28,
      5,
      ...ascii("READY"),
      11,
      ...ascii("Socket-Type"),
      0,
      0,
      0,
      6,
      ...ascii("ROUTER"),
    ]),
  );
  assertEquals(events.length, 1);
  const ready = expectEvent(events[0], "ready");
  assertEquals(ready.peer.socketType, "ROUTER");
  assertEquals(ready.peer.routingId, undefined);
});

Deno.test("metadata: names are case-insensitive and unknown ones kept", () => {
  const bytes = codec.encodeMetadata(
    new codec.Metadata([["socket-TYPE", "PUB"], ["X-Custom", "42"]]),
  );
  const metadata = codec.parseMetadata(bytes);
  assertEquals(metadata.getString("Socket-Type"), "PUB");
  assertEquals(metadata.getString("x-custom"), "42");
  assertEquals([...metadata].map(([name]) => name), [
    "socket-TYPE",
    "X-Custom",
  ]);
  assertThrows(
    () => codec.parseMetadata(new Uint8Array([3, 65, 66])),
    codec.ProtocolError,
  );
});

Deno.test("metadata: parsed values view a copy, not the buffer the bytes came in (a peer's metadata outlives its read buffer)", () => {
  const encoded = codec.encodeMetadata(
    new codec.Metadata([["Socket-Type", "DEALER"], ["Identity", "abc"]]),
  );
  const readBuffer = new Uint8Array(8192);
  readBuffer.set(encoded, 100);
  const metadata = codec.parseMetadata(
    readBuffer.subarray(100, 100 + encoded.length),
  );
  for (const [, value] of metadata) {
    assert(value.buffer !== readBuffer.buffer, "a view into the read buffer");
    assert(value.buffer.byteLength <= encoded.length, "more than its bytes");
  }
  readBuffer.fill(0);
  assertEquals(metadata.getString("identity"), "abc");
});

Deno.test("metadata: names and values beyond ASCII are UTF-8, on the wire and back, like commands' names", () => {
  const value = "Zürich – 東京";
  const bytes = codec.encodeMetadata(
    new codec.Metadata([["Größe", value], ["Socket-Type", "PUB"]]),
  );
  const name = new TextEncoder().encode("Größe");
  assertEquals(bytes[0], name.length, "the name's length in bytes");
  assertEquals(bytes.subarray(1, 1 + name.length), name);
  const metadata = codec.parseMetadata(bytes);
  assertEquals([...metadata].map(([each]) => each), ["Größe", "Socket-Type"]);
  assertEquals(metadata.getString("größe"), value);
  assertEquals(metadata.get("GRÖSSE"), undefined, "no Unicode case folding");
  assertEquals(
    metadata.get("Größe"),
    new TextEncoder().encode(value),
  );
  // Malformed UTF-8 reads as U+FFFD, as TextDecoder gives it.
  const odd = codec.parseMetadata(new Uint8Array([1, 0xff, 0, 0, 0, 1, 0xfe]));
  assertEquals([...odd].map(([each]) => each), ["\ufffd"]);
  assertEquals(odd.getString("\ufffd"), "\ufffd");
  const command = codec.parseCommand(
    codec.encodeCommand("Größe", new TextEncoder().encode(value)),
  );
  assertEquals(command.name, "Größe");
});

Deno.test("connection: NULL handshake then multipart messages both ways", () => {
  const client = new codec.Connection({
    socketType: "REQ",
    routingId: text.encode("me"),
  });
  const server = new codec.Connection({ socketType: "REP" });
  const events = handshake(client, server);
  assertEquals(events.map((e) => e.type), ["ready", "ready"]);
  const serverReady = expectEvent(
    events.find((e) => e.type === "ready" && e.peer.socketType === "REQ"),
    "ready",
  );
  assertEquals(serverReady.peer.routingId, text.encode("me"));
  const message = [
    new Uint8Array(),
    new Uint8Array(300).fill(1),
    text.encode("x"),
  ];
  client.sendMessage(message);
  const received = pump(client, server);
  assertEquals(received, [{ type: "message", frames: message }]);
});

Deno.test("connection: every prefix of a valid stream decodes the same", () => {
  const client = new codec.Connection({ socketType: "PUSH" });
  const server = new codec.Connection({ socketType: "PULL" });
  handshake(client, server);
  const fresh = new codec.Connection({ socketType: "PULL" });
  fresh.takeOutput();
  // Rebuild the client's full stream: greeting, READY, then messages.
  const sender = new codec.Connection({ socketType: "PUSH" });
  const head = concat(sender.takeOutput());
  sender.receive(
    concat(
      fresh.takeOutput().length
        ? []
        : [codec.encodeGreeting({ mechanism: "NULL", asServer: false })],
    ),
  );
  sender.receive(
    codec.encodeFrame(
      codec.encodeReady(new codec.Metadata([["Socket-Type", "PULL"]])),
      codec.FLAG_COMMAND,
    ),
  );
  sender.sendMessage([text.encode("one")]);
  sender.sendMessage([new Uint8Array(), new Uint8Array(1024).fill(3)]);
  const stream = concat([head, ...sender.takeOutput()]);
  for (let split = 0; split <= stream.length; split++) {
    const receiver = new codec.Connection({ socketType: "PULL" });
    const events = [
      ...receiver.receive(stream.slice(0, split)),
      ...receiver.receive(stream.slice(split)),
    ];
    assertEquals(
      events.map((e) => e.type),
      ["ready", "message", "message"],
      `split ${split}`,
    );
  }
});

Deno.test("connection: PING is answered with a PONG echoing its context", () => {
  const a = new codec.Connection({ socketType: "PAIR" });
  const b = new codec.Connection({ socketType: "PAIR" });
  handshake(a, b);
  a.sendCommand(codec.encodePing(0, text.encode("ctx")));
  assertEquals(pump(a, b), []);
  const [pong] = b.takeOutput();
  const [frame] = new codec.FrameDecoder().decode(pong);
  assertEquals(frame.flags, codec.FLAG_COMMAND);
  assertEquals(codec.parseCommand(frame.body), {
    name: "PONG",
    data: text.encode("ctx"),
  });
});

Deno.test("connection: a flood of PINGs from a peer that never reads is owed one PONG, not one each, as libzmq's", () => {
  const a = new codec.Connection({ socketType: "PAIR" });
  const b = new codec.Connection({ socketType: "PAIR" });
  handshake(a, b);
  for (let i = 0; i < 10_000; i++) {
    a.sendCommand(codec.encodePing(0, text.encode(`ctx${i}`)));
  }
  const flood = concat(a.takeOutput());
  assertEquals(b.receive(flood), []);
  // Nothing taken meanwhile (the link's write waits on the peer): one PONG.
  const [pong] = b.takeOutput();
  const frames = new codec.FrameDecoder().decode(pong);
  assertEquals(frames.length, 1);
  assertEquals(codec.parseCommand(frames[0].body), {
    name: "PONG",
    data: text.encode("ctx0"),
  });
  // Once taken, the next PING is answered again, and a message still goes.
  a.sendCommand(codec.encodePing(0, text.encode("again")));
  b.sendMessage([text.encode("hello")]);
  assertEquals(pump(a, b), []);
  const after = new codec.FrameDecoder().decode(concat(b.takeOutput()));
  assertEquals(after.map((frame) => frame.flags), [0, codec.FLAG_COMMAND]);
  assertEquals(codec.parseCommand(after[1].body).name, "PONG");
});

Deno.test("connection: a PING with over 16 bytes of context is answered with its first 16, as libzmq's", () => {
  const a = new codec.Connection({ socketType: "PAIR" });
  const b = new codec.Connection({ socketType: "PAIR" });
  handshake(a, b);
  // Built by hand: encodePing refuses a context this long.
  a.sendCommand(
    codec.encodeCommand(
      "PING",
      Uint8Array.of(0, 0, ...text.encode("x".repeat(20))),
    ),
  );
  assertEquals(pump(a, b), []);
  const [pong] = b.takeOutput();
  const [frame] = new codec.FrameDecoder().decode(pong);
  assertEquals(codec.parseCommand(frame.body), {
    name: "PONG",
    data: text.encode("x".repeat(16)),
  });
});

Deno.test("connection: subscriptions as 3.1 commands and 3.0 messages", () => {
  const pub = new codec.Connection({ socketType: "PUB" });
  const sub = new codec.Connection({ socketType: "SUB" });
  handshake(pub, sub);
  sub.sendSubscribe(text.encode("weather"));
  sub.sendCancel(text.encode("weather"));
  const events = pump(sub, pub);
  assertEquals(events, [
    { type: "subscribe", topic: text.encode("weather") },
    { type: "cancel", topic: text.encode("weather") },
  ]);
  // A 3.0-style 0x01 message means the same to a PUB.
  assertEquals(pub.receive(codec.encodeFrame(new Uint8Array([1, 65]), 0)), [
    { type: "subscribe", topic: new Uint8Array([65]) },
  ]);
});

Deno.test("connection: a DISH joins and leaves groups with libzmq's JOIN and LEAVE", () => {
  const radio = new codec.Connection({ socketType: "RADIO" });
  const dish = new codec.Connection({ socketType: "DISH" });
  handshake(radio, dish);
  dish.sendSubscribe(text.encode("movies"));
  const [join] = dish.takeOutput().map((chunk) => chunk.slice());
  // A command frame: flags 0x04, size 11, "\x04JOIN" then the group.
  assertEquals(join, new Uint8Array([4, 11, 4, ...ascii("JOINmovies")]));
  radio.receive(join);
  dish.sendCancel(text.encode("movies"));
  assertEquals(pump(dish, radio), [
    { type: "cancel", topic: text.encode("movies") },
  ]);
  assertEquals(
    radio.receive(
      codec.encodeFrame(
        codec.encodeCommand("JOIN", text.encode("tv")),
        codec.FLAG_COMMAND,
      ),
    ),
    [{ type: "subscribe", topic: text.encode("tv") }],
  );
});

Deno.test("connection: a JOIN of a group over 255 bytes fails; one to a non-RADIO is ignored, as libzmq's", () => {
  const radio = new codec.Connection({ socketType: "RADIO" });
  const dish = new codec.Connection({ socketType: "DISH" });
  handshake(radio, dish);
  const [tooLong] = radio.receive(
    codec.encodeFrame(
      codec.encodeCommand("JOIN", new Uint8Array(256).fill(65)),
      codec.FLAG_COMMAND,
    ),
  );
  assert(
    tooLong.type === "error" && tooLong.error.kind === "protocol" &&
      tooLong.error.message.includes("255 bytes"),
  );

  const pub = new codec.Connection({ socketType: "PUB" });
  const sub = new codec.Connection({ socketType: "SUB" });
  handshake(pub, sub);
  const ignored = pub.receive(
    codec.encodeFrame(
      codec.encodeCommand("JOIN", text.encode("a")),
      codec.FLAG_COMMAND,
    ),
  );
  assertEquals([ignored, pub.state], [[], "ready"]);
});

Deno.test("connection: to a ZMTP 3.0 peer, subscriptions go as messages", () => {
  const sub = new codec.Connection({ socketType: "SUB" });
  const greeting30 = codec.encodeGreeting({
    mechanism: "NULL",
    asServer: false,
  });
  greeting30[11] = 0;
  sub.receive(greeting30);
  sub.receive(
    codec.encodeFrame(
      codec.encodeReady(new codec.Metadata([["Socket-Type", "PUB"]])),
      codec.FLAG_COMMAND,
    ),
  );
  sub.takeOutput();
  sub.sendSubscribe(text.encode("A"));
  assertEquals(concat(sub.takeOutput()), new Uint8Array([0, 2, 1, 65]));
});

Deno.test("connection: incompatible socket types send ERROR and fail", () => {
  const req = new codec.Connection({ socketType: "REQ" });
  const pub = new codec.Connection({ socketType: "PUB" });
  const events = handshake(req, pub);
  const errors = events.filter((e) => e.type === "error");
  assertEquals(errors.length, 2);
  assert(errors[0].type === "error");
  assert(["incompatible", "peer"].includes(errors[0].error.kind));
  assertEquals(req.state, "failed");
});

Deno.test("connection: mechanism mismatch, message before READY; an unknown command is ignored", () => {
  const plainGreeting = codec.encodeGreeting({
    mechanism: "PLAIN",
    asServer: true,
  });
  const a = new codec.Connection({ socketType: "PAIR" });
  const [mismatch] = a.receive(plainGreeting);
  assert(mismatch.type === "error" && mismatch.error.kind === "mechanism");

  const b = new codec.Connection({ socketType: "PAIR" });
  b.receive(codec.encodeGreeting({ mechanism: "NULL", asServer: false }));
  const [early] = b.receive(codec.encodeFrame(text.encode("hi"), 0));
  assert(early.type === "error" && early.error.kind === "protocol");

  const c = new codec.Connection({ socketType: "PAIR" });
  const d = new codec.Connection({ socketType: "PAIR" });
  handshake(c, d);
  const [unknown] = c.receive(
    codec.encodeFrame(
      codec.encodeCommand("BOGUS", new Uint8Array()),
      codec.FLAG_COMMAND,
    ),
  );
  assertEquals(unknown, undefined);
  assertEquals(c.receive(codec.encodeFrame(text.encode("late"), 0)), [
    { type: "message", frames: [text.encode("late")] },
  ]);
});

Deno.test("connection: as libzmq's engine: a mechanism name with bytes after its padding matches none, a READY without Socket-Type is taken (an empty one is not), an ERROR after the handshake is ignored", () => {
  // Bytes after the padding, within the field or at its last byte (31).
  for (const [at, bytes] of [[17, "XY"], [31, "Z"]] as const) {
    const greeting = codec.encodeGreeting({
      mechanism: "NULL",
      asServer: false,
    });
    greeting.set(ascii(bytes), at); // "NULL\0XY\0…", "NULL\0…\0Z"
    const [mismatch] = new codec.Connection({ socketType: "PAIR" }).receive(
      greeting,
    );
    assert(mismatch.type === "error" && mismatch.error.kind === "mechanism");
  }

  const plain = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const ready = (properties: [string, string][]) =>
    codec.encodeFrame(
      codec.encodeReady(new codec.Metadata(properties)),
      codec.FLAG_COMMAND,
    );
  const unnamed = new codec.Connection({ socketType: "PAIR" });
  unnamed.receive(plain);
  const [taken] = unnamed.receive(ready([["X-Note", "no type"]]));
  assertEquals(expectEvent(taken, "ready").peer.socketType, "");
  const empty = new codec.Connection({ socketType: "PAIR" });
  empty.receive(plain);
  const [refused] = empty.receive(ready([["Socket-Type", ""]]));
  assertEquals(expectEvent(refused, "error").error.kind, "incompatible");

  const error = codec.encodeFrame(
    codec.encodeError("500"),
    codec.FLAG_COMMAND,
  );
  assertEquals(unnamed.receive(error), []);
  assertEquals(unnamed.receive(codec.encodeFrame(text.encode("m"), 0)), [
    { type: "message", frames: [text.encode("m")] },
  ]);
});

Deno.test("connection: every Socket-Type a peer names is checked, as libzmq's: an incompatible second one is refused, a compatible repeat taken", () => {
  const ready = (...types: string[]) =>
    codec.encodeFrame(
      codec.encodeReady(
        new codec.Metadata(types.map((type) => ["Socket-Type", type])),
      ),
      codec.FLAG_COMMAND,
    );
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const pull = new codec.Connection({ socketType: "PULL" });
  pull.receive(greeting);
  const [refused] = pull.receive(ready("PUSH", "REQ"));
  const error = expectEvent(refused, "error").error;
  assertEquals([error.kind, pull.state], ["incompatible", "failed"]);
  assert(error.message.includes("REQ"), error.message);

  const again = new codec.Connection({ socketType: "PULL" });
  again.receive(greeting);
  const [taken] = again.receive(ready("PUSH", "PUSH"));
  assertEquals(expectEvent(taken, "ready").peer.socketType, "PUSH");
});

Deno.test("connection: a peer naming Identity twice has the last as its routing id, as libzmq's parse_metadata sets it at each", () => {
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const ready = (...ids: string[]) =>
    codec.encodeFrame(
      codec.encodeReady(
        new codec.Metadata([
          ["Socket-Type", "DEALER"],
          ...ids.map((id): [string, string] => ["Identity", id]),
        ]),
      ),
      codec.FLAG_COMMAND,
    );
  const routingId = (...ids: string[]) => {
    const router = new codec.Connection({ socketType: "ROUTER" });
    router.receive(greeting);
    const [event] = router.receive(ready(...ids));
    const id = expectEvent(event, "ready").peer.routingId;
    return id && new TextDecoder().decode(id);
  };
  assertEquals(routingId("first", "last"), "last");
  assertEquals(routingId("first", ""), undefined);
  assertEquals(routingId("only"), "only");
});

Deno.test("connection: the routing id a peer announces is the connection's own copy: writing in it changes nothing of the metadata like peers share", () => {
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const ready = codec.encodeFrame(
    codec.encodeReady(
      new codec.Metadata([["Socket-Type", "DEALER"], ["Identity", "peer"]]),
    ),
    codec.FLAG_COMMAND,
  );
  const peers = [0, 1].map(() => {
    const router = new codec.Connection({ socketType: "ROUTER" });
    router.receive(greeting);
    return expectEvent(router.receive(ready.slice())[0], "ready").peer;
  });
  // Like READYs parse to one metadata object, whose bytes both peers share.
  assertStrictEquals(peers[0].metadata, peers[1].metadata);
  peers[0].routingId!.fill(0x41);
  const text = new TextDecoder();
  assertEquals(text.decode(peers[1].routingId), "peer");
  assertEquals(peers[1].metadata.getString("Identity"), "peer");
});

Deno.test("connection: a codec call it cannot encode is EINVAL: a message of no frames, a command name of 0 or 256 bytes, a PING's TTL past 16 bits or context past 16 bytes", () => {
  const a = new codec.Connection({ socketType: "PAIR" });
  handshake(a, new codec.Connection({ socketType: "PAIR" }));
  const einval = (call: () => unknown) =>
    assertEquals(
      (assertThrows(call, codec.ZmqError) as codec.ZmqError).code,
      "EINVAL",
    );
  einval(() => a.sendMessage([]));
  // Still usable.
  a.takeOutput();
  a.sendMessage([text.encode("ok")]);
  assertEquals(concat(a.takeOutput()), new Uint8Array([0, 2, 111, 107]));
  einval(() => codec.encodeCommand("", new Uint8Array()));
  einval(() => codec.encodeCommand("N".repeat(256), new Uint8Array()));
  assertEquals(codec.encodeCommand("N".repeat(255), new Uint8Array())[0], 255);
  einval(() => codec.encodePing(0x10000, new Uint8Array()));
  einval(() => codec.encodePing(-1, new Uint8Array()));
  einval(() => codec.encodePing(1.5, new Uint8Array()));
  einval(() => codec.encodePing(0, new Uint8Array(17)));
  assertEquals(codec.encodePing(0xffff, new Uint8Array(16)).length, 23);
});

/**
 * A mechanism with NULL's handshake that seals a frame by putting its flags
 * before it, until `refuses` says no more (as CURVE does once its nonces are
 * used up); sealing into the output too with `into`.
 */
function refusingSealer(
  refuses: () => boolean,
  into: boolean,
): (metadata: codec.Metadata) => codec.Mechanism {
  const flags = (frame: codec.SealedFrame) =>
    (frame.more ? 1 : 0) | (frame.command ? 2 : 0);
  const check = () => {
    if (refuses()) throw new codec.ProtocolError("protocol", "no nonce left");
  };
  return (metadata) => {
    const handshake = new codec.NullMechanism(metadata);
    return {
      name: "NULL",
      asServer: false,
      startsWithGreeting: true,
      start: () => handshake.start(),
      handle: (command) => handshake.handle(command),
      overhead: 1,
      seal: (frame) => {
        check();
        return new Uint8Array([flags(frame), ...frame.body]);
      },
      sealInto: into
        ? (frame, target) => {
          check();
          target[0] = flags(frame);
          target.set(frame.body, 1);
        }
        : undefined,
      open: (body) => ({
        more: (body[0] & 1) !== 0,
        command: (body[0] & 2) !== 0,
        body: body.subarray(1),
      }),
    };
  };
}

Deno.test("connection: a frame its mechanism cannot seal ends the connection, and nothing it queued goes out, half-sealed or not", () => {
  let sealable = Infinity;
  const sealing = refusingSealer(() => sealable-- <= 0, true);
  const client = new codec.Connection({
    socketType: "PUSH",
    reuseOutput: true,
    mechanism: sealing,
  });
  const server = new codec.Connection({
    socketType: "PULL",
    mechanism: sealing,
  });
  handshake(client, server);
  assertEquals([client.state, server.state], ["ready", "ready"]);
  client.sendMessage([text.encode("kept")]);
  sealable = 1;
  const error = assertThrows(
    () => client.sendMessage([text.encode("first"), text.encode("second")]),
    codec.ProtocolError,
  );
  assertEquals(error.message, "no nonce left");
  assertEquals(client.state, "failed");
  assertEquals(client.takeOutput(), []);
  assertThrows(() => client.sendMessage([text.encode("x")]), codec.ZmqError);
  // Until it refuses, the mechanism carries messages whole.
  const peer = new codec.Connection({ socketType: "PUSH", mechanism: sealing });
  const other = new codec.Connection({
    socketType: "PULL",
    mechanism: sealing,
  });
  sealable = Infinity;
  handshake(peer, other);
  peer.sendMessage([text.encode("one"), text.encode("two")]);
  const [event] = pump(peer, other);
  assertEquals(
    expectEvent(event, "message").frames.map((f) =>
      new TextDecoder().decode(f)
    ),
    ["one", "two"],
  );
});

Deno.test("connection: a heartbeat or a PONG its mechanism cannot seal ends the connection with an error event, and frees no buffer a write may still hold", () => {
  // With `seal` only: nothing is reserved in the output before it refuses.
  let sealable = Infinity;
  const sealing = refusingSealer(() => sealable-- <= 0, false);
  const pair = (heartbeatInterval?: number) => {
    const a = new codec.Connection({
      socketType: "PAIR",
      reuseOutput: true,
      mechanism: sealing,
      heartbeatInterval,
      now: 0,
    });
    const b = new codec.Connection({ socketType: "PAIR", mechanism: sealing });
    handshake(a, b);
    assertEquals([a.state, b.state], ["ready", "ready"]);
    return [a, b];
  };

  // The heartbeat's PING: an error event from `tick`, which does not throw.
  const [beating] = pair(100);
  sealable = 0;
  const [timedOut] = beating.tick(100);
  assertEquals(expectEvent(timedOut, "error").error.message, "no nonce left");
  assertEquals(beating.state, "failed");
  assertEquals(beating.takeOutput(), []);

  // A PONG, while a write of what was taken before is under way.
  sealable = Infinity;
  const [writer, peer] = pair();
  writer.sendMessage([new Uint8Array(100).fill(0xaa)]);
  const [writing] = writer.takeOutput();
  const before = writing.slice();
  peer.sendCommand(codec.encodePing(0, new Uint8Array()));
  sealable = 0;
  const [refused] = pump(peer, writer);
  assertEquals(expectEvent(refused, "error").error.message, "no nonce left");
  // Nothing to write; and until its write ends, the link takes nothing.
  assertEquals(writer.pendingOutputBytes, 0);
  // Another connection's output does not get the buffer being written.
  sealable = Infinity;
  const [other] = pair();
  other.sendMessage([new Uint8Array(100).fill(0xee)]);
  other.takeOutput();
  assertEquals(writing, before);
});

Deno.test("connection: maxMessageSize bounds each frame, as libzmq's: a multipart message of frames within it passes", () => {
  const a = new codec.Connection({ socketType: "PULL", maxMessageSize: 10 });
  const b = new codec.Connection({ socketType: "PUSH" });
  handshake(a, b);
  b.sendMessage([new Uint8Array(6), new Uint8Array(10)]);
  assertEquals(pump(b, a), [{
    type: "message",
    frames: [new Uint8Array(6), new Uint8Array(10)],
  }]);
  b.sendMessage([new Uint8Array(6), new Uint8Array(11)]);
  const events = pump(b, a);
  assertEquals(events.length, 1);
  assert(events[0].type === "error");
});

Deno.test("connection: the handshake deadline comes from the injected clock", () => {
  const a = new codec.Connection({
    socketType: "PAIR",
    now: 1000,
    handshakeInterval: 500,
  });
  assertEquals(a.deadline, 1500);
  assertEquals(a.tick(1499), []);
  const [timeout] = a.tick(1500);
  assert(timeout.type === "error" && timeout.error.kind === "timeout");
  assertEquals(a.deadline, undefined);
});

Deno.test("heartbeats: PINGs on the injected clock, any traffic is life, silence times out", () => {
  const a = new codec.Connection({
    socketType: "PAIR",
    now: 0,
    heartbeatInterval: 100,
    heartbeatTimeout: 50,
    heartbeatTimeToLive: 3000,
  });
  const b = new codec.Connection({ socketType: "PAIR", now: 0 });
  handshake(a, b);
  assertEquals(a.deadline, 100);
  assertEquals(a.tick(99), []);
  assertEquals(a.tick(100), []);
  const [ping] = new codec.FrameDecoder().decode(concat(a.takeOutput()));
  assertEquals(codec.parseCommand(ping.body), {
    name: "PING",
    data: new Uint8Array([0, 30]),
  });
  assertEquals(a.deadline, 150); // the PING's timeout comes before the next PING
  // The PONG (any traffic) arrives in time: no timeout, next PING at 200.
  b.receive(codec.encodeFrame(ping.body, codec.FLAG_COMMAND));
  a.receive(concat(b.takeOutput()), 120);
  assertEquals(a.deadline, 200);
  assertEquals(a.tick(200), []);
  a.takeOutput();
  // Now the peer stays silent.
  assertEquals(a.deadline, 250);
  const [timeout] = a.tick(250);
  assertEquals(expectEvent(timeout, "error").error.kind, "timeout");
});

Deno.test("heartbeats: a peer's PING TTL drops it when it falls silent", () => {
  const a = new codec.Connection({ socketType: "PAIR", now: 0 });
  const b = new codec.Connection({ socketType: "PAIR", now: 0 });
  handshake(a, b);
  a.receive(
    codec.encodeFrame(
      codec.encodePing(5, new Uint8Array()),
      codec.FLAG_COMMAND,
    ),
    1000,
  );
  assertEquals(a.deadline, 1500);
  assertEquals(a.tick(1499), []);
  assertEquals(expectEvent(a.tick(1500)[0], "error").error.kind, "timeout");
});

Deno.test("connection: a NULL peer's ERROR with a ZAP status is an auth failure, as libzmq reports it", () => {
  const kinds = ["400", "300", "500", "refused"].map((reason) => {
    const client = new codec.Connection({ socketType: "PUSH" });
    client.receive(codec.encodeGreeting({ mechanism: "NULL", asServer: true }));
    const [ended] = client.receive(
      codec.encodeFrame(codec.encodeError(reason), codec.FLAG_COMMAND),
    );
    return ended.type === "error" ? ended.error.kind : ended.type;
  });
  assertEquals(kinds, ["auth", "auth", "auth", "peer"]);
});

Deno.test("connection: a SUBSCRIBE over maxMessageSize ends the connection, as libzmq holds every frame to it (a peer's topics are kept: memory)", () => {
  const pub = new codec.Connection({ socketType: "PUB", maxMessageSize: 100 });
  const sub = new codec.Connection({ socketType: "SUB" });
  handshake(pub, sub);
  // The frame is 1 + "SUBSCRIBE" (or "CANCEL") + the topic: 90 bytes of
  // topic make a SUBSCRIBE of 100.
  sub.sendSubscribe(new Uint8Array(90));
  sub.sendCancel(new Uint8Array(93));
  assertEquals(pump(sub, pub).map((event) => event.type), [
    "subscribe",
    "cancel",
  ]);
  sub.sendSubscribe(new Uint8Array(91));
  const [ended] = pump(sub, pub);
  assertEquals(expectEvent(ended, "error").error.kind, "protocol");
  assertEquals(pub.state, "failed");
});

Deno.test("a message may have 2^20 frames, not one more; the next message is whole", () => {
  const assembler = new MessageAssembler(-1);
  const frame = new Uint8Array(0);
  for (let i = 1; i < MAX_MESSAGE_FRAMES; i++) {
    assertEquals(assembler.add(frame, true), undefined);
  }
  assertEquals(assembler.add(frame, false)?.length, MAX_MESSAGE_FRAMES);
  for (let i = 1; i < MAX_MESSAGE_FRAMES; i++) assembler.add(frame, true);
  const error = assertThrows(() => assembler.add(frame, true), ProtocolError);
  assertEquals(error.kind, "protocol");
  assertEquals(
    error.message,
    `the peer sent a message of more than ${MAX_MESSAGE_FRAMES} frames`,
  );
  assertEquals(assembler.add(frame, false), [frame], "nothing kept of it");
});
