/**
 * NaCl's crypto_box, as CurveZMQ uses it, composed from audited primitives:
 * X25519 from @noble/curves, HSalsa20 and XSalsa20-Poly1305 from
 * @noble/ciphers. Boxes are in libsodium's "easy" layout (tag, then
 * ciphertext), which is what CurveZMQ puts on the wire.
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";

// "expand 32-byte k", as little-endian words.
const _SIGMA = new Uint32Array([
  0x61707865,
  0x3320646e,
  0x79622d32,
  0x6b206574,
]);

/** A fresh X25519 key pair. */
export function generateKeyPair(): {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  const secretKey = x25519.utils.randomSecretKey();
  return { publicKey: x25519.getPublicKey(secretKey), secretKey };
}

/** The public key of a secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey);
}

/**
 * crypto_box_beforenm: the key two parties share, computed once per pair.
 *
 * @returns The key, or `undefined` for a public key that is not a usable
 * curve point (one that yields the all-zero secret).
 */
export function precompute(
  publicKey: Uint8Array,
  secretKey: Uint8Array,
): Uint8Array | undefined {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch {
    return undefined;
  }
  const key = new Uint32Array(8);
  const view = new DataView(shared.buffer, shared.byteOffset, 32);
  for (let i = 0; i < 8; i++) key[i] = view.getUint32(i * 4, true);
  const out = new Uint32Array(8);
  hsalsa(_SIGMA, key, new Uint32Array(4), out);
  const bytes = new Uint8Array(32);
  const outView = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, out[i], true);
  return bytes;
}

/**
 * crypto_box_easy_afternm (also crypto_secretbox_easy): tag then ciphertext.
 * With `output` (32 bytes longer than the plaintext), the box is its last
 * part and its first 16 bytes are scratch.
 */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  output?: Uint8Array,
): Uint8Array {
  return xsalsa20poly1305(key, nonce).encrypt(plaintext, output);
}

/** Opens a box made by {@linkcode seal}; `undefined` if it was forged. */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  if (box.length < 16) return undefined;
  try {
    return xsalsa20poly1305(key, nonce).decrypt(box);
  } catch {
    return undefined;
  }
}

/** Cryptographically random bytes. */
export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}
