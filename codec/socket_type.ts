/**
 * Socket types and which of them may talk to each other (RFC 23/37).
 *
 * @module
 */

/** The socket types ZMTP names in the READY command's Socket-Type property. */
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
  | "XSUB";

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
};

/**
 * Whether a socket of type `ours` may talk to a peer of type `theirs`.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * console.log(codec.socketTypesMatch("REQ", "ROUTER")); // true
 * console.log(codec.socketTypesMatch("REQ", "PUB")); // false
 * ```
 *
 * @param ours Our socket type.
 * @param theirs The peer's Socket-Type property, as received.
 * @returns `true` when RFC 23/37 lists the pair as valid.
 */
export function socketTypesMatch(ours: SocketType, theirs: string): boolean {
  return (_PEERS[ours] as readonly string[]).includes(theirs);
}
