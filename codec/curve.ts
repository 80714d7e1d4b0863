/**
 * The CURVE mechanism (RFC 26, CurveZMQ), gathered in one place for
 * importers of its former single file: keys from `curve_keys.ts`, the
 * client from `curve_client.ts` and the server from `curve_server.ts`.
 * New code imports those directly.
 *
 * @example
 * ```ts
 * import { curveKeyPair } from "@zmtp/zmq";
 *
 * console.log(curveKeyPair().publicKey.length); // 40
 * ```
 *
 * @module
 */

export * from "./curve_keys.ts";
export * from "./curve_client.ts";
export * from "./curve_server.ts";
