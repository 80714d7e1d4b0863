/**
 * Transports: the interface a scheme such as `tcp://` implements, the
 * registry by scheme, the built-in `tcp`, `ipc`, `inproc`, `ws`/`wss` and
 * `udp`, and what they share: the stream link between a byte stream and
 * the codec, and the dialer that reconnects with backoff.
 *
 * @example Adding a transport: one object, one registry call
 * ```ts
 * import { registerTransport, tcp } from "@zmtp/zmq/transport";
 *
 * registerTransport({ ...tcp, scheme: "tcp4" });
 * ```
 *
 * @module
 */

export * from "./transport.ts";
export * from "./endpoint.ts";
export * from "./registry.ts";
export * from "./backoff.ts";
export * from "./dialer.ts";
export * from "./stream_link.ts";
export * from "./tcp.ts";
export * from "./ipc.ts";
export * from "./inproc.ts";
export * from "./ws.ts";
export * from "./udp.ts";
export * from "./epgm.ts";
export * from "./websocket_link.ts";
export * from "./websocket_accept.ts";
