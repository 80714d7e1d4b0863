/**
 * Socket types and which of them may talk to each other (RFC 23/37).
 *
 * @module
 */

/**
 * The socket types: those ZMTP names in the READY command's Socket-Type
 * property (RFC 37, and the draft types of RFC 41, 48, 49 and 51), and
 * STREAM and DGRAM, which speak raw TCP and UDP instead of ZMTP.
 */
export type SocketType =
  | "PAIR"
  | "PUB"
  | "SUB"
  | "REQ"
  | "REP"
  | "DEALER"
  | "ROUTER"
  | "PULL"
  | "PUSH"
  | "XPUB"
  | "XSUB"
  | "STREAM"
  | "SERVER"
  | "CLIENT"
  | "RADIO"
  | "DISH"
  | "GATHER"
  | "SCATTER"
  | "DGRAM"
  | "PEER"
  | "CHANNEL";

/**
 * The longest RADIO/DISH group, in bytes (libzmq's ZMQ_GROUP_MAX_LENGTH,
 * 255 since libzmq 4.3.3; 15 before).
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * console.log(codec.MAX_GROUP_BYTES); // 255
 * ```
 */
export const MAX_GROUP_BYTES = 255;

const _PEERS: Record<SocketType, readonly SocketType[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  XPUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XSUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  SERVER: ["CLIENT"],
  CLIENT: ["SERVER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  GATHER: ["SCATTER"],
  SCATTER: ["GATHER"],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
  // Raw sockets: no ZMTP peer at all.
  STREAM: [],
  DGRAM: [],
};

/**
 * Whether a socket of type `ours` may talk to a peer of type `theirs`.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * console.log(codec.socketTypesMatch("REQ", "ROUTER")); // true
 * console.log(codec.socketTypesMatch("REQ", "PUB")); // false
 * ```
 *
 * @param ours Our socket type.
 * @param theirs The peer's Socket-Type property, as received.
 * @returns `true` when RFC 23/37 (or the draft type's RFC) lists the pair
 * as valid.
 */
export function socketTypesMatch(ours: SocketType, theirs: string): boolean {
  return (_PEERS[ours] as readonly string[]).includes(theirs);
}
