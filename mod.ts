/**
 * ZeroMQ for Deno in pure TypeScript: ZMTP 3.1, byte for byte the wire
 * protocol of libzmq, with no native code.
 *
 * @example Request-reply
 * ```ts
 * import { Context, Reply, Request } from "@zmtp/zmq";
 *
 * await using context = new Context();
 * const server = new Reply({ context });
 * await server.bind("tcp://127.0.0.1:0");
 * const client = new Request({ context });
 * client.connect(server.lastEndpoint!);
 *
 * await client.send("Hello");
 * for await (const [request] of server) {
 *   await server.send("World");
 *   break;
 * }
 * const [reply] = await client.receive({ signal: AbortSignal.timeout(1000) });
 * console.log(new TextDecoder().decode(reply)); // "World"
 * ```
 *
 * @module
 */

export * as codec from "./codec/mod.ts";
export type {
  MechanismName,
  Metadata,
  PeerInfo,
  SocketType,
} from "./codec/mod.ts";
export type { MulticastOptions, TlsOptions } from "./transport/transport.ts";
export { ProtocolError, ZmqError } from "./codec/errors.ts";
export type { ProtocolErrorKind, ZmqErrorCode } from "./codec/errors.ts";
export {
  type CurveKeyPair,
  curveKeyPair,
  curvePublicKey,
} from "./codec/curve.ts";
export { z85Decode, z85Encode } from "./codec/z85.ts";
export * from "./patterns/mod.ts";
