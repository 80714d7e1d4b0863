/**
 * Transports: endpoints, listeners and dialers over TCP and unix sockets,
 * reconnect with backoff, and the pump between a byte stream and the codec.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "@zmtp/zmq";
 *
 * console.log(parseEndpoint("tcp://*:5555").transport); // "tcp"
 * ```
 *
 * @module
 */

export * from "./endpoint.ts";
export * from "./backoff.ts";
export * from "./listener.ts";
export * from "./dialer.ts";
export * from "./pump.ts";
export * from "./inproc.ts";
