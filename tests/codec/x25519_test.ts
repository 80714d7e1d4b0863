/**
 * Our X25519 and crypto_box_beforenm (codec/_nacl.ts, from
 * codec/_wasm/x25519.c) give RFC 7748's test vectors and exactly what
 * libsodium gives, refuse the points libsodium refuses, reduce to canonical
 * bytes, stay within the module's stack, and leave no secret in it.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import * as ours from "../../codec/_nacl.ts";
import {
  cryptoHeap,
  cryptoModule,
  STACK_BYTES,
} from "../../codec/_crypto_module.ts";
import * as sodium from "../_libsodium.ts";

const hex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes && Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text: string): Uint8Array =>
  new Uint8Array(text.match(/../g)!.map((pair) => parseInt(pair, 16)));
/** A number as 32 little-endian bytes (mod 2^256). */
function littleEndian(n: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) bytes[i] = Number(n & 255n);
  return bytes;
}
const random = (): Uint8Array => crypto.getRandomValues(new Uint8Array(32));
const P = (1n << 255n) - 19n;

Deno.test("x25519: RFC 7748 5.2's two vectors", () => {
  assertEquals(
    hex(ours.x25519(
      unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
      unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
    )),
    "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
  );
  assertEquals(
    hex(ours.x25519(
      unhex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
      unhex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
    )),
    "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
  );
});

Deno.test("x25519: RFC 7748 5.2's iterations, 1 and 1,000", () => {
  let k = littleEndian(9n);
  let u = littleEndian(9n);
  for (let i = 1; i <= 1000; i++) {
    const next = ours.x25519(k, u)!;
    u = k;
    k = next;
    if (i === 1) {
      assertEquals(
        hex(k),
        "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
      );
    }
  }
  assertEquals(
    hex(k),
    "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
  );
});

Deno.test("x25519: RFC 7748 6.1's Diffie-Hellman", () => {
  const alice = unhex(
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  );
  const bob = unhex(
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
  );
  const alicePublic = ours.publicKeyOf(alice);
  const bobPublic = ours.publicKeyOf(bob);
  assertEquals(
    hex(alicePublic),
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  );
  assertEquals(
    hex(bobPublic),
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  );
  const shared =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  assertEquals(hex(ours.x25519(alice, bobPublic)), shared);
  assertEquals(hex(ours.x25519(bob, alicePublic)), shared);
});

Deno.test("x25519: public keys and beforenm as libsodium's, for random keys", () => {
  for (let i = 0; i < 300; i++) {
    const secret = random();
    assertEquals(
      hex(ours.publicKeyOf(secret)),
      hex(sodium.scalarmultBase(secret)),
    );
    // Any 32 bytes as the peer's key: the top bit set half the time.
    const peer = random();
    assertEquals(
      hex(ours.precompute(peer, secret)),
      hex(sodium.beforenm(peer, secret)),
    );
  }
  const pair = ours.generateKeyPair();
  assertEquals(hex(sodium.scalarmultBase(pair.secretKey)), hex(pair.publicKey));
  assert(hex(pair.secretKey) !== hex(ours.generateKeyPair().secretKey));
});

Deno.test("x25519: edge u-coordinates are reduced, and small orders refused, as libsodium does", () => {
  const points = [
    0n,
    1n,
    2n,
    9n,
    P - 1n, // small order
    P, // 0, not reduced
    P + 1n, // 1, not reduced
    P + 9n,
    (1n << 255n) - 1n,
    (1n << 256n) - 1n, // the top bit, which is ignored
    // Points of order 8.
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  ];
  let refused = 0;
  for (const n of points) {
    const secret = random();
    const point = littleEndian(n);
    const want = sodium.beforenm(point, secret);
    assertEquals(hex(ours.precompute(point, secret)), hex(want), `u = ${n}`);
    if (!want) {
      refused++;
      assertEquals(ours.x25519(secret, point), undefined);
      assertEquals(ours.sharesKey(point, secret), false);
    }
  }
  assertEquals(refused, 7);
});

Deno.test("x25519: keys of the wrong length", () => {
  assertThrows(() => ours.publicKeyOf(new Uint8Array(31)), TypeError);
  assertThrows(() => ours.x25519(random(), new Uint8Array(33)), TypeError);
  // A peer's malformed command: no key, not an exception.
  assertEquals(ours.precompute(new Uint8Array(31), random()), undefined);
  assertEquals(ours.precompute(random(), new Uint8Array(0)), undefined);
});

Deno.test("x25519: a field element reduces to its canonical bytes, from p up too", () => {
  // Outputs of p or more come once in 2^250 ladders: the reduction alone.
  const io = cryptoModule.x25519_io();
  const cases = [
    [0n, 0n],
    [1n, 1n],
    [P - 1n, P - 1n],
    [P, 0n],
    [P + 1n, 1n],
    [P + 18n, 18n],
    [(1n << 255n) - 1n, 18n],
    [(1n << 256n) - 1n, 18n], // the top bit, ignored
  ];
  for (const [u, reduced] of cases) {
    cryptoHeap.set(littleEndian(u), io + 32);
    cryptoModule.x25519_canonical();
    assertEquals(
      hex(cryptoHeap.slice(io + 64, io + 96)),
      hex(littleEndian(reduced)),
      `u = ${u}`,
    );
  }
  cryptoHeap.fill(0, io, io + 96);
});

Deno.test("x25519: the module's stack holds the ladder, and no secret stays in the module", () => {
  const io = cryptoModule.x25519_io();
  // The stack is the first bytes of memory (build.ts), growing down.
  assert(io >= STACK_BYTES);
  const secret = random();
  const peer = ours.publicKeyOf(random());
  // The module's own calls, measured before anything wipes the stack.
  cryptoHeap.set(secret, io);
  cryptoHeap.set(peer, io + 32);
  cryptoHeap.fill(0xaa, 0, STACK_BYTES);
  cryptoModule.beforenm();
  cryptoModule.x25519_base();
  let lowest = 0;
  while (cryptoHeap[lowest] === 0xaa) lowest++;
  const used = STACK_BYTES - lowest;
  assert(used < STACK_BYTES / 2, `${used} bytes of stack`);
  // The clamped scalar was left on it, which the calls of _nacl.ts wipe.
  const clamped = secret.slice();
  clamped[0] &= 248;
  clamped[31] = (clamped[31] & 127) | 64;
  const stack = cryptoHeap.subarray(0, STACK_BYTES);
  const holds = (bytes: Uint8Array) =>
    stack.some((_, at) => bytes.every((byte, i) => stack[at + i] === byte));
  assert(holds(clamped));
  ours.precompute(peer, secret);
  ours.x25519(secret, random());
  ours.publicKeyOf(secret);
  assert(stack.every((byte) => byte === 0));
  assert(cryptoHeap.subarray(io, io + 96).every((byte) => byte === 0));
});

Deno.test("x25519: keys that are not Uint8Arrays", () => {
  const array = Array.from(random()) as unknown as Uint8Array;
  assertEquals(ours.precompute(array, random()), undefined);
  assertEquals(ours.sharesKey(random(), array), false);
  assertThrows(() => ours.publicKeyOf(array), TypeError);
});
