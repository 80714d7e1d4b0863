/**
 * CURVE keys (zmq_curve_keypair, zmq_curve_public): long-term key pairs as
 * Z85 text, and the reading of a key given as text or bytes.
 *
 * @module
 */

import { ZmqError } from "./errors.ts";
import { z85Decode, z85Encode } from "./z85.ts";
import { generateKeyPair, publicKeyOf } from "./_nacl.ts";
import { KEY_SIZE } from "./_curve_box.ts";

/** A key as Z85 text: 5 characters for every 4 bytes. */
const _Z85_KEY_LENGTH = KEY_SIZE / 4 * 5;

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
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const { publicKey, secretKey } = codec.curveKeyPair();
 * console.log(publicKey.length, secretKey.length); // 40 40
 * ```
 *
 * @returns The keys as Z85 text.
 * @throws {ZmqError} `ENOTSUP` where the runtime refused CURVE's
 * WebAssembly (as zmq_curve_keypair in a libzmq built without CURVE).
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
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const { publicKey, secretKey } = codec.curveKeyPair();
 * console.log(codec.curvePublicKey(secretKey) === publicKey); // true
 * ```
 *
 * @param secretKey 40 Z85 characters or 32 bytes.
 * @returns The public key as Z85 text.
 * @throws {ZmqError} `EINVAL` for a key that is not 40 Z85 characters or
 * 32 bytes; `ENOTSUP` where the runtime refused CURVE's WebAssembly.
 */
export function curvePublicKey(secretKey: string | Uint8Array): string {
  return z85Encode(publicKeyOf(toCurveKey(secretKey, "secret key")));
}

/**
 * Reads a CURVE key given as 40 Z85 characters or 32 raw bytes.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
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
    if (key.length !== _Z85_KEY_LENGTH) {
      throw new ZmqError(
        "EINVAL",
        `a CURVE ${what} is 40 Z85 characters or 32 bytes; got ${key.length} characters`,
      );
    }
    return z85Decode(key);
  }
  if (key.length !== KEY_SIZE) {
    throw new ZmqError(
      "EINVAL",
      `a CURVE ${what} is 40 Z85 characters or 32 bytes; got ${key.length} bytes`,
    );
  }
  // Ours, as libzmq's setsockopt copies it: a caller may wipe its own (a
  // copy whatever the view: a Node Buffer's slice() shares its memory).
  return new Uint8Array(key);
}
