/**
 * The named CURVE wire sizes add up to RFC 26's, and the handshake sends
 * exactly them.
 */
import { assertEquals } from "@std/assert";
import * as codec from "../../codec/mod.ts";
import {
  COOKIE_SIZE,
  HELLO_DATA_SIZE,
  HELLO_SIZE,
  INITIATE_MIN_DATA_SIZE,
  INITIATE_MIN_SIZE,
  MESSAGE_OVERHEAD,
  READY_MIN_DATA_SIZE,
  READY_MIN_SIZE,
  WELCOME_DATA_SIZE,
  WELCOME_SIZE,
} from "../../codec/_curve_box.ts";
import { CLIENT, SERVER } from "../_keys.ts";

Deno.test("CURVE layout: the sizes of RFC 26", () => {
  assertEquals(
    [HELLO_SIZE, WELCOME_SIZE, INITIATE_MIN_SIZE, READY_MIN_SIZE, COOKIE_SIZE],
    [200, 168, 257, 30, 96],
  );
  assertEquals(
    [
      HELLO_DATA_SIZE,
      WELCOME_DATA_SIZE,
      INITIATE_MIN_DATA_SIZE,
      READY_MIN_DATA_SIZE,
    ],
    [194, 160, 248, 24],
  );
  assertEquals(MESSAGE_OVERHEAD, 33);
});

Deno.test("CURVE layout: the handshake's commands have those sizes", () => {
  const empty = new codec.Metadata([]);
  const client = new codec.CurveClientMechanism(empty, {
    serverKey: SERVER.publicKey,
    ...CLIENT,
  });
  const server = new codec.CurveServerMechanism(empty, SERVER);
  const [hello] = client.start();
  assertEquals(hello.length, HELLO_SIZE);
  const [welcome] = server.handle(codec.parseCommand(hello)).send;
  assertEquals(welcome.length, WELCOME_SIZE);
  const [initiate] = client.handle(codec.parseCommand(welcome)).send;
  assertEquals(initiate.length, INITIATE_MIN_SIZE);
  server.handle(codec.parseCommand(initiate));
  const [ready] = server.authenticated({
    statusCode: 200,
    statusText: "",
    userId: "",
  }).send;
  assertEquals(ready.length, READY_MIN_SIZE);
  const step = client.handle(codec.parseCommand(ready));
  assertEquals([...step.peerMetadata!], []);
  const body = new Uint8Array([1, 2, 3]);
  const sealed = client.seal({ more: false, command: false, body });
  assertEquals(sealed.length, body.length + MESSAGE_OVERHEAD);
  assertEquals(server.open(sealed), { more: false, command: false, body });
});
