/**
 * Our XSalsa20-Poly1305 (codec/_secretbox.ts) makes and opens exactly the
 * boxes libsodium does, refuses forged ones, and matches NaCl's published
 * crypto_secretbox vector.
 */
import { assert, assertEquals } from "@std/assert";
import * as ours from "../../codec/_secretbox.ts";
import * as sodium from "../_libsodium.ts";

const MAC = 16;

/** Random bytes of any length (getRandomValues gives 64 KiB at a time). */
function random(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65536)));
  }
  return bytes;
}

/** Body sizes, the flags byte aside, around every boundary of the code. */
const SIZES: number[] = [
  ...Array.from({ length: 301 }, (_, size) => size),
  ...Array.from({ length: 515 }, (_, i) => 511 + i).filter((size) =>
    size % 17 === 0 || size % 64 <= 1 || size % 64 >= 62
  ),
  4095,
  4096,
  4097,
  65535,
  65536,
  65537,
  (1 << 20) + 3,
];

/** sealFrame's box of a frame: the last `1 + body.length + 16` bytes. */
function sealWith(
  seal: typeof ours.sealFrame,
  key: Uint8Array,
  nonce: Uint8Array,
  flags: number,
  body: Uint8Array,
): Uint8Array {
  const output = new Uint8Array(1 + body.length + MAC);
  seal(key, nonce, flags, body, output);
  return output;
}

Deno.test("secretbox: ours seals what libsodium seals, and each opens the other's", () => {
  for (const size of SIZES) {
    const key = random(32);
    const nonce = random(24);
    const body = random(size);
    const flags = size & 0xff;
    const box = sealWith(ours.sealFrame, key, nonce, flags, body);
    const theirs = sealWith(sodium.sealFrame, key, nonce, flags, body);
    assertEquals(box, theirs, `box of ${size} bytes`);
    const expected = new Uint8Array([flags, ...body]);
    assertEquals(sodium.openBoxed(key, nonce, box), expected, `${size}`);
    assertEquals(ours.openBoxed(key, nonce, theirs), expected, `${size}`);
  }
});

Deno.test("secretbox: ours opens libsodium's boxes of any length, empty too", () => {
  for (const size of [0, 1, 15, 16, 17, 223, 224, 225, 479, 480, 481]) {
    const key = random(32);
    const nonce = random(24);
    const plaintext = random(size);
    const box = sodium.seal(key, nonce, plaintext);
    assertEquals(ours.openBoxed(key, nonce, box), plaintext);
  }
});

Deno.test("secretbox: keys and nonces change between calls", () => {
  // The module keeps the key by identity and the subkey by nonce prefix:
  // both must follow every change.
  const keys = [random(32), random(32)];
  const nonces = [random(24), random(24)];
  const samePrefix = nonces[0].slice();
  samePrefix[23] ^= 1;
  nonces.push(samePrefix);
  for (const size of [10, 1000, 70000, 10]) {
    for (const key of [...keys, keys[0]]) {
      for (const nonce of nonces) {
        const body = random(size);
        const box = sealWith(ours.sealFrame, key, nonce, 1, body);
        assertEquals(box, sealWith(sodium.sealFrame, key, nonce, 1, body));
        assertEquals(ours.openBoxed(key, nonce, box)?.subarray(1), body);
      }
    }
  }
});

Deno.test("secretbox: sealFrame writes the box at the end of the output only", () => {
  const key = random(32);
  const nonce = random(24);
  const body = random(100);
  const output = new Uint8Array(20 + 1 + body.length + MAC).fill(0xaa);
  ours.sealFrame(key, nonce, 3, body, output);
  assertEquals(output.subarray(0, 20), new Uint8Array(20).fill(0xaa));
  assertEquals(
    output.subarray(20),
    sealWith(sodium.sealFrame, key, nonce, 3, body),
  );
});

Deno.test("secretbox: forged boxes are refused", () => {
  for (const size of [0, 1, 31, 100, 223, 479, 1000, 4096, 65536]) {
    const key = random(32);
    const nonce = random(24);
    const body = random(size);
    const box = sealWith(ours.sealFrame, key, nonce, 0, body);
    const flipped = (at: number, bit = 1): Uint8Array => {
      const copy = box.slice();
      copy[at] ^= bit;
      return copy;
    };
    for (
      const forged of [
        flipped(0),
        flipped(MAC - 1, 0x80),
        flipped(MAC),
        flipped(MAC + (size >> 1), 4),
        flipped(box.length - 1),
        box.subarray(0, box.length - 1),
        box.subarray(1),
        box.subarray(0, MAC),
      ]
    ) {
      assertEquals(ours.openBoxed(key, nonce, forged), undefined, `${size}`);
    }
    assertEquals(ours.openBoxed(random(32), nonce, box), undefined);
    assertEquals(ours.openBoxed(key, random(24), box), undefined);
    // A refusal leaves nothing behind that spoils the next box.
    assertEquals(ours.openBoxed(key, nonce, box)?.subarray(1), body);
  }
  const key = random(32);
  const nonce = random(24);
  for (let length = 0; length < MAC; length++) {
    assertEquals(ours.openBoxed(key, nonce, random(length)), undefined);
  }
});

Deno.test("secretbox: the plaintext openBoxed returns is its own", () => {
  const key = random(32);
  const nonce = random(24);
  const first = ours.openBoxed(
    key,
    nonce,
    sealWith(ours.sealFrame, key, nonce, 1, new Uint8Array([1, 2, 3])),
  );
  ours.openBoxed(
    key,
    nonce,
    sealWith(ours.sealFrame, key, nonce, 9, new Uint8Array([9, 9, 9])),
  );
  assertEquals(first, new Uint8Array([1, 1, 2, 3]));
});

Deno.test("secretbox: NaCl's crypto_secretbox test vector", () => {
  // From NaCl's tests/secretbox.c, as libsodium's test/default/secretbox.c
  // and secretbox_easy.exp keep it: the box of a 131-byte message.
  const hex = (text: string): Uint8Array =>
    new Uint8Array(text.match(/../g)!.map((byte) => parseInt(byte, 16)));
  const key = hex(
    "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389",
  );
  const nonce = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  const message = hex(
    "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc" +
      "e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31" +
      "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde" +
      "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864" +
      "5e0705",
  );
  const box = hex(
    "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce" +
      "48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972" +
      "71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae" +
      "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3" +
      "7973f622a43d14a6599b1f654cb45a74e355a5",
  );
  assertEquals(message.length, 131);
  assertEquals(
    sealWith(ours.sealFrame, key, nonce, message[0], message.subarray(1)),
    box,
  );
  assertEquals(ours.openBoxed(key, nonce, box), message);
  assert(sodium.openBoxed(key, nonce, box) !== undefined);
});
