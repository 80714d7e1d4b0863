/**
 * WebSocket masking (RFC 6455 5.3): the XOR with a frame's 4-byte key, and
 * the keys of a client's frames.
 *
 * @module
 */

const _LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs bytes with a 4-byte mask, in place (masking and unmasking alike).
 *
 * @param bytes The payload, or a part of it.
 * @param mask The frame's masking key.
 * @param offset Where in the payload `bytes` starts, so the key lines up.
 */
export function applyMask(
  bytes: Uint8Array,
  mask: Uint8Array,
  offset = 0,
): void {
  const length = bytes.length;
  const k0 = mask[offset & 3];
  const k1 = mask[(offset + 1) & 3];
  const k2 = mask[(offset + 2) & 3];
  const k3 = mask[(offset + 3) & 3];
  let i = 0;
  if (length >= 64) {
    // Bytes up to a word boundary, then four bytes per step.
    const head = (4 - (bytes.byteOffset & 3)) & 3;
    for (; i < head; i++) bytes[i] ^= i === 0 ? k0 : i === 1 ? k1 : k2;
    const key = [k0, k1, k2, k3];
    const b0 = key[i & 3], b1 = key[(i + 1) & 3];
    const b2 = key[(i + 2) & 3], b3 = key[(i + 3) & 3];
    const word = _LITTLE_ENDIAN
      ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24))
      : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3);
    const words = new Uint32Array(
      bytes.buffer,
      bytes.byteOffset + i,
      (length - i) >> 2,
    );
    for (let w = 0; w < words.length; w++) words[w] ^= word;
    i += words.length << 2;
  }
  // Indexing the key beats choosing among its bytes (17–63 bytes: a
  // quarter to a third less time).
  for (; i < length; i++) bytes[i] ^= mask[(i + offset) & 3];
}

/** Client masks come from a pool of random bytes: one call per 1024 frames. */
const _MASK_POOL_BYTES = 4096;
let _maskPool = new Uint8Array(0);
let _maskOffset = 0;
const _cryptoFill = (bytes: Uint8Array<ArrayBuffer>) => {
  crypto.getRandomValues(bytes);
};
let _fill = _cryptoFill;

/**
 * Where the masks' bytes come from: a seeded fuzzer's numbers, so that a
 * case replays, or (without `fill`) `crypto` again, which RFC 6455 asks
 * for. The pool starts afresh. Tests only: not exported by the library.
 */
export function setMaskSource(fill?: (bytes: Uint8Array) => void): void {
  _fill = fill ?? _cryptoFill;
  _maskPool = new Uint8Array(0);
  _maskOffset = 0;
}

/** A fresh masking key for a client's frame. */
export function randomMask(): Uint8Array {
  if (_maskOffset + 4 > _maskPool.length) {
    _maskPool = new Uint8Array(_MASK_POOL_BYTES);
    _fill(_maskPool);
    _maskOffset = 0;
  }
  // The constructor, not subarray(), which looks up the species first.
  const mask = new Uint8Array(_maskPool.buffer, _maskOffset, 4);
  _maskOffset += 4;
  return mask;
}
