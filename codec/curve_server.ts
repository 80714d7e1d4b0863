/**
 * The server side of CURVE (RFC 26): it answers HELLO with its short-term
 * key inside a cookie (WELCOME), checks the client's INITIATE and vouch,
 * asks the authenticator for a verdict on the client's long-term key and
 * says READY; then every frame travels sealed.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import { type Command, encodeCommand } from "./command.ts";
import { ProtocolError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Mechanism, MechanismStep, SealedFrame } from "./mechanism.ts";
import { encodeMetadata, type Metadata, parseMetadata } from "./metadata.ts";
import { toCurveKey } from "./curve_keys.ts";
import { generateKeyPair, precompute, randomBytes } from "./_nacl.ts";
import { refusal } from "./_refusal.ts";
import { requireCryptoModule } from "./_crypto_module.ts";
import { CurveTraffic } from "./_curve_mechanism.ts";
import {
  CLIENT_MESSAGE_NONCE,
  concat,
  COOKIE_NONCE,
  COOKIE_SIZE,
  equal,
  HELLO_BOX_AT,
  HELLO_CLIENT_KEY_AT,
  HELLO_DATA_SIZE,
  HELLO_NONCE,
  HELLO_SHORT_NONCE_AT,
  INITIATE_BOX_AT,
  INITIATE_METADATA_AT,
  INITIATE_MIN_DATA_SIZE,
  INITIATE_NONCE,
  INITIATE_SHORT_NONCE_AT,
  INITIATE_VOUCH_BOX_AT,
  INITIATE_VOUCH_NONCE_AT,
  KEY_SIZE,
  LONG_NONCE_SIZE,
  MESSAGE_OVERHEAD,
  openBox,
  READY_NONCE,
  sealBox,
  SERVER_MESSAGE_NONCE,
  shortNonce,
  VOUCH_NONCE,
  VOUCH_PLAINTEXT_SIZE,
  WELCOME_NONCE,
} from "./_curve_box.ts";

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
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const server = new codec.CurveServerMechanism(
 *   new codec.Metadata([["Socket-Type", "REP"]]),
 *   codec.curveKeyPair(),
 * );
 * console.log(server.start().length); // 0: the client speaks first
 * ```
 */
export class CurveServerMechanism implements Mechanism {
  /** Always `CURVE`. */
  readonly name: MechanismName = "CURVE";
  /** The server role. */
  readonly asServer: boolean = true;
  /** Bytes a MESSAGE adds to the frame it seals: 33. */
  readonly overhead: number = MESSAGE_OVERHEAD;
  #traffic = new CurveTraffic(SERVER_MESSAGE_NONCE, CLIENT_MESSAGE_NONCE);
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
   * @throws {ZmqError} `EINVAL` for a key that is not 40 Z85 characters or
   * 32 bytes; `ENOTSUP` where the runtime refused CURVE's WebAssembly.
   */
  constructor(metadata: Metadata, keys: CurveServerKeys) {
    requireCryptoModule();
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
    const nonce = shortNonce(this.#traffic.nonce++);
    const box = sealBox(
      this.#traffic.key!,
      READY_NONCE,
      nonce,
      encodeMetadata(this.#metadata),
    );
    return {
      send: [encodeCommand("READY", concat(nonce, box))],
      peerMetadata: this.#peerMetadata,
    };
  }

  #welcome(hello: Uint8Array): Uint8Array {
    if (hello.length !== HELLO_DATA_SIZE) {
      throw new ProtocolError("protocol", "malformed CURVE HELLO");
    }
    if (hello[0] !== 1 || hello[1] !== 0) {
      throw new ProtocolError(
        "version",
        `CurveZMQ ${hello[0]}.${hello[1]} is not 1.0`,
      );
    }
    const clientShortTerm = hello.slice(
      HELLO_CLIENT_KEY_AT,
      HELLO_SHORT_NONCE_AT,
    );
    const nonce = hello.subarray(HELLO_SHORT_NONCE_AT, HELLO_BOX_AT);
    const toClient = precompute(clientShortTerm, this.#secretKey);
    const signature = toClient &&
      openBox(toClient, HELLO_NONCE, nonce, hello.subarray(HELLO_BOX_AT));
    if (!signature) {
      throw new ProtocolError(
        "auth",
        "the CURVE HELLO did not open: the client has the wrong server key",
      );
    }
    this.#traffic.peerNonce.record(nonce);
    this.#clientShortTerm = clientShortTerm;
    this.#shortTerm = generateKeyPair();
    this.#cookieKey = randomBytes(KEY_SIZE);
    const cookieNonce = randomBytes(LONG_NONCE_SIZE);
    const cookie = concat(
      cookieNonce,
      sealBox(
        this.#cookieKey,
        COOKIE_NONCE,
        cookieNonce,
        concat(clientShortTerm, this.#shortTerm.secretKey),
      ),
    );
    const welcomeNonce = randomBytes(LONG_NONCE_SIZE);
    const box = sealBox(
      toClient!,
      WELCOME_NONCE,
      welcomeNonce,
      concat(this.#shortTerm.publicKey, cookie),
    );
    this.#state = "initiate";
    return encodeCommand("WELCOME", concat(welcomeNonce, box));
  }

  #initiate(data: Uint8Array): MechanismStep {
    if (data.length < INITIATE_MIN_DATA_SIZE) {
      throw new ProtocolError("protocol", "malformed CURVE INITIATE");
    }
    const cookie = openBox(
      this.#cookieKey!,
      COOKIE_NONCE,
      data.subarray(0, LONG_NONCE_SIZE),
      data.subarray(LONG_NONCE_SIZE, COOKIE_SIZE),
    );
    this.#cookieKey = undefined; // A cookie is good for one INITIATE.
    if (
      !cookie ||
      !equal(cookie.subarray(0, KEY_SIZE), this.#clientShortTerm!) ||
      !equal(cookie.subarray(KEY_SIZE), this.#shortTerm!.secretKey)
    ) {
      throw new ProtocolError("auth", "the CURVE cookie is not ours");
    }
    const nonce = data.subarray(INITIATE_SHORT_NONCE_AT, INITIATE_BOX_AT);
    if (!this.#traffic.peerNonce.isBefore(nonce)) {
      throw new ProtocolError(
        "protocol",
        "the CURVE INITIATE reused its nonce",
      );
    }
    const key = precompute(this.#clientShortTerm!, this.#shortTerm!.secretKey)!;
    const plaintext = openBox(
      key,
      INITIATE_NONCE,
      nonce,
      data.subarray(INITIATE_BOX_AT),
    );
    if (!plaintext) {
      throw new ProtocolError("auth", "the CURVE INITIATE did not open");
    }
    const clientKey = plaintext.slice(0, KEY_SIZE);
    const toClientKey = precompute(clientKey, this.#shortTerm!.secretKey);
    const vouch = toClientKey &&
      openBox(
        toClientKey,
        VOUCH_NONCE,
        plaintext.subarray(INITIATE_VOUCH_NONCE_AT, INITIATE_VOUCH_BOX_AT),
        plaintext.subarray(INITIATE_VOUCH_BOX_AT, INITIATE_METADATA_AT),
      );
    if (
      !vouch ||
      !equal(vouch.subarray(0, KEY_SIZE), this.#clientShortTerm!) ||
      !equal(vouch.subarray(KEY_SIZE, VOUCH_PLAINTEXT_SIZE), this.#publicKey)
    ) {
      throw new ProtocolError(
        "auth",
        "the CURVE vouch does not hold: the client's long-term key does not speak for it",
      );
    }
    this.#traffic.key = key;
    this.#traffic.peerNonce.record(nonce);
    this.#peerMetadata = parseMetadata(
      plaintext.subarray(INITIATE_METADATA_AT),
    );
    this.#state = "verdict";
    return {
      send: [],
      peerMetadata: this.#peerMetadata,
      authenticate: { mechanism: "CURVE", credentials: [clientKey] },
    };
  }

  /** Seals a frame into a MESSAGE command, once the handshake is done. */
  seal(frame: SealedFrame): Uint8Array {
    return this.#traffic.seal(frame);
  }

  /**
   * Seals a frame into a MESSAGE command written over `message`, exactly
   * {@linkcode CurveServerMechanism.overhead} bytes longer than its body.
   */
  sealInto(frame: SealedFrame, message: Uint8Array): void {
    this.#traffic.sealInto(frame, message);
  }

  /**
   * Opens a MESSAGE command, in place.
   *
   * @throws {ProtocolError} For a frame that is not a MESSAGE, a nonce
   * replayed or out of order, or a box tampered with or forged.
   */
  open(body: Uint8Array): SealedFrame {
    return this.#traffic.open(body);
  }
}
