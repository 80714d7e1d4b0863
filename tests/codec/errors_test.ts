/**
 * Every error the codec throws is a ZmqError with a code a caller can
 * match on.
 */
import { assertEquals, assertThrows } from "@std/assert";
import * as codec from "../../codec/mod.ts";

const text = new TextEncoder();

Deno.test("errors: sending before ready or after failing is EFSM", () => {
  const connection = new codec.Connection({ socketType: "PUSH" });
  const sends = [
    () => connection.sendMessage([text.encode("early")]),
    () => connection.sendSubscribe(text.encode("a")),
    () => connection.sendCancel(text.encode("a")),
    () => connection.sendCommand(codec.encodePing(0, new Uint8Array())),
  ];
  for (const send of sends) {
    const error = assertThrows(send, codec.ZmqError, 'wait for its "ready"');
    assertEquals(error.code, "EFSM");
  }
  connection.receive(new Uint8Array([0x05]));
  assertEquals(connection.state, "failed");
  const error = assertThrows(sends[0], codec.ZmqError, "close it");
  assertEquals(error.code, "EFSM");
});

Deno.test("errors: PLAIN credentials over 255 bytes are EINVAL", () => {
  const metadata = new codec.Metadata([["Socket-Type", "REQ"]]);
  for (
    const [user, password] of [["u".repeat(256), ""], ["", "é".repeat(128)]]
  ) {
    const error = assertThrows(
      () => new codec.PlainClientMechanism(metadata, user, password),
      codec.ZmqError,
    );
    assertEquals(error.code, "EINVAL");
  }
  new codec.PlainClientMechanism(metadata, "u".repeat(255), "p".repeat(255));
});

Deno.test("errors: a metadata name empty or over 255 bytes is EINVAL", () => {
  for (const name of ["", "n".repeat(256)]) {
    const error = assertThrows(
      () => codec.encodeMetadata(new codec.Metadata([[name, "v"]])),
      codec.ZmqError,
    );
    assertEquals(error.code, "EINVAL");
  }
});

Deno.test("errors: a CURVE key of the wrong size is EINVAL", () => {
  const error = assertThrows(
    () => codec.toCurveKey(new Uint8Array(31), "server key"),
    codec.ZmqError,
    "server key",
  );
  assertEquals(error.code, "EINVAL");
});
