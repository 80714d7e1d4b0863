/**
 * The socket types of the ZeroMQ guide, the socket base and `Context`.
 *
 * @example
 * ```ts
 * import { Context, Push } from "@zmtp/zmq";
 *
 * await using context = new Context();
 * const push = new Push({ context });
 * ```
 *
 * @module
 */

export * from "./context.ts";
export * from "./events.ts";
export * from "./message.ts";
export * from "./socket.ts";
export * from "./pipe.ts";
export * from "./fair_queue.ts";
export * from "./load_balancer.ts";
export * from "./subscription_trie.ts";
export * from "./request.ts";
export * from "./reply.ts";
export * from "./dealer.ts";
export * from "./router.ts";
export * from "./publisher.ts";
export * from "./subscriber.ts";
export * from "./push.ts";
export * from "./pull.ts";
export * from "./pair.ts";
export * from "./version.ts";
export * from "./xpublisher.ts";
export * from "./xsubscriber.ts";
export * from "./proxy.ts";
export * from "./poll.ts";
export type {
  AuthenticationRequest,
  AuthenticationResult,
  Authenticator,
} from "./authentication.ts";
