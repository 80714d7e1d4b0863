/**
 * The CURVE mechanism (RFC 26, CurveZMQ): authenticated encryption with
 * perfect forward secrecy. The client proves it knows the server's public
 * key (HELLO), gets the server's short-term key inside a cookie (WELCOME),
 * vouches for its own long-term key (INITIATE) and, once the server's
 * authenticator allows it, both sides seal every frame — messages and
 * commands alike — in MESSAGE envelopes with strictly increasing nonces.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import { type Command, encodeCommand } from "./command.ts";
import { refusal, unexpectedCommand } from "./_refusal.ts";
import { ProtocolError, ZmqError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Mechanism, MechanismStep, SealedFrame } from "./mechanism.ts";
import { encodeMetadata, type Metadata, parseMetadata } from "./metadata.ts";
import { z85Decode, z85Encode } from "./z85.ts";
import {
  generateKeyPair,
  open,
  precompute,
  publicKeyOf,
  randomBytes,
  seal,
} from "./_nacl.ts";

const _encoder = new TextEncoder();
const _prefix = (text: string): Uint8Array => _encoder.encode(text);
const _HELLO_NONCE = _prefix("CurveZMQHELLO---");
const _WELCOME_NONCE = _prefix("WELCOME-");
const _COOKIE_NONCE = _prefix("COOKIE--");
const _VOUCH_NONCE = _prefix("VOUCH---");
const _INITIATE_NONCE = _prefix("CurveZMQINITIATE");
const _READY_NONCE = _prefix("CurveZMQREADY---");
const _CLIENT_MESSAGE_NONCE = _prefix("CurveZMQMESSAGEC");
const _SERVER_MESSAGE_NONCE = _prefix("CurveZMQMESSAGES");
const _MESSAGE = _prefix("\x07MESSAGE");
/** Name, short nonce, MAC and flags: what sealing adds to a frame. */
const _MESSAGE_OVERHEAD = 8 + 8 + 16 + 1;

/** A CURVE key pair as Z85 text, as zeromq.js and libzmq's tools print them. */
export interface CurveKeyPair {
  /** The public key: 40 Z85 characters. */
  publicKey: string;
  /** The secret key: 40 Z85 characters. */
  secretKey: string;
}

/**
 * Makes a long-term CURVE key pair (zmq_curve_keypair).
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const { publicKey, secretKey } = codec.curveKeyPair();
 * console.log(publicKey.length, secretKey.length); // 40 40
 * ```
 *
 * @returns The keys as Z85 text.
 */
export function curveKeyPair(): CurveKeyPair {
  const { publicKey, secretKey } = generateKeyPair();
  return { publicKey: z85Encode(publicKey), secretKey: z85Encode(secretKey) };
}

/**
 * Derives the public key of a secret key (zmq_curve_public).
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const { publicKey, secretKey } = codec.curveKeyPair();
 * console.log(codec.curvePublicKey(secretKey) === publicKey); // true
 * ```
 *
 * @param secretKey 40 Z85 characters or 32 bytes.
 * @returns The public key as Z85 text.
 */
export function curvePublicKey(secretKey: string | Uint8Array): string {
  return z85Encode(publicKeyOf(toCurveKey(secretKey, "secret key")));
}

/**
 * Reads a CURVE key given as 40 Z85 characters or 32 raw bytes.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const key = codec.toCurveKey("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "server key");
 * console.log(key.length); // 32
 * ```
 *
 * @param key The key.
 * @param what What the key is, for the error message.
 * @returns The 32 bytes.
 * @throws {ZmqError} `EINVAL` for anything else.
 */
export function toCurveKey(key: string | Uint8Array, what: string): Uint8Array {
  if (typeof key === "string") {
    if (key.length !== 40) {
      throw new ZmqError(
        "EINVAL",
        `a CURVE ${what} is 40 Z85 characters or 32 bytes; got ${key.length} characters`,
      );
    }
    return z85Decode(key);
  }
  if (key.length !== 32) {
    throw new ZmqError(
      "EINVAL",
      `a CURVE ${what} is 40 Z85 characters or 32 bytes; got ${key.length} bytes`,
    );
  }
  return key;
}

function _nonce(prefix: Uint8Array, tail: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(prefix);
  nonce.set(tail, prefix.length);
  return nonce;
}

function _shortNonce(counter: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(4, counter >>> 0);
  return bytes;
}

function _writeShortNonce(into: Uint8Array, at: number, counter: number): void {
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

function _readShortNonce(bytes: Uint8Array): number {
  const high = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) |
    bytes[3]) >>> 0;
  const low = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) |
    bytes[7]) >>> 0;
  return high * 0x1_0000_0000 + low;
}

function _equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

function _concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The traffic half of CURVE, once both sides hold the short-term shared key:
 * MESSAGE envelopes with strictly increasing nonces.
 */
abstract class _CurveMechanism implements Mechanism {
  readonly name: MechanismName = "CURVE";
  abstract readonly asServer: boolean;
  readonly overhead: number = _MESSAGE_OVERHEAD;
  /** The short-term shared key (crypto_box_beforenm of C' and S'). */
  protected _key: Uint8Array | undefined;
  /** Our next short nonce; every nonce is used once. */
  protected _nonce = 1;
  /** The peer's last short nonce; the next must be greater. */
  protected _peerNonce = 0;
  /** The traffic nonces, prefix in place: only the short nonce changes. */
  readonly #sealNonce: Uint8Array;
  readonly #openNonce: Uint8Array;

  constructor(sealPrefix: Uint8Array, openPrefix: Uint8Array) {
    this.#sealNonce = _nonce(sealPrefix, new Uint8Array(8));
    this.#openNonce = _nonce(openPrefix, new Uint8Array(8));
  }

  abstract start(): Uint8Array[];
  abstract handle(command: Command): MechanismStep;

  /** Seals a frame into a MESSAGE command. */
  seal(frame: SealedFrame): Uint8Array {
    const plaintext = new Uint8Array(1 + frame.body.length);
    plaintext[0] = (frame.more ? 1 : 0) | (frame.command ? 2 : 0);
    plaintext.set(frame.body, 1);
    // The box is written where it goes: noble's 32-byte scratch area is the
    // place of the name and the short nonce, written after it.
    const message = new Uint8Array(32 + plaintext.length);
    const nonce = this.#sealNonce;
    _writeShortNonce(nonce, 16, this._nonce++);
    seal(this._key!, nonce, plaintext, message);
    message.set(_MESSAGE);
    message.set(nonce.subarray(16), 8);
    return message;
  }

  /** Opens a MESSAGE command; anything else, replayed or forged, throws. */
  open(body: Uint8Array): SealedFrame {
    if (
      body.length < _MESSAGE_OVERHEAD || !_equal(body.subarray(0, 8), _MESSAGE)
    ) {
      throw new ProtocolError(
        "protocol",
        "expected a CURVE MESSAGE: every frame is sealed once the handshake is done",
      );
    }
    const shortNonce = body.subarray(8, 16);
    const nonce = _readShortNonce(shortNonce);
    if (nonce <= this._peerNonce) {
      throw new ProtocolError(
        "protocol",
        `a CURVE MESSAGE reused or reordered its nonce (${nonce} after ${this._peerNonce})`,
      );
    }
    const fullNonce = this.#openNonce;
    fullNonce.set(shortNonce, 16);
    const plaintext = open(this._key!, fullNonce, body.subarray(16));
    if (!plaintext) {
      throw new ProtocolError(
        "auth",
        "a CURVE MESSAGE failed authentication: tampered with or forged",
      );
    }
    this._peerNonce = nonce;
    const flags = plaintext[0];
    return {
      more: (flags & 1) !== 0,
      command: (flags & 2) !== 0,
      body: plaintext.subarray(1),
    };
  }
}

/** Keys of a CURVE client. */
export interface CurveClientKeys {
  /** The server's long-term public key. */
  serverKey: string | Uint8Array;
  /** Our long-term public key. */
  publicKey: string | Uint8Array;
  /** Our long-term secret key. */
  secretKey: string | Uint8Array;
}

/**
 * The client side of CURVE.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const server = codec.curveKeyPair();
 * const client = new codec.CurveClientMechanism(
 *   new codec.Metadata([["Socket-Type", "REQ"]]),
 *   { serverKey: server.publicKey, ...codec.curveKeyPair() },
 * );
 * console.log(client.start()[0].length); // 200: HELLO, padded against amplification
 * ```
 */
export class CurveClientMechanism extends _CurveMechanism {
  /** The client role. */
  readonly asServer: boolean = false;
  #metadata: Metadata;
  #serverKey: Uint8Array;
  #publicKey: Uint8Array;
  #secretKey: Uint8Array;
  #shortTerm = generateKeyPair();
  #state: "welcome" | "ready" | "done" = "welcome";

  /**
   * Makes the client side, with a fresh short-term key pair.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   * @param keys The server's public key and our key pair.
   */
  constructor(metadata: Metadata, keys: CurveClientKeys) {
    super(_CLIENT_MESSAGE_NONCE, _SERVER_MESSAGE_NONCE);
    this.#metadata = metadata;
    this.#serverKey = toCurveKey(keys.serverKey, "server key");
    this.#publicKey = toCurveKey(keys.publicKey, "public key");
    this.#secretKey = toCurveKey(keys.secretKey, "secret key");
  }

  /** HELLO: our short-term key, and a box only the real server can open. */
  start(): Uint8Array[] {
    const shortNonce = _shortNonce(this._nonce++);
    const key = precompute(this.#serverKey, this.#shortTerm.secretKey);
    if (!key) {
      throw new ProtocolError("auth", "the CURVE server key is not usable");
    }
    const signature = seal(
      key,
      _nonce(_HELLO_NONCE, shortNonce),
      new Uint8Array(64),
    );
    const data = _concat(
      new Uint8Array([1, 0]), // CurveZMQ 1.0
      new Uint8Array(72), // anti-amplification padding
      this.#shortTerm.publicKey,
      shortNonce,
      signature,
    );
    return [encodeCommand("HELLO", data)];
  }

  /** WELCOME (answered with INITIATE), then READY. */
  handle(command: Command): MechanismStep {
    if (this.#state === "welcome") {
      if (command.name !== "WELCOME") {
        throw unexpectedCommand(command, "CURVE", "WELCOME");
      }
      return { send: [this.#initiate(command.data)] };
    }
    if (this.#state === "ready" && command.name === "READY") {
      const data = command.data;
      if (data.length < 8 + 16) {
        throw new ProtocolError("protocol", "malformed CURVE READY");
      }
      const shortNonce = data.subarray(0, 8);
      const metadata = open(
        this._key!,
        _nonce(_READY_NONCE, shortNonce),
        data.subarray(8),
      );
      if (!metadata) {
        throw new ProtocolError("auth", "the CURVE READY did not open");
      }
      this._peerNonce = _readShortNonce(shortNonce);
      this.#state = "done";
      return { send: [], peerMetadata: parseMetadata(metadata) };
    }
    throw unexpectedCommand(command, "CURVE", "READY");
  }

  #initiate(welcome: Uint8Array): Uint8Array {
    if (welcome.length !== 16 + 144) {
      throw new ProtocolError("protocol", "malformed CURVE WELCOME");
    }
    const toServer = precompute(this.#serverKey, this.#shortTerm.secretKey)!;
    const plaintext = open(
      toServer,
      _nonce(_WELCOME_NONCE, welcome.subarray(0, 16)),
      welcome.subarray(16),
    );
    if (!plaintext) {
      throw new ProtocolError(
        "auth",
        "the CURVE WELCOME did not open: is the server key right?",
      );
    }
    const serverShortTerm = plaintext.subarray(0, 32);
    const cookie = plaintext.subarray(32, 128);
    const key = precompute(serverShortTerm, this.#shortTerm.secretKey);
    if (!key) {
      throw new ProtocolError(
        "auth",
        "the server's short-term key is not usable",
      );
    }
    this._key = key;
    // The vouch: our long-term key speaks for the short-term one.
    const vouchNonce = randomBytes(16);
    const vouch = seal(
      precompute(serverShortTerm, this.#secretKey)!,
      _nonce(_VOUCH_NONCE, vouchNonce),
      _concat(this.#shortTerm.publicKey, this.#serverKey),
    );
    const shortNonce = _shortNonce(this._nonce++);
    const box = seal(
      key,
      _nonce(_INITIATE_NONCE, shortNonce),
      _concat(
        this.#publicKey,
        vouchNonce,
        vouch,
        encodeMetadata(this.#metadata),
      ),
    );
    this.#state = "ready";
    return encodeCommand("INITIATE", _concat(cookie, shortNonce, box));
  }
}

/** Keys of a CURVE server. */
export interface CurveServerKeys {
  /** Our long-term public key. */
  publicKey: string | Uint8Array;
  /** Our long-term secret key. */
  secretKey: string | Uint8Array;
}

/**
 * The server side of CURVE. It keeps no state for a client between HELLO
 * and INITIATE but the cookie key, as RFC 26 intends.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const server = new codec.CurveServerMechanism(
 *   new codec.Metadata([["Socket-Type", "REP"]]),
 *   codec.curveKeyPair(),
 * );
 * console.log(server.start().length); // 0: the client speaks first
 * ```
 */
export class CurveServerMechanism extends _CurveMechanism {
  /** The server role. */
  readonly asServer: boolean = true;
  #metadata: Metadata;
  #publicKey: Uint8Array;
  #secretKey: Uint8Array;
  #clientShortTerm: Uint8Array | undefined;
  #shortTerm: { publicKey: Uint8Array; secretKey: Uint8Array } | undefined;
  #cookieKey: Uint8Array | undefined;
  #peerMetadata: Metadata | undefined;
  #state: "hello" | "initiate" | "verdict" | "done" = "hello";

  /**
   * Makes the server side.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   * @param keys Our long-term key pair.
   */
  constructor(metadata: Metadata, keys: CurveServerKeys) {
    super(_SERVER_MESSAGE_NONCE, _CLIENT_MESSAGE_NONCE);
    this.#metadata = metadata;
    this.#publicKey = toCurveKey(keys.publicKey, "public key");
    this.#secretKey = toCurveKey(keys.secretKey, "secret key");
  }

  /** Nothing: the client speaks first. */
  start(): Uint8Array[] {
    return [];
  }

  /** HELLO (answered with WELCOME), then INITIATE (asks for a verdict). */
  handle(command: Command): MechanismStep {
    if (this.#state === "hello" && command.name === "HELLO") {
      return { send: [this.#welcome(command.data)] };
    }
    if (this.#state === "initiate" && command.name === "INITIATE") {
      return this.#initiate(command.data);
    }
    throw new ProtocolError(
      "protocol",
      `unexpected ${command.name} in the CURVE handshake`,
    );
  }

  /** READY for an allowed client; ERROR with the status code otherwise. */
  authenticated(verdict: Verdict): MechanismStep {
    if (this.#state !== "verdict") {
      throw new ProtocolError("protocol", "no CURVE verdict was asked for");
    }
    this.#state = "done";
    if (verdict.statusCode !== 200) return refusal(verdict, "client");
    const shortNonce = _shortNonce(this._nonce++);
    const box = seal(
      this._key!,
      _nonce(_READY_NONCE, shortNonce),
      encodeMetadata(this.#metadata),
    );
    return {
      send: [encodeCommand("READY", _concat(shortNonce, box))],
      peerMetadata: this.#peerMetadata,
    };
  }

  #welcome(hello: Uint8Array): Uint8Array {
    if (hello.length !== 2 + 72 + 32 + 8 + 80) {
      throw new ProtocolError("protocol", "malformed CURVE HELLO");
    }
    if (hello[0] !== 1 || hello[1] !== 0) {
      throw new ProtocolError(
        "version",
        `CurveZMQ ${hello[0]}.${hello[1]} is not 1.0`,
      );
    }
    const clientShortTerm = hello.slice(74, 106);
    const shortNonce = hello.subarray(106, 114);
    const toClient = precompute(clientShortTerm, this.#secretKey);
    const signature = toClient &&
      open(toClient, _nonce(_HELLO_NONCE, shortNonce), hello.subarray(114));
    if (!signature) {
      throw new ProtocolError(
        "auth",
        "the CURVE HELLO did not open: the client has the wrong server key",
      );
    }
    this._peerNonce = _readShortNonce(shortNonce);
    this.#clientShortTerm = clientShortTerm;
    this.#shortTerm = generateKeyPair();
    this.#cookieKey = randomBytes(32);
    const cookieNonce = randomBytes(16);
    const cookie = _concat(
      cookieNonce,
      seal(
        this.#cookieKey,
        _nonce(_COOKIE_NONCE, cookieNonce),
        _concat(clientShortTerm, this.#shortTerm.secretKey),
      ),
    );
    const welcomeNonce = randomBytes(16);
    const box = seal(
      toClient!,
      _nonce(_WELCOME_NONCE, welcomeNonce),
      _concat(this.#shortTerm.publicKey, cookie),
    );
    this.#state = "initiate";
    return encodeCommand("WELCOME", _concat(welcomeNonce, box));
  }

  #initiate(data: Uint8Array): MechanismStep {
    if (data.length < 96 + 8 + 16 + 128) {
      throw new ProtocolError("protocol", "malformed CURVE INITIATE");
    }
    const cookie = open(
      this.#cookieKey!,
      _nonce(_COOKIE_NONCE, data.subarray(0, 16)),
      data.subarray(16, 96),
    );
    this.#cookieKey = undefined; // A cookie is good for one INITIATE.
    if (
      !cookie || !_equal(cookie.subarray(0, 32), this.#clientShortTerm!) ||
      !_equal(cookie.subarray(32), this.#shortTerm!.secretKey)
    ) {
      throw new ProtocolError("auth", "the CURVE cookie is not ours");
    }
    const shortNonce = data.subarray(96, 104);
    const nonce = _readShortNonce(shortNonce);
    if (nonce <= this._peerNonce) {
      throw new ProtocolError(
        "protocol",
        "the CURVE INITIATE reused its nonce",
      );
    }
    const key = precompute(this.#clientShortTerm!, this.#shortTerm!.secretKey)!;
    const plaintext = open(
      key,
      _nonce(_INITIATE_NONCE, shortNonce),
      data.subarray(104),
    );
    if (!plaintext) {
      throw new ProtocolError("auth", "the CURVE INITIATE did not open");
    }
    const clientKey = plaintext.slice(0, 32);
    const toClientKey = precompute(clientKey, this.#shortTerm!.secretKey);
    const vouch = toClientKey &&
      open(
        toClientKey,
        _nonce(_VOUCH_NONCE, plaintext.subarray(32, 48)),
        plaintext.subarray(48, 128),
      );
    if (
      !vouch || !_equal(vouch.subarray(0, 32), this.#clientShortTerm!) ||
      !_equal(vouch.subarray(32, 64), this.#publicKey)
    ) {
      throw new ProtocolError(
        "auth",
        "the CURVE vouch does not hold: the client's long-term key does not speak for it",
      );
    }
    this._key = key;
    this._peerNonce = nonce;
    this.#peerMetadata = parseMetadata(plaintext.subarray(128));
    this.#state = "verdict";
    return {
      send: [],
      authenticate: { mechanism: "CURVE", credentials: [clientKey] },
    };
  }
}
