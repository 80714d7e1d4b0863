/**
 * X25519 for CurveZMQ's keys and handshake, and NaCl's crypto_box_beforenm,
 * in our own WebAssembly module (_wasm/x25519.c, beside the boxes of
 * _wasm/secretbox.c): the same results as libsodium's crypto_box_keypair,
 * crypto_scalarmult_base and crypto_box_beforenm, which the tests check
 * it against, with nothing else to load (libsodium's WebAssembly build
 * took 4-6 MiB and 20 ms of every isolate that imported the library).
 *
 * @module
 */

import {
  cryptoHeap,
  cryptoModule,
  requireCryptoModule,
  STACK_BYTES,
} from "./_crypto_module.ts";

const _scalarAt = cryptoModule.x25519_io();
const _pointAt = _scalarAt + 32;
const _resultAt = _pointAt + 32;
/** The base point's u-coordinate, 9. */
const _BASE = new Uint8Array(32);
_BASE[0] = 9;

/** Whether `key` is a 32-byte key. */
function _isKey(key: unknown): key is Uint8Array {
  return key instanceof Uint8Array && key.length === 32;
}

/** Checks a 32-byte key. */
function _check(key: Uint8Array, what: string): void {
  if (!_isKey(key)) {
    throw new TypeError(`${what} must be a Uint8Array of 32 bytes`);
  }
}

/**
 * Runs `operation` on the scalar and the point, and takes its result:
 * `undefined` if it refused (-1). The secrets are wiped from the module:
 * its io and its stack, where the ladder leaves the clamped scalar and
 * its points (about 1 KiB of the 4 used; a wipe of all takes well under
 * a microsecond, against 70 for the ladder).
 */
function _compute(
  operation: () => number,
  scalar: Uint8Array,
  point: Uint8Array,
): Uint8Array | undefined {
  requireCryptoModule();
  _check(scalar, "a secret key");
  _check(point, "a public key");
  cryptoHeap.set(scalar, _scalarAt);
  cryptoHeap.set(point, _pointAt);
  const refused = operation() !== 0;
  const result = cryptoHeap.slice(_resultAt, _resultAt + 32);
  cryptoHeap.fill(0, _scalarAt, _resultAt + 32);
  cryptoHeap.fill(0, 0, STACK_BYTES);
  return refused ? undefined : result;
}

/**
 * RFC 7748's X25519 of a scalar and a u-coordinate.
 *
 * @returns The result, or `undefined` if it is all zero (a point of small
 * order), as libsodium's crypto_scalarmult refuses it.
 */
export function x25519(
  scalar: Uint8Array,
  point: Uint8Array,
): Uint8Array | undefined {
  return _compute(cryptoModule.x25519, scalar, point);
}

/** A fresh X25519 key pair. */
export function generateKeyPair(): {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  const secretKey = randomBytes(32);
  return { publicKey: publicKeyOf(secretKey), secretKey };
}

/** The public key of a secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return _compute(_base, secretKey, _BASE)!;
}

/** X25519 of the base point, which has prime order: never refused. */
function _base(): number {
  cryptoModule.x25519_base();
  return 0;
}

/**
 * crypto_box_beforenm: the key two parties share, computed once per pair.
 *
 * @returns The key, or `undefined` for a public key that is not a usable
 * curve point (one of small order, as libsodium refuses) or either key
 * not a Uint8Array of 32 bytes (a peer's malformed command).
 */
export function precompute(
  publicKey: Uint8Array,
  secretKey: Uint8Array,
): Uint8Array | undefined {
  if (!_isKey(publicKey) || !_isKey(secretKey)) return undefined;
  return _compute(cryptoModule.beforenm, secretKey, publicKey);
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
