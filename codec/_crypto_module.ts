/**
 * CURVE's WebAssembly module, built from _wasm/secretbox.c and
 * _wasm/x25519.c, instantiated once for _secretbox.ts (the MESSAGE boxes)
 * and _nacl.ts (X25519 and crypto_box_beforenm).
 *
 * It is embedded (base64) and compiled synchronously at import, so loading
 * needs no file read, no FFI and no top-level `await` (which bundlers
 * refuse for an IIFE, a CommonJS wrapper or a target before ES2022), and
 * works on a browser's main thread: the 4 KB limit Chrome once set there
 * on synchronous compiles went in Chrome 114, and other browsers had none
 * (the module is 23 KB). Its memory is
 * fixed (128 KiB, which it cannot grow): no frame a peer sends costs the
 * module memory. Where WebAssembly may not be compiled from bytes (a page
 * whose Content-Security-Policy lacks `'wasm-unsafe-eval'`, Cloudflare's
 * workerd, V8 without a JIT) the library loads all the same, and CURVE is
 * refused with `ENOTSUP` where it is asked for.
 *
 * @module
 */

import { CRYPTO_STACK_BYTES, CRYPTO_WASM } from "./_crypto_wasm.ts";
import { ZmqError } from "./errors.ts";

/** The module's stack: the first bytes of its memory, this many. */
export const STACK_BYTES: number = CRYPTO_STACK_BYTES;

/** What the module exports: see _wasm/secretbox.c and _wasm/x25519.c. */
export interface CryptoExports {
  memory: WebAssembly.Memory;
  /** Where the key (32 bytes), then the nonce (24), go. */
  params(): number;
  /** Where the tag goes, then the first window. */
  buffer(): number;
  /** Message bytes of a window after the first. */
  window(): number;
  /** Seals a window in place; the last writes the tag at buffer(). */
  seal(length: number, first: number, last: number): void;
  /** Opens a window in place; the last returns 0 if genuine, 1 if forged. */
  open(length: number, first: number, last: number): number;
  /** Where the scalar (32 bytes), the point (32) and the result (32) go. */
  x25519_io(): number;
  /** The result of X25519; 0, or -1 if it is all zero. */
  x25519(): number;
  /** The result of X25519 of the scalar and the base point (u = 9). */
  x25519_base(): void;
  /** The point reduced mod p, as the result: for the tests. */
  x25519_canonical(): void;
  /** crypto_box_beforenm as the result; 0, or -1 if nothing is shared. */
  beforenm(): number;
}

/** The module's bytes, from base64. */
function _decode(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Why the module could not be had here, if it could not. */
let _refusal: string | undefined;

/** Calls that need the module, when there is none: each refuses. */
function _refuse(): never {
  throw new ZmqError(
    "ENOTSUP",
    `CURVE needs WebAssembly compiled from bytes, which this runtime refused (${_refusal})`,
  );
}

/** In place of the module where it was refused: no memory, no operations. */
const _NONE: CryptoExports = {
  memory: { buffer: new ArrayBuffer(0) } as WebAssembly.Memory,
  params: () => 0,
  buffer: () => 0,
  window: () => 0,
  seal: _refuse,
  open: _refuse,
  x25519_io: () => 0,
  x25519: _refuse,
  x25519_base: _refuse,
  x25519_canonical: _refuse,
  beforenm: _refuse,
};

function _instantiate(): CryptoExports {
  try {
    const module = new WebAssembly.Module(_decode(CRYPTO_WASM));
    return new WebAssembly.Instance(module).exports as unknown as CryptoExports;
  } catch (error) {
    _refusal = error instanceof Error ? error.message : String(error);
    return _NONE;
  }
}

/** The module's exports (where it was refused, layout only: see above). */
export const cryptoModule: CryptoExports = _instantiate();

/**
 * Refuses, with `ENOTSUP`, where the module could not be had: called first
 * by whatever would use it.
 */
export function requireCryptoModule(): void {
  if (_refusal !== undefined) _refuse();
}

/** The module's memory: its size is fixed (the module declares its
 * maximum), so this view is never detached. */
export const cryptoHeap: Uint8Array = new Uint8Array(
  cryptoModule.memory.buffer,
);
