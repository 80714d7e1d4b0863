/**
 * The raw connection of STREAM sockets: ready without a handshake, each
 * chunk one message, each message written as its bytes.
 */
import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { concat } from "@std/bytes";
import * as codec from "../../codec/mod.ts";
import { expectEvent } from "./_helpers.ts";

const text = new TextEncoder();

Deno.test("raw: due at once, ready at the first tick with a STREAM peer, then never due", () => {
  const raw = new codec.RawConnection({ now: 1234 });
  assertEquals(raw.state, "greeting");
  assertEquals(raw.deadline, 1234);
  assertEquals(raw.takeOutput(), []);
  const [ready] = raw.tick(1234);
  const { peer } = expectEvent(ready, "ready");
  assertEquals(peer.socketType, "STREAM");
  assertEquals(peer.minor, 0);
  assertEquals([...peer.metadata], []);
  assertEquals(raw.state, "ready");
  assertEquals(raw.deadline, undefined);
  assertEquals(raw.tick(99_999), []);
  assertEquals(raw.mechanism, "NULL");
});

Deno.test("raw: bytes before the first tick make it ready, then a message", () => {
  const raw = new codec.RawConnection();
  const events = raw.receive(text.encode("early"));
  assertEquals(events.map((event) => event.type), ["ready", "message"]);
  assertEquals(raw.tick(0), []);
});

Deno.test("raw: each chunk is one message whose frame is the chunk itself", () => {
  const raw = new codec.RawConnection();
  raw.tick(0);
  const buffer = text.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const first = buffer.subarray(0, 5);
  const [event] = raw.receive(first);
  const { frames } = expectEvent(event, "message");
  assertEquals(frames.length, 1);
  assertStrictEquals(frames[0], first);
  // A chunk of 300 bytes or of one byte: a message each, whatever TCP gave.
  const big = new Uint8Array(300).fill(7);
  assertEquals(expectEvent(raw.receive(big)[0], "message").frames, [big]);
  assertEquals(raw.receive(new Uint8Array(0)), []);
  assertEquals(raw.partialFrameSize, 0);
  assertEquals(raw.directReadTarget(), undefined);
});

Deno.test("raw: a message goes out as its frames' bytes, unframed; small ones coalesced", () => {
  const raw = new codec.RawConnection();
  raw.tick(0);
  raw.sendMessage([text.encode("HTTP/1.1 200 OK\r\n"), text.encode("\r\n")]);
  raw.sendMessage([new Uint8Array(0)]);
  raw.sendMessage([text.encode("body")]);
  assertEquals(raw.pendingOutputBytes, 23);
  const chunks = raw.takeOutput();
  assertEquals(chunks.length, 1);
  assertEquals(
    new TextDecoder().decode(chunks[0]),
    "HTTP/1.1 200 OK\r\n\r\nbody",
  );
  assertEquals(raw.pendingOutputBytes, 0);
  assertEquals(raw.takeOutput(), []);
});

Deno.test("raw: a large frame goes out by reference, in order with small ones", () => {
  const raw = new codec.RawConnection();
  raw.tick(0);
  const large = new Uint8Array(100_000).fill(1);
  raw.sendMessage([text.encode("head")]);
  raw.sendMessage([large]);
  raw.sendMessage([text.encode("tail")]);
  const chunks = raw.takeOutput();
  assertEquals(chunks.length, 3);
  assertStrictEquals(chunks[1], large);
  assertEquals(concat(chunks).length, 100_008);
});

Deno.test("raw: sending before ready is EFSM; subscriptions and verdicts are ignored", () => {
  const raw = new codec.RawConnection();
  const error = assertThrows(
    () => raw.sendMessage([text.encode("x")]),
    codec.ZmqError,
  );
  assertEquals(error.code, "EFSM");
  raw.tick(0);
  raw.sendSubscribe(text.encode("topic"));
  raw.sendCancel(text.encode("topic"));
  assertEquals(
    raw.authenticated({ statusCode: 200, statusText: "OK", userId: "" }),
    [],
  );
  assertEquals(raw.pendingOutputBytes, 0);
});
