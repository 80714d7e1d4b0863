/**
 * The security mechanism a socket's options ask for.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Mechanism } from "../codec/mechanism.ts";
import { Metadata } from "../codec/metadata.ts";
import { NullMechanism } from "../codec/null.ts";
import { PlainClientMechanism, PlainServerMechanism } from "../codec/plain.ts";
import {
  CurveClientMechanism,
  curveKeyPair,
  CurveServerMechanism,
  toCurveKey,
} from "../codec/curve.ts";
import { publicKeyOf, sharesKey } from "../codec/_nacl.ts";
import { requireCryptoModule } from "../codec/_crypto_module.ts";
import type { SocketOptions } from "./options.ts";

/** Makes the mechanism of each new connection, given our READY properties. */
export type MechanismFactory = (metadata: Metadata) => Mechanism;

/**
 * Picks the mechanism the options ask for, checking keys at once; NULL
 * authenticates while the socket's `zapDomain` is set.
 *
 * @throws {ZmqError} `EINVAL` for a missing or malformed key, or a CURVE
 * server key that is no usable point (every handshake would fail);
 * `ENOTSUP` for CURVE where the runtime refused its WebAssembly.
 */
export function mechanismFactory(
  options: SocketOptions,
  live: { readonly zapDomain: string },
): MechanismFactory {
  if (options.curveServer) {
    requireCryptoModule();
    if (options.curveSecretKey === undefined) {
      throw new ZmqError("EINVAL", "a CURVE server needs its curveSecretKey");
    }
    const secretKey = toCurveKey(options.curveSecretKey, "secret key");
    const publicKey = options.curvePublicKey !== undefined
      ? toCurveKey(options.curvePublicKey, "public key")
      : publicKeyOf(secretKey);
    return (metadata) =>
      new CurveServerMechanism(metadata, { publicKey, secretKey });
  }
  if (options.curveServerKey !== undefined) {
    requireCryptoModule();
    const serverKey = toCurveKey(options.curveServerKey, "server key");
    const own = options.curveSecretKey === undefined ? curveKeyPair() : {
      secretKey: options.curveSecretKey,
      publicKey: options.curvePublicKey,
    };
    const secretKey = toCurveKey(own.secretKey, "secret key");
    const publicKey = own.publicKey !== undefined
      ? toCurveKey(own.publicKey, "public key")
      : publicKeyOf(secretKey);
    // A point of small order gives no shared key with any secret: said now,
    // not as a failed handshake on each connection (over ZWS, a throw).
    if (!sharesKey(serverKey, secretKey)) {
      throw new ZmqError(
        "EINVAL",
        "the curveServerKey is not a usable CURVE public key (a point of small order)",
      );
    }
    return (metadata) =>
      new CurveClientMechanism(metadata, { serverKey, publicKey, secretKey });
  }
  if (options.plainServer) {
    return (metadata) => new PlainServerMechanism(metadata);
  }
  if (options.plainUsername !== undefined) {
    const { plainUsername, plainPassword = "" } = options;
    // Not made text here: a null from a configuration is no user "null".
    if (
      typeof plainUsername !== "string" || typeof plainPassword !== "string"
    ) {
      throw new ZmqError(
        "EINVAL",
        "plainUsername and plainPassword are strings",
      );
    }
    // Checks the lengths now rather than at the first connection.
    new PlainClientMechanism(new Metadata(), plainUsername, plainPassword);
    return (metadata) =>
      new PlainClientMechanism(metadata, plainUsername, plainPassword);
  }
  // An empty domain is none, as libzmq's zap_required() reads it; read
  // for each connection, as the domain may be set after the socket is made.
  return (metadata) =>
    new NullMechanism(metadata, { authenticate: live.zapDomain !== "" });
}
