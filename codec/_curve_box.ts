/**
 * The wire layout of CurveZMQ (RFC 26) and the box helpers both sides of
 * CURVE share: nonce prefixes, short nonces, sealing and opening with a
 * prefixed nonce, and the sizes of every command, built from their parts.
 *
 * @module
 */

import { open, seal } from "./_secretbox.ts";

const _encoder = new TextEncoder();
const _bytes = (text: string): Uint8Array => _encoder.encode(text);
/** A command name on the wire: its length byte, then the name. */
const _nameSize = (name: string): number => 1 + name.length;

/** A Curve25519 key, public or secret. */
export const KEY_SIZE = 32;
/** The Poly1305 tag at the head of every box (libsodium's "easy" layout). */
const MAC_SIZE = 16;
/** crypto_box's nonce: a 16-byte prefix and a short nonce, or 8 and a long one. */
const NONCE_SIZE = 24;
/** A short nonce: a big-endian counter, never reused by a side. */
export const SHORT_NONCE_SIZE = 8;
/** A long nonce: random bytes. */
export const LONG_NONCE_SIZE = 16;
/** Where the short nonce goes in a full nonce, after its prefix. */
export const SHORT_NONCE_AT = NONCE_SIZE - SHORT_NONCE_SIZE;

/** HELLO's version field: CurveZMQ 1.0. */
export const HELLO_VERSION = new Uint8Array([1, 0]);
/** Zeros that make HELLO no shorter than WELCOME, against amplification. */
export const HELLO_PADDING_SIZE = 72;
/** The zeros HELLO's box holds, proving the client knows S. */
export const HELLO_SIGNATURE_SIZE = 64;
/** HELLO is the version, the padding, C', the short nonce and the box. */
export const HELLO_CLIENT_KEY_AT = HELLO_VERSION.length + HELLO_PADDING_SIZE;
/** Where HELLO's short nonce starts. */
export const HELLO_SHORT_NONCE_AT = HELLO_CLIENT_KEY_AT + KEY_SIZE;
/** Where HELLO's box (the signature) starts. */
export const HELLO_BOX_AT = HELLO_SHORT_NONCE_AT + SHORT_NONCE_SIZE;
/** HELLO's data: 194 bytes. */
export const HELLO_DATA_SIZE = HELLO_BOX_AT + MAC_SIZE + HELLO_SIGNATURE_SIZE;
/** The whole HELLO command, name included: the RFC's 200 bytes. */
export const HELLO_SIZE = _nameSize("HELLO") + HELLO_DATA_SIZE;

/** The cookie's plaintext: C' and s', for the server to forget until INITIATE. */
const COOKIE_PLAINTEXT_SIZE = KEY_SIZE + KEY_SIZE;
/** The cookie: a long nonce and its box; 96 bytes. */
export const COOKIE_SIZE = LONG_NONCE_SIZE + MAC_SIZE + COOKIE_PLAINTEXT_SIZE;

/** WELCOME's plaintext: S', then the cookie. */
export const WELCOME_PLAINTEXT_SIZE = KEY_SIZE + COOKIE_SIZE;
/** WELCOME's data: a long nonce and the box; 160 bytes. */
export const WELCOME_DATA_SIZE = LONG_NONCE_SIZE + MAC_SIZE +
  WELCOME_PLAINTEXT_SIZE;
/** The whole WELCOME command, name included: 168 bytes. */
export const WELCOME_SIZE = _nameSize("WELCOME") + WELCOME_DATA_SIZE;

/** The vouch's plaintext: C' and S, vouched for by C. */
export const VOUCH_PLAINTEXT_SIZE = KEY_SIZE + KEY_SIZE;
/** The vouch's box; 80 bytes. */
const VOUCH_BOX_SIZE = MAC_SIZE + VOUCH_PLAINTEXT_SIZE;

/** INITIATE is the cookie echoed, the short nonce and the box. */
export const INITIATE_SHORT_NONCE_AT = COOKIE_SIZE;
/** Where INITIATE's box starts. */
export const INITIATE_BOX_AT = INITIATE_SHORT_NONCE_AT + SHORT_NONCE_SIZE;
/** INITIATE's plaintext: C, then the vouch's long nonce… */
export const INITIATE_VOUCH_NONCE_AT = KEY_SIZE;
/** …the vouch's box… */
export const INITIATE_VOUCH_BOX_AT = INITIATE_VOUCH_NONCE_AT + LONG_NONCE_SIZE;
/** …then the client's metadata. */
export const INITIATE_METADATA_AT = INITIATE_VOUCH_BOX_AT + VOUCH_BOX_SIZE;
/** INITIATE's data with empty metadata: 248 bytes. */
export const INITIATE_MIN_DATA_SIZE = INITIATE_BOX_AT + MAC_SIZE +
  INITIATE_METADATA_AT;
/** The whole INITIATE command with empty metadata, name included: 257 bytes. */
export const INITIATE_MIN_SIZE = _nameSize("INITIATE") + INITIATE_MIN_DATA_SIZE;

/** READY's data with empty metadata: a short nonce and the box's tag. */
export const READY_MIN_DATA_SIZE = SHORT_NONCE_SIZE + MAC_SIZE;
/** The whole READY command with empty metadata, name included: 30 bytes. */
export const READY_MIN_SIZE = _nameSize("READY") + READY_MIN_DATA_SIZE;

/** The name that starts every MESSAGE, length byte included. */
export const MESSAGE_NAME = _bytes("\x07MESSAGE");
/** MESSAGE is the name, the short nonce and the box. */
export const MESSAGE_SHORT_NONCE_AT = MESSAGE_NAME.length;
/** Where MESSAGE's box starts. */
export const MESSAGE_BOX_AT = MESSAGE_SHORT_NONCE_AT + SHORT_NONCE_SIZE;
/** The flags byte (MORE, COMMAND) sealed ahead of the frame body. */
export const MESSAGE_FLAGS_SIZE = 1;
/** What sealing adds to a frame: name, short nonce, tag and flags; 33 bytes. */
export const MESSAGE_OVERHEAD = MESSAGE_BOX_AT + MAC_SIZE + MESSAGE_FLAGS_SIZE;

/** Prefix of HELLO's short nonce. */
export const HELLO_NONCE = _bytes("CurveZMQHELLO---");
/** Prefix of WELCOME's long nonce. */
export const WELCOME_NONCE = _bytes("WELCOME-");
/** Prefix of the cookie's long nonce. */
export const COOKIE_NONCE = _bytes("COOKIE--");
/** Prefix of the vouch's long nonce. */
export const VOUCH_NONCE = _bytes("VOUCH---");
/** Prefix of INITIATE's short nonce. */
export const INITIATE_NONCE = _bytes("CurveZMQINITIATE");
/** Prefix of READY's short nonce. */
export const READY_NONCE = _bytes("CurveZMQREADY---");
/** Prefix of the client's MESSAGE short nonces. */
export const CLIENT_MESSAGE_NONCE = _bytes("CurveZMQMESSAGEC");
/** Prefix of the server's MESSAGE short nonces. */
export const SERVER_MESSAGE_NONCE = _bytes("CurveZMQMESSAGES");

/** A full nonce: a prefix, then a short or long nonce. */
export function nonce(prefix: Uint8Array, tail: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(NONCE_SIZE);
  nonce.set(prefix);
  nonce.set(tail, prefix.length);
  return nonce;
}

/** A short nonce, as its own bytes. */
export function shortNonce(counter: number): Uint8Array {
  const bytes = new Uint8Array(SHORT_NONCE_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(4, counter >>> 0);
  return bytes;
}

/** Writes a short nonce in place, without allocating: the MESSAGE path. */
export function writeShortNonce(
  into: Uint8Array,
  at: number,
  counter: number,
): void {
  const high = Math.floor(counter / 0x1_0000_0000);
  const low = counter >>> 0;
  into[at] = high >>> 24;
  into[at + 1] = (high >>> 16) & 0xff;
  into[at + 2] = (high >>> 8) & 0xff;
  into[at + 3] = high & 0xff;
  into[at + 4] = low >>> 24;
  into[at + 5] = (low >>> 16) & 0xff;
  into[at + 6] = (low >>> 8) & 0xff;
  into[at + 7] = low & 0xff;
}

/**
 * A peer's last short nonce, as its high and low 32 bits: a counter may
 * start anywhere below 2^64 (RFC 26 fixes no start), and a number loses
 * the order of neighbours past 2^53.
 */
export class PeerNonce {
  #high = 0;
  #low = 0;

  /** Whether `bytes`, a short nonce, comes after the last one recorded. */
  isBefore(bytes: Uint8Array): boolean {
    const high = _word(bytes, 0);
    return high > this.#high ||
      (high === this.#high && _word(bytes, 4) > this.#low);
  }

  /** Records `bytes`, a short nonce, as the peer's last. */
  record(bytes: Uint8Array): void {
    this.#high = _word(bytes, 0);
    this.#low = _word(bytes, 4);
  }

  /** The last recorded, in decimal: for messages. */
  toString(): string {
    return _decimal(this.#high, this.#low);
  }
}

/** A short nonce in decimal, exactly: for messages. */
export function shortNonceText(bytes: Uint8Array): string {
  return _decimal(_word(bytes, 0), _word(bytes, 4));
}

/** A 64-bit counter, from its high and low 32 bits, in decimal. */
function _decimal(high: number, low: number): string {
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** The big-endian 32-bit word at `at`. */
function _word(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) |
    bytes[at + 3]) >>> 0;
}

/** Seals a box under the nonce `prefix` + `tail`. */
export function sealBox(
  key: Uint8Array,
  prefix: Uint8Array,
  tail: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return seal(key, nonce(prefix, tail), plaintext);
}

/** Opens a box sealed under the nonce `prefix` + `tail`; `undefined` if forged. */
export function openBox(
  key: Uint8Array,
  prefix: Uint8Array,
  tail: Uint8Array,
  box: Uint8Array,
): Uint8Array | undefined {
  return open(key, nonce(prefix, tail), box);
}

/** Compares in constant time, as keys and cookies must be. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

/** Joins byte arrays into one. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
