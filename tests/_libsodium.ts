/**
 * libsodium itself (libsodium-wrappers, its WebAssembly build), as the
 * reference our own XSalsa20-Poly1305 and X25519 are checked against.
 */
import sodium from "libsodium-wrappers";

await sodium.ready;

/** crypto_box_easy_afternm: the tag, then the ciphertext. */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return sodium.crypto_box_easy_afternm(plaintext, nonce, key);
}

/** Opens a box made by {@linkcode seal}; `undefined` if it was forged. */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  try {
    return sodium.crypto_box_open_easy_afternm(box, nonce, key);
  } catch {
    return undefined;
  }
}

/** As the codec's sealFrame: the box of [flags, ...body] at the end of `output`. */
export function sealFrame(
  key: Uint8Array,
  nonce: Uint8Array,
  flags: number,
  body: Uint8Array,
  output: Uint8Array,
): void {
  const plaintext = new Uint8Array(1 + body.length);
  plaintext[0] = flags;
  plaintext.set(body, 1);
  const box = seal(key, nonce, plaintext);
  output.set(box, output.length - box.length);
}

/** As the codec's openBoxed. */
export function openBoxed(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  return box.length < 16 ? undefined : open(key, nonce, box);
}

/** crypto_scalarmult_base: the public key of a secret key. */
export function scalarmultBase(secretKey: Uint8Array): Uint8Array {
  return sodium.crypto_scalarmult_base(secretKey);
}

/** crypto_box_beforenm; `undefined` where libsodium refuses the key. */
export function beforenm(
  publicKey: Uint8Array,
  secretKey: Uint8Array,
): Uint8Array | undefined {
  try {
    return sodium.crypto_box_beforenm(publicKey, secretKey);
  } catch {
    return undefined;
  }
}
