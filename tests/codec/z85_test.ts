import { assert, assertEquals, assertThrows } from "@std/assert";
import * as codec from "../../codec/mod.ts";
import { ZmqError } from "../../codec/errors.ts";
import { SERVER } from "../_keys.ts";

const SERVER_PUBLIC = SERVER.publicKey;
const SERVER_SECRET = SERVER.secretKey;

Deno.test("Z85: RFC 32's test vector, both ways", () => {
  const bytes = new Uint8Array([
    0x86,
    0x4f,
    0xd2,
    0x6f,
    0xb5,
    0x59,
    0xf7,
    0x5b,
  ]);
  assertEquals(codec.z85Encode(bytes), "HelloWorld");
  assertEquals(codec.z85Decode("HelloWorld"), bytes);
});

Deno.test("Z85: every byte value survives a round trip", () => {
  const bytes = new Uint8Array(256).map((_, i) => i);
  assertEquals(codec.z85Decode(codec.z85Encode(bytes)), bytes);
  assertEquals(codec.z85Encode(new Uint8Array(4).fill(255)), "%nSc0");
});

Deno.test("Z85: bad input is refused with EINVAL", () => {
  for (
    const attempt of [
      () => codec.z85Encode(new Uint8Array(3)),
      () => codec.z85Decode("Hello" + "W"),
      () => codec.z85Decode('Hell"'),
      () => codec.z85Decode("Hellé"),
      () => codec.z85Decode("%nSc1"), // 2^32, one too many
    ]
  ) {
    const error = assertThrows(attempt, ZmqError);
    assertEquals(error.code, "EINVAL");
  }
});

Deno.test("CURVE keys: pairs, public from secret, Z85 or 32 bytes", () => {
  const pair = codec.curveKeyPair();
  assertEquals([pair.publicKey.length, pair.secretKey.length], [40, 40]);
  assertEquals(codec.curvePublicKey(pair.secretKey), pair.publicKey);
  assertEquals(codec.curvePublicKey(SERVER_SECRET), SERVER_PUBLIC);
  const raw = codec.z85Decode(SERVER_SECRET);
  assertEquals(codec.curvePublicKey(raw), SERVER_PUBLIC);
  assertEquals(codec.toCurveKey(SERVER_PUBLIC, "key").length, 32);
  for (const bad of ["short", new Uint8Array(31)]) {
    const error = assertThrows(
      () => codec.toCurveKey(bad, "server key"),
      ZmqError,
    );
    assert(error.message.includes("server key"));
  }
});
