/**
 * ZMTP 3.1 as pure functions and state machines: greeting, frames,
 * commands, metadata, the security mechanisms, heartbeats and the
 * connection. No I/O, no timers: it runs anywhere JavaScript does.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const connection = new codec.Connection({ socketType: "PUSH" });
 * const [first] = connection.takeOutput(); // one chunk: greeting, then READY
 * console.log(codec.parseGreeting(first).mechanism); // "NULL"
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./frame.ts";
export * from "./greeting.ts";
export * from "./command.ts";
export * from "./metadata.ts";
export * from "./mechanism.ts";
export * from "./null.ts";
export * from "./socket_type.ts";
export * from "./heartbeat.ts";
export * from "./connection.ts";
export * from "./raw_connection.ts";
export * from "./authentication.ts";
export * from "./z85.ts";
export * from "./plain.ts";
export * from "./curve_keys.ts";
export * from "./curve_client.ts";
export * from "./curve_server.ts";
export * from "./websocket_handshake.ts";
export * from "./websocket_frame.ts";
export * from "./websocket_connection.ts";
