/**
 * CURVE's MESSAGE boxes (XSalsa20-Poly1305, crypto_box_easy_afternm and its
 * opening) in our own WebAssembly module, built from _wasm/secretbox.c with
 * SIMD128: here about 3x as fast as libsodium-wrappers' WebAssembly build on
 * 64 KiB to 1 MiB frames, 1.7-2.5x on 16 B to 1 KiB. The same semantics
 * as libsodium's crypto_box_easy_afternm and crypto_box_open_easy_afternm
 * (which the tests check it against): boxes are in the "easy" layout, the
 * tag then the ciphertext.
 *
 * The module (_crypto_module.ts) has a fixed memory: boxes of any length
 * go through a 64 KiB window, so no frame a peer sends costs it memory.
 * Boxes of up to 64 KiB and 224 bytes take one call into it.
 *
 * @module
 */

import {
  cryptoHeap,
  cryptoModule,
  requireCryptoModule,
} from "./_crypto_module.ts";

const _MAC = 16;
/** Message bytes in Salsa20's first four blocks, after Poly1305's key:
 * the first window holds them ahead of its 256-byte groups. */
const _HEAD = 224;

const _wasm = cryptoModule;
const _params = _wasm.params();
const _nonceAt = _params + 32;
/** The tag, then the first window's message bytes, then later windows'. */
const _tagAt = _wasm.buffer();
const _firstAt = _tagAt + _MAC;
const _laterAt = _firstAt + _HEAD;
const _window = _wasm.window();
const _firstWindow = _HEAD + _window;
const _heap = cryptoHeap;

/**
 * Message bytes in each window after the first, which holds 224 more: a box
 * of up to `224 + WINDOW_BYTES` message bytes takes one call into the
 * module. For tests and diagnostics.
 */
export const WINDOW_BYTES: number = _window;

/**
 * The size of the module's memory, in bytes: fixed, whatever the boxes'
 * sizes. For tests and diagnostics.
 *
 * @returns The byte length of the module's WebAssembly memory.
 */
export function moduleMemoryBytes(): number {
  return _wasm.memory.buffer.byteLength;
}

/** Puts the key and the nonce in the module, after checking both. */
function _load(key: Uint8Array, nonce: Uint8Array): void {
  requireCryptoModule();
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new TypeError("a secretbox key must be a Uint8Array of 32 bytes");
  }
  if (!(nonce instanceof Uint8Array) || nonce.length !== 24) {
    throw new TypeError("a secretbox nonce must be a Uint8Array of 24 bytes");
  }
  // Written every time: the module compares it with the key its subkey is
  // of, so a key changed in place is honoured.
  _heap.set(key, _params);
  _heap.set(nonce, _nonceAt);
}

/**
 * Seals a message of more than one window, `flags` (unless negative) then
 * `body`, into `output` at `at`: the tag, then the ciphertext, each
 * window's copied out as it is done.
 */
function _sealWindows(
  flags: number,
  body: Uint8Array,
  output: Uint8Array,
  at: number,
): void {
  const skip = flags < 0 ? 0 : 1;
  const length = skip + body.length;
  const into = at + _MAC;
  if (skip) _heap[_firstAt] = flags;
  _heap.set(body.subarray(0, _firstWindow - skip), _firstAt + skip);
  _wasm.seal(_firstWindow, 1, 0);
  output.set(_heap.subarray(_firstAt, _firstAt + _firstWindow), into);
  for (let done = _firstWindow; done < length; done += _window) {
    const size = Math.min(_window, length - done);
    _heap.set(body.subarray(done - skip, done - skip + size), _laterAt);
    _wasm.seal(size, 0, done + size === length ? 1 : 0);
    output.set(_heap.subarray(_laterAt, _laterAt + size), into + done);
  }
  output.set(_heap.subarray(_tagAt, _firstAt), at);
}

/**
 * Opens a box of more than one window: the plaintext goes into `plaintext`
 * (memory of its own, or the box's own bytes after the tag) window by
 * window, each window's ciphertext read before its plaintext is written,
 * and is zeroed, not returned, if the tag then fails.
 */
function _openWindows(
  box: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array | undefined {
  const length = box.length - _MAC;
  _heap.set(box.subarray(0, _MAC + _firstWindow), _tagAt);
  _wasm.open(_firstWindow, 1, 0);
  plaintext.set(_heap.subarray(_firstAt, _firstAt + _firstWindow));
  for (let done = _firstWindow;; done += _window) {
    const size = Math.min(_window, length - done);
    const last = done + size === length;
    _heap.set(box.subarray(_MAC + done, _MAC + done + size), _laterAt);
    if (_wasm.open(size, 0, last ? 1 : 0) !== 0) {
      plaintext.fill(0);
      return undefined;
    }
    plaintext.set(_heap.subarray(_laterAt, _laterAt + size), done);
    if (last) return plaintext;
  }
}

/**
 * Seals one CURVE frame, its flags byte then its body, writing the box (MAC,
 * then ciphertext) as the last `1 + body.length + 16` bytes of `output`.
 *
 * @param key The key crypto_box_beforenm shared: 32 bytes.
 * @param nonce The 24-byte nonce, never reused under this key.
 * @param flags The frame's flags byte, sealed ahead of the body.
 * @param body The frame's body.
 * @param output Where the box goes, at its end: not overlapping `body`, as
 * a frame over 64 KiB is read and written a window at a time.
 * @throws {TypeError} If the key or the nonce is not a Uint8Array of the
 * right length.
 * @throws {RangeError} If `output` is too short for the box.
 */
export function sealFrame(
  key: Uint8Array,
  nonce: Uint8Array,
  flags: number,
  body: Uint8Array,
  output: Uint8Array,
): void {
  _load(key, nonce);
  const length = 1 + body.length;
  const at = output.length - length - _MAC;
  if (at < 0) throw new RangeError("the output is too short for the box");
  _seal(flags & 0xff, body, output, at);
}

/**
 * Seals `flags` (unless negative) then `body` into `output` at `at`: the
 * tag, then the ciphertext.
 */
function _seal(
  flags: number,
  body: Uint8Array,
  output: Uint8Array,
  at: number,
): void {
  const skip = flags < 0 ? 0 : 1;
  const length = skip + body.length;
  if (length > _firstWindow) return _sealWindows(flags, body, output, at);
  if (skip) _heap[_firstAt] = flags;
  _heap.set(body, _firstAt + skip);
  _wasm.seal(length, 1, 1);
  output.set(_heap.subarray(_tagAt, _firstAt + length), at);
}

/**
 * Opens a box of the traffic (MAC, then ciphertext).
 *
 * @param key The key crypto_box_beforenm shared: 32 bytes.
 * @param nonce The 24-byte nonce it was sealed under.
 * @param box The box.
 * @returns The plaintext, in memory of its own; `undefined` if the box was
 * forged or shorter than a MAC.
 * @throws {TypeError} If the key or the nonce is not a Uint8Array of the
 * right length.
 */
export function openBoxed(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  return _open(key, nonce, box, false);
}

/**
 * Opens a box of the traffic in place: the plaintext is written over the
 * ciphertext, in the box's own memory, and returned as a view of it. No
 * allocation, for the receive path, where the box is a frame nobody else
 * reads. A forged box is left as ciphertext or zeros, never unverified
 * plaintext.
 *
 * @param key The key crypto_box_beforenm shared: 32 bytes.
 * @param nonce The 24-byte nonce it was sealed under.
 * @param box The box (MAC, then ciphertext), overwritten.
 * @returns `box` after its MAC, now the plaintext; `undefined` if the box
 * was forged or shorter than a MAC.
 * @throws {TypeError} If the key or the nonce is not a Uint8Array of the
 * right length.
 */
export function openInPlace(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  return _open(key, nonce, box, true);
}

/** Opens a box into memory of its own, or over its own ciphertext. */
function _open(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
  inPlace: boolean,
): Uint8Array | undefined {
  _load(key, nonce);
  if (box.length < _MAC) return undefined;
  const length = box.length - _MAC;
  if (length > _firstWindow) {
    const into = inPlace ? box.subarray(_MAC) : new Uint8Array(length);
    return _openWindows(box, into);
  }
  _heap.set(box, _tagAt);
  if (_wasm.open(length, 1, 1) !== 0) return undefined;
  const opened = _heap.subarray(_firstAt, _firstAt + length);
  if (!inPlace) return opened.slice();
  const plaintext = box.subarray(_MAC);
  plaintext.set(opened);
  return plaintext;
}

/**
 * crypto_box_easy_afternm (also crypto_secretbox_easy): the tag, then the
 * ciphertext, in memory of its own. For the handshake's boxes.
 *
 * @param key The key crypto_box_beforenm shared: 32 bytes.
 * @param nonce The 24-byte nonce, never reused under this key.
 * @param plaintext What to seal.
 * @returns The box.
 * @throws {TypeError} If the key or the nonce is not a Uint8Array of the
 * right length.
 */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  _load(key, nonce);
  const box = new Uint8Array(_MAC + plaintext.length);
  _seal(-1, plaintext, box, 0);
  return box;
}

/**
 * Opens a box made by {@linkcode seal}.
 *
 * @param key The key crypto_box_beforenm shared: 32 bytes.
 * @param nonce The 24-byte nonce it was sealed under.
 * @param box The box.
 * @returns The plaintext, or `undefined` if the box was forged.
 * @throws {TypeError} If the key or the nonce is not a Uint8Array of the
 * right length.
 */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  return openBoxed(key, nonce, box);
}
