/**
 * ZeroMQ for Deno in pure TypeScript: ZMTP 3.1, wire-compatible with libzmq.
 *
 * @module
 */
export * as codec from "./codec/mod.ts";
export { ProtocolError, ZmqError } from "./codec/errors.ts";
export type { ProtocolErrorKind, ZmqErrorCode } from "./codec/errors.ts";
