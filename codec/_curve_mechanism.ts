/**
 * The traffic half of CURVE that client and server share: MESSAGE
 * envelopes with strictly increasing nonces, once both sides hold the
 * short-term shared key. Each side's mechanism holds one (composition, so
 * that the public mechanisms expose no protected state).
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import type { SealedFrame } from "./mechanism.ts";
import { openInPlace, sealFrame } from "./_secretbox.ts";
import {
  equal,
  MESSAGE_BOX_AT,
  MESSAGE_FLAGS_SIZE,
  MESSAGE_NAME,
  MESSAGE_OVERHEAD,
  MESSAGE_SHORT_NONCE_AT,
  nonce,
  PeerNonce,
  SHORT_NONCE_AT,
  SHORT_NONCE_SIZE,
  shortNonceText,
  writeShortNonce,
} from "./_curve_box.ts";

/** What a side of CURVE has once its handshake is done. */
export class CurveTraffic {
  /** The short-term shared key (crypto_box_beforenm of C' and S'). */
  key: Uint8Array | undefined;
  /**
   * Our next short nonce, for the handshake's commands and then every
   * MESSAGE: each is used once.
   */
  nonce = 1;
  /** The peer's last short nonce; the next must be greater. */
  readonly peerNonce: PeerNonce = new PeerNonce();
  /** The traffic nonces, prefix in place: only the short nonce changes. */
  readonly #sealNonce: Uint8Array;
  readonly #openNonce: Uint8Array;

  /**
   * @param sealPrefix The prefix of the nonces we seal under.
   * @param openPrefix The prefix of the nonces the peer seals under.
   */
  constructor(sealPrefix: Uint8Array, openPrefix: Uint8Array) {
    this.#sealNonce = nonce(sealPrefix, new Uint8Array(SHORT_NONCE_SIZE));
    this.#openNonce = nonce(openPrefix, new Uint8Array(SHORT_NONCE_SIZE));
  }

  /** Seals a frame into a MESSAGE command. */
  seal(frame: SealedFrame): Uint8Array {
    const message = new Uint8Array(MESSAGE_OVERHEAD + frame.body.length);
    this.sealInto(frame, message);
    return message;
  }

  /** Seals a frame into a MESSAGE command written over `message`. */
  sealInto(frame: SealedFrame, message: Uint8Array): void {
    const fullNonce = this.#sealNonce;
    // Past 2^53 the counter would stop counting and a nonce repeat.
    if (this.nonce >= Number.MAX_SAFE_INTEGER) {
      throw new ProtocolError(
        "local",
        "this CURVE connection used up its nonces: reconnect for fresh keys",
      );
    }
    writeShortNonce(fullNonce, SHORT_NONCE_AT, this.nonce++);
    // The box is written where it goes, after the name and short nonce.
    sealFrame(
      this.key!,
      fullNonce,
      (frame.more ? 1 : 0) | (frame.command ? 2 : 0),
      frame.body,
      message,
    );
    message.set(MESSAGE_NAME);
    message.set(fullNonce.subarray(SHORT_NONCE_AT), MESSAGE_SHORT_NONCE_AT);
  }

  /** Opens a MESSAGE command; anything else, replayed or forged, throws. */
  open(body: Uint8Array): SealedFrame {
    if (
      body.length < MESSAGE_OVERHEAD ||
      !equal(body.subarray(0, MESSAGE_SHORT_NONCE_AT), MESSAGE_NAME)
    ) {
      throw new ProtocolError(
        "protocol",
        "expected a CURVE MESSAGE: every frame is sealed once the handshake is done",
      );
    }
    const shortNonce = body.subarray(MESSAGE_SHORT_NONCE_AT, MESSAGE_BOX_AT);
    if (!this.peerNonce.isBefore(shortNonce)) {
      throw new ProtocolError(
        "protocol",
        `a CURVE MESSAGE reused or reordered its nonce (${
          shortNonceText(shortNonce)
        } after ${this.peerNonce})`,
      );
    }
    const fullNonce = this.#openNonce;
    fullNonce.set(shortNonce, SHORT_NONCE_AT);
    const plaintext = openInPlace(
      this.key!,
      fullNonce,
      body.subarray(MESSAGE_BOX_AT),
    );
    if (!plaintext) {
      throw new ProtocolError(
        "auth",
        "a CURVE MESSAGE failed authentication: tampered with or forged",
      );
    }
    this.peerNonce.record(shortNonce);
    const flags = plaintext[0];
    return {
      more: (flags & 1) !== 0,
      command: (flags & 2) !== 0,
      body: plaintext.subarray(MESSAGE_FLAGS_SIZE),
    };
  }
}
