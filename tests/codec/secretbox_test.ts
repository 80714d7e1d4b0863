/**
 * Our XSalsa20-Poly1305 (codec/_secretbox.ts) makes and opens exactly the
 * boxes libsodium does, at every length to 1300 and around every window
 * boundary, in a memory that never grows; refuses forged ones; checks its
 * key and nonce; and matches NaCl's published crypto_secretbox vector.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import * as ours from "../../codec/_secretbox.ts";
import * as sodium from "../_libsodium.ts";

const MAC = 16;
/** Message bytes in the first window: the 224 of Salsa20's first four
 * blocks after Poly1305's key, then a window's. */
const FIRST = 224 + ours.WINDOW_BYTES;
const WINDOW = ours.WINDOW_BYTES;

/** Random bytes of any length (getRandomValues gives 64 KiB at a time). */
function random(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65536)));
  }
  return bytes;
}

/** Whether two byte arrays are equal: a loop, as assertEquals is slow on
 * megabytes. */
function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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

/** Checks both ways against libsodium, with a fresh key and nonce: seal()
 * of `size` bytes, and sealFrame() of a `size`-byte body. */
function checkBothWays(size: number): void {
  const key = random(32);
  const nonce = random(24);
  const plaintext = random(size);
  const box = ours.seal(key, nonce, plaintext);
  assert(same(box, sodium.seal(key, nonce, plaintext)), `seal ${size}`);
  assert(same(sodium.open(key, nonce, box), plaintext), `open ${size}`);
  assert(same(ours.open(key, nonce, box), plaintext), `ours ${size}`);
  const flags = size & 0xff;
  const frame = sealWith(ours.sealFrame, key, nonce, flags, plaintext);
  const theirs = sealWith(sodium.sealFrame, key, nonce, flags, plaintext);
  assert(same(frame, theirs), `sealFrame ${size}`);
  const message = new Uint8Array(1 + size);
  message[0] = flags;
  message.set(plaintext, 1);
  assert(same(sodium.openBoxed(key, nonce, frame), message), `${size}`);
  assert(same(ours.openBoxed(key, nonce, theirs), message), `${size}`);
}

Deno.test("secretbox: every length to 1300 both ways against libsodium, seal and sealFrame", () => {
  // The head (224 bytes), the 256-byte groups and the tail, shifted by one
  // in sealFrame by the flags byte; 0 bytes sealed too.
  for (let size = 0; size <= 1300; size++) checkBothWays(size);
});

Deno.test("secretbox: lengths around each window boundary, and a box of 3 MiB", () => {
  const around = (at: number): number[] => [at - 1, at, at + 1];
  const messages = [
    ...around(WINDOW),
    ...around(2 * WINDOW),
    ...around(FIRST),
    ...around(FIRST + WINDOW),
    ...around(FIRST + 2 * WINDOW),
    FIRST + 15,
    FIRST + 16,
    FIRST + 223,
    FIRST + 255,
    FIRST + 256,
    FIRST + 257,
    FIRST + WINDOW + 480,
  ];
  // Message lengths: seal()'s plaintext, or a frame's body and flags byte.
  for (const size of messages) {
    checkBothWays(size);
    checkBothWays(size - 1);
  }
  checkBothWays(3 * 1024 * 1024 + 5);
});

Deno.test("secretbox: a 64 MiB frame seals and opens, and the module's memory stays as it was", () => {
  const memory = ours.moduleMemoryBytes();
  assert(memory <= 256 * 1024, `${memory} bytes`);
  // A random stretch whose length is prime, repeated: no window sees the
  // same bytes as another, so a misplaced window would show.
  const stretch = random(99991);
  const body = new Uint8Array(64 * 1024 * 1024);
  for (let at = 0; at < body.length; at += stretch.length) {
    body.set(stretch.subarray(0, body.length - at), at);
  }
  const key = random(32);
  const nonce = random(24);
  const box = sealWith(ours.sealFrame, key, nonce, 2, body);
  assertEquals(ours.moduleMemoryBytes(), memory);
  const opened = ours.openBoxed(key, nonce, box);
  assertEquals(opened?.[0], 2);
  assert(same(opened?.subarray(1), body));
  assertEquals(ours.moduleMemoryBytes(), memory);
});

Deno.test("secretbox: keys and nonces change between calls", () => {
  // The module keeps the subkey for the key's bytes and the nonce's prefix:
  // it must follow every change.
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

Deno.test("secretbox: a key changed in place between calls is honoured", () => {
  const key = random(32);
  const nonce = random(24);
  const plaintext = random(100);
  assertEquals(
    ours.seal(key, nonce, plaintext),
    sodium.seal(key, nonce, plaintext),
  );
  for (const at of [0, 15, 16, 31]) {
    key[at] ^= 0x40;
    const box = sodium.seal(key, nonce, plaintext);
    assertEquals(ours.seal(key, nonce, plaintext), box, `byte ${at}`);
    assertEquals(ours.open(key, nonce, box), plaintext);
  }
  // The nonce too, its prefix (which feeds HSalsa20) and its tail.
  for (const at of [0, 15, 16, 23]) {
    nonce[at] ^= 1;
    assertEquals(
      ours.seal(key, nonce, plaintext),
      sodium.seal(key, nonce, plaintext),
    );
  }
});

Deno.test("secretbox: keys and nonces of the wrong length or type throw TypeError", () => {
  const key = random(32);
  const nonce = random(24);
  const box = ours.seal(key, nonce, random(10));
  const badKeys: unknown[] = [
    undefined,
    random(31),
    random(33),
    new Uint8Array(0),
    Array.from(key),
    new Uint16Array(32),
  ];
  const badNonces: unknown[] = [
    undefined,
    random(23),
    random(25),
    Array.from(nonce),
  ];
  const calls = (k: Uint8Array, n: Uint8Array): (() => unknown)[] => [
    () => ours.seal(k, n, random(10)),
    () => ours.open(k, n, box),
    () => ours.openBoxed(k, n, box),
    () => ours.openBoxed(k, n, random(3)),
    () => ours.sealFrame(k, n, 0, random(10), new Uint8Array(27)),
  ];
  for (const bad of badKeys) {
    for (const call of calls(bad as Uint8Array, nonce)) {
      assertThrows(call, TypeError);
    }
  }
  for (const bad of badNonces) {
    for (const call of calls(key, bad as Uint8Array)) {
      assertThrows(call, TypeError);
    }
  }
  // Nothing of the refused calls stays behind.
  assertEquals(
    ours.seal(key, nonce, random(0)),
    sodium.seal(key, nonce, new Uint8Array(0)),
  );
});

Deno.test("secretbox: sealFrame writes the box at the end of the output only", () => {
  const key = random(32);
  const nonce = random(24);
  for (const size of [100, FIRST + WINDOW + 7]) {
    const body = random(size);
    const output = new Uint8Array(20 + 1 + body.length + MAC).fill(0xaa);
    ours.sealFrame(key, nonce, 3, body, output);
    assertEquals(output.subarray(0, 20), new Uint8Array(20).fill(0xaa));
    assert(same(
      output.subarray(20),
      sealWith(sodium.sealFrame, key, nonce, 3, body),
    ));
    assertThrows(
      () => ours.sealFrame(key, nonce, 3, body, new Uint8Array(size + MAC)),
      RangeError,
    );
  }
});

Deno.test("secretbox: forged boxes are refused", () => {
  const sizes = [0, 1, 31, 100, 223, 479, 1000, 4096, FIRST, FIRST + 1];
  for (const size of [...sizes, FIRST + WINDOW + 300, FIRST + 2 * WINDOW]) {
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
        flipped(MAC + Math.min(size, FIRST - 1)),
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
    assert(same(ours.openBoxed(key, nonce, box)?.subarray(1), body));
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
  assertEquals(ours.seal(key, nonce, message), box);
  assertEquals(ours.openBoxed(key, nonce, box), message);
  assert(sodium.openBoxed(key, nonce, box) !== undefined);
});

Deno.test("secretbox: openInPlace writes the plaintext over the box, and never unverified plaintext", () => {
  const key = random(32);
  const nonce = random(24);
  for (const size of [0, 1, 17, 300, 4096, FIRST, FIRST + 1, 3 * WINDOW + 5]) {
    const plaintext = random(size);
    const box = sodium.seal(key, nonce, plaintext);
    const opened = ours.openInPlace(key, nonce, box);
    assertEquals(opened, plaintext, `${size}`);
    assert(opened!.buffer === box.buffer, "a view of the box itself");
    assertEquals(opened!.byteOffset, box.byteOffset + MAC);

    const forged = sodium.seal(key, nonce, plaintext);
    forged[forged.length - 1] ^= 1;
    const ciphertext = forged.slice(MAC);
    assertEquals(ours.openInPlace(key, nonce, forged), undefined);
    const left = forged.subarray(MAC);
    const untouched = left.every((byte, i) => byte === ciphertext[i]);
    assert(
      untouched || left.every((byte) => byte === 0),
      `a forged box of ${size} bytes keeps its ciphertext or zeros`,
    );
  }
});
