/**
 * The socket types of the ZeroMQ guide, `Context`, `proxy` and `poll`.
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

export {
  type CloseSummary,
  Context,
  type ContextMember,
  type ContextOptions,
  type SharedContext,
} from "./context.ts";
export {
  type SocketEvent,
  SocketEvents,
  type SocketEventsController,
} from "./events.ts";
export { type Message, type MessageLike, toFrames } from "./message.ts";
export type {
  ConnectOptions,
  DisconnectMessageOptions,
  HelloMessageOptions,
  HiccupMessageOptions,
  MessagesOptions,
  OperationOptions,
  SendOptions,
  SocketOptions,
} from "./options.ts";
export { Socket } from "./socket.ts";
export { Request, type RequestOptions } from "./request.ts";
export { Reply } from "./reply.ts";
export { Dealer, type DealerOptions } from "./dealer.ts";
export { Router, type RouterOptions } from "./router.ts";
export { Publisher, type PublisherOptions } from "./publisher.ts";
export { Subscriber, type SubscriberOptions } from "./subscriber.ts";
export { XPublisher, type XPublisherOptions } from "./xpublisher.ts";
export { XSubscriber } from "./xsubscriber.ts";
export { Push } from "./push.ts";
export { Pull } from "./pull.ts";
export { Pair } from "./pair.ts";
export { Stream, type StreamOptions } from "./stream.ts";
export {
  type RoutedMessage,
  type RoutedSendOptions,
  Server,
  type ServerOptions,
} from "./server.ts";
export { Client, type ClientOptions } from "./client.ts";
export { Scatter } from "./scatter.ts";
export { Gather } from "./gather.ts";
export { Peer, type PeerOptions } from "./peer.ts";
export { Channel } from "./channel.ts";
export { Radio, type RadioOptions, type RadioSendOptions } from "./radio.ts";
export { Dish, type DishMessage } from "./dish.ts";
export { Datagram } from "./datagram.ts";
export { version } from "./version.ts";
export {
  proxy,
  ProxyControl,
  type ProxyOptions,
  type ProxySocketStatistics,
  type ProxyStatistics,
} from "./proxy.ts";
export { poll, type Polled, type PollOptions } from "./poll.ts";
export type {
  AuthenticationRequest,
  AuthenticationResult,
  Authenticator,
} from "./authentication.ts";
