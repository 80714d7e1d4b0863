/**
 * X25519 for CurveZMQ's keys and handshake, from libsodium itself (its
 * WebAssembly build, libsodium-wrappers, by libsodium's author): it embeds
 * its module, so it needs no file, FFI or network permission and loads in
 * browsers too. The boxes themselves (XSalsa20-Poly1305) are our own
 * SIMD build, _secretbox.ts, about three times as fast on large frames.
 *
 * @module
 */

import sodium from "libsodium-wrappers";

// The WebAssembly module compiles once, when the codec is first imported.
await sodium.ready;

/** A fresh X25519 key pair. */
export function generateKeyPair(): {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  const { publicKey, privateKey } = sodium.crypto_box_keypair();
  return { publicKey, secretKey: privateKey };
}

/** The public key of a secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return sodium.crypto_scalarmult_base(secretKey);
}

/**
 * crypto_box_beforenm: the key two parties share, computed once per pair.
 *
 * @returns The key, or `undefined` for a public key that is not a usable
 * curve point (libsodium refuses small-order points).
 */
export function precompute(
  publicKey: Uint8Array,
  secretKey: Uint8Array,
): Uint8Array | undefined {
  try {
    return sodium.crypto_box_beforenm(publicKey, secretKey);
  } catch {
    return undefined;
  }
}

/**
 * Whether the two keys share a key at all: not when the public key is a
 * point of small order (all zeros is one), whatever the secret. The key
 * computed to tell is zeroed.
 */
export function sharesKey(
  publicKey: Uint8Array,
  secretKey: Uint8Array,
): boolean {
  const shared = precompute(publicKey, secretKey);
  shared?.fill(0);
  return shared !== undefined;
}

/** Cryptographically random bytes. */
export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
