/**
 * The client side of CURVE (RFC 26): it proves it knows the server's
 * public key (HELLO), gets the server's short-term key inside a cookie
 * (WELCOME), vouches for its own long-term key (INITIATE) and waits for
 * READY; then every frame travels sealed.
 *
 * @module
 */

import { type Command, encodeCommand } from "./command.ts";
import { ProtocolError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Mechanism, MechanismStep, SealedFrame } from "./mechanism.ts";
import { encodeMetadata, type Metadata, parseMetadata } from "./metadata.ts";
import { toCurveKey } from "./curve_keys.ts";
import { generateKeyPair, precompute, randomBytes } from "./_nacl.ts";
import { unexpectedCommand } from "./_refusal.ts";
import { CurveTraffic } from "./_curve_mechanism.ts";
import {
  CLIENT_MESSAGE_NONCE,
  concat,
  HELLO_NONCE,
  HELLO_PADDING_SIZE,
  HELLO_SIGNATURE_SIZE,
  HELLO_VERSION,
  INITIATE_NONCE,
  KEY_SIZE,
  LONG_NONCE_SIZE,
  MESSAGE_OVERHEAD,
  openBox,
  READY_MIN_DATA_SIZE,
  READY_NONCE,
  sealBox,
  SERVER_MESSAGE_NONCE,
  SHORT_NONCE_SIZE,
  shortNonce,
  VOUCH_NONCE,
  WELCOME_DATA_SIZE,
  WELCOME_NONCE,
  WELCOME_PLAINTEXT_SIZE,
} from "./_curve_box.ts";

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
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const server = codec.curveKeyPair();
 * const client = new codec.CurveClientMechanism(
 *   new codec.Metadata([["Socket-Type", "REQ"]]),
 *   { serverKey: server.publicKey, ...codec.curveKeyPair() },
 * );
 * console.log(client.start()[0].length); // 200: HELLO, padded against amplification
 * ```
 */
export class CurveClientMechanism implements Mechanism {
  /** Always `CURVE`. */
  readonly name: MechanismName = "CURVE";
  /** The client role. */
  readonly asServer: boolean = false;
  /**
   * HELLO goes out with our greeting: it depends on nothing the server's
   * greeting says, and reveals only our short-term public key.
   */
  readonly startsWithGreeting: boolean = true;
  /** Bytes a MESSAGE adds to the frame it seals: 33. */
  readonly overhead: number = MESSAGE_OVERHEAD;
  #traffic = new CurveTraffic(CLIENT_MESSAGE_NONCE, SERVER_MESSAGE_NONCE);
  #metadata: Metadata;
  #serverKey: Uint8Array;
  #publicKey: Uint8Array;
  #secretKey: Uint8Array;
  #shortTerm = generateKeyPair();
  /** The key HELLO was sealed under, which opens WELCOME: computed once. */
  #toServer: Uint8Array | undefined;
  #state: "welcome" | "ready" | "done" = "welcome";

  /**
   * Makes the client side, with a fresh short-term key pair.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   * @param keys The server's public key and our key pair.
   * @throws {ZmqError} `EINVAL` for a key that is not 40 Z85 characters or
   * 32 bytes; `ENOTSUP` where the runtime refused CURVE's WebAssembly.
   */
  constructor(metadata: Metadata, keys: CurveClientKeys) {
    this.#metadata = metadata;
    this.#serverKey = toCurveKey(keys.serverKey, "server key");
    this.#publicKey = toCurveKey(keys.publicKey, "public key");
    this.#secretKey = toCurveKey(keys.secretKey, "secret key");
  }

  /** HELLO: our short-term key, and a box only the real server can open. */
  start(): Uint8Array[] {
    const nonce = shortNonce(this.#traffic.nonce++);
    const key = precompute(this.#serverKey, this.#shortTerm.secretKey);
    if (!key) {
      throw new ProtocolError("auth", "the CURVE server key is not usable");
    }
    this.#toServer = key;
    const signature = sealBox(
      key,
      HELLO_NONCE,
      nonce,
      new Uint8Array(HELLO_SIGNATURE_SIZE),
    );
    const data = concat(
      HELLO_VERSION,
      new Uint8Array(HELLO_PADDING_SIZE),
      this.#shortTerm.publicKey,
      nonce,
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
      if (data.length < READY_MIN_DATA_SIZE) {
        throw new ProtocolError("protocol", "malformed CURVE READY");
      }
      const nonce = data.subarray(0, SHORT_NONCE_SIZE);
      const metadata = openBox(
        this.#traffic.key!,
        READY_NONCE,
        nonce,
        data.subarray(SHORT_NONCE_SIZE),
      );
      if (!metadata) {
        throw new ProtocolError("auth", "the CURVE READY did not open");
      }
      this.#traffic.peerNonce.record(nonce);
      this.#state = "done";
      return { send: [], peerMetadata: parseMetadata(metadata) };
    }
    throw unexpectedCommand(command, "CURVE", "READY");
  }

  #initiate(welcome: Uint8Array): Uint8Array {
    if (welcome.length !== WELCOME_DATA_SIZE) {
      throw new ProtocolError("protocol", "malformed CURVE WELCOME");
    }
    // Kept by start(): without our HELLO, no WELCOME can be for us.
    const toServer = this.#toServer;
    if (!toServer) {
      throw new ProtocolError("protocol", "a CURVE WELCOME before our HELLO");
    }
    this.#toServer = undefined;
    const plaintext = openBox(
      toServer,
      WELCOME_NONCE,
      welcome.subarray(0, LONG_NONCE_SIZE),
      welcome.subarray(LONG_NONCE_SIZE),
    );
    toServer.fill(0);
    if (!plaintext) {
      throw new ProtocolError(
        "auth",
        "the CURVE WELCOME did not open: is the server key right?",
      );
    }
    const serverShortTerm = plaintext.subarray(0, KEY_SIZE);
    const cookie = plaintext.subarray(KEY_SIZE, WELCOME_PLAINTEXT_SIZE);
    const key = precompute(serverShortTerm, this.#shortTerm.secretKey);
    if (!key) {
      throw new ProtocolError(
        "auth",
        "the server's short-term key is not usable",
      );
    }
    this.#traffic.key = key;
    // The vouch: our long-term key speaks for the short-term one.
    const vouchNonce = randomBytes(LONG_NONCE_SIZE);
    const vouch = sealBox(
      precompute(serverShortTerm, this.#secretKey)!,
      VOUCH_NONCE,
      vouchNonce,
      concat(this.#shortTerm.publicKey, this.#serverKey),
    );
    const nonce = shortNonce(this.#traffic.nonce++);
    const box = sealBox(
      key,
      INITIATE_NONCE,
      nonce,
      concat(
        this.#publicKey,
        vouchNonce,
        vouch,
        encodeMetadata(this.#metadata),
      ),
    );
    this.#state = "ready";
    return encodeCommand("INITIATE", concat(cookie, nonce, box));
  }

  /** Seals a frame into a MESSAGE command, once the handshake is done. */
  seal(frame: SealedFrame): Uint8Array {
    return this.#traffic.seal(frame);
  }

  /**
   * Seals a frame into a MESSAGE command written over `message`, exactly
   * {@linkcode CurveClientMechanism.overhead} bytes longer than its body.
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
