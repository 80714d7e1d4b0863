/**
 * Routing: how a socket type moves messages between the application and
 * its pipes, composed from strategies (load-balanced out, fair-queued in,
 * fan-out, addressed, exclusive) plus the type's own rule.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { Message, OutboundMessage } from "./message.ts";
import type { Pipe } from "./_pipe.ts";

/**
 * What a socket type does at each step of a pipe's life and of each send
 * and receive. Every member is optional: a type without `send` cannot
 * send (`ENOTSUP`), one without `receive` cannot receive.
 */
export interface Routing {
  /**
   * Rejects a send at once, before it is routed or waits behind other
   * sends: for a message the type never takes (a type's framing rule).
   *
   * @throws {ZmqError} `EINVAL` for a message the type cannot send.
   */
  check?(frames: OutboundMessage): void;
  /**
   * Routes a message out.
   *
   * @returns `false` when it must wait for room.
   * @throws {ZmqError} For a state error (`EFSM`).
   */
  send?(message: OutboundMessage): boolean;
  /**
   * The peer a message goes to, for a type whose sends wait per peer
   * (SERVER, PEER: libzmq's thread-safe sockets, where a send blocked on
   * one peer leaves other threads' sends to others free): a send waits
   * only behind earlier sends to the same peer. Without it, in order.
   */
  sendKey?(message: OutboundMessage): unknown;
  /** The key (see `sendKey`) of the sends `pipe` takes, once attached. */
  pipeKey?(pipe: Pipe): unknown;
  /**
   * Whether `send` can route a message now, as libzmq's `ZMQ_POLLOUT` (the
   * type's `xhas_out`); without it, a type that sends says yes whatever its
   * peers, as libzmq's fan-outs and addressed types do, though a send to a
   * full peer may wait there (xpubNoDrop, routerMandatory, SERVER, STREAM).
   */
  writable?(): boolean;
  /** Set when a message may go to several peers at once (a fan-out). */
  readonly fansOut?: boolean | undefined;
  /**
   * Takes the next message for the application, if one is there.
   *
   * @throws {ZmqError} For a state error (`EFSM`).
   */
  receive?(): Message | undefined;
  /** Messages it holds itself, in no pipe (XPUB's notices): unread at close. */
  unread?(): number;
  /** Drops those, and takes no more: the close has counted them. */
  dropUnread?(): void;
  /**
   * Takes the next message for `readable` to set aside, where the routing
   * must know when a message reaches the application (an XPUB's manual
   * subscriptions); `receive` serves otherwise.
   */
  peek?(): Message | undefined;
  /** The message `peek` took has reached the application. */
  tookAside?(): void;
  /** A pipe joins the routing (a `connect` pipe at once, an accepted or `immediate` one after its handshake). */
  attach?(pipe: Pipe): void;
  /** A pipe leaves the routing. */
  detach?(pipe: Pipe): void;
  /** A pipe completed a handshake (after each reconnect too); `false` refuses the peer. */
  ready?(pipe: Pipe): boolean;
  /** Whether a pipe's messages are taken; `false` pauses its reading. */
  heard?(pipe: Pipe): boolean;
  /** A message arrived in a pipe's inbound queue. */
  arrived?(pipe: Pipe): void;
  /** A peer subscribed or cancelled (publisher side). */
  subscription?(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void;
  /** A link of a pipe that outlives its links ended. */
  disconnected?(pipe: Pipe): void;
  /** A pipe that was at its send high-water mark has room again. */
  drained?(pipe: Pipe): void;
}

/** What the socket offers its routing. */
export interface RoutingHost {
  /** Every pipe currently attached. */
  readonly pipes: ReadonlySet<Pipe>;
  /** Whether sends are waiting for room (so a REQ may expect a reply). */
  readonly sendPending: boolean;
  /**
   * Routing may now succeed: hand waiting sends to `send` again (with a
   * pipe, of a keyed routing, only those for it).
   */
  retrySends(pipe?: Pipe): void;
  /** Messages may be there: hand them to waiting receivers. */
  retryReceives(): void;
  /** A message is there: hand it to a waiting receiver, or wake `poll`. */
  delivered(): void;
  /** Whether `readable` set a message aside for the next receive. */
  readonly setAside: boolean;
  /** Drops a message `readable` set aside: a REQ's next request made it stale. */
  dropSetAside(): void;
  /** Messages read from peers not heard and never delivered: unread at close. */
  withheld: number;
}

/**
 * Whether a send would be queued at once: not on a closed socket, nor
 * behind sends already waiting, nor on a type that cannot send; else as
 * the routing says.
 */
export function routesNow(core: {
  readonly routing: Routing;
  readonly closed: boolean;
  readonly sendPending: boolean;
}): boolean {
  const routing = core.routing;
  // Sends that wait on one peer leave others free where keyed by peer.
  const held = core.sendPending && !routing.sendKey;
  if (core.closed || held || !routing.send) return false;
  return routing.writable?.() ?? true;
}

/** Makes the routing of one socket. */
export type RoutingFactory<S extends object = object> = (
  socket: S,
  host: RoutingHost,
) => Routing;

const _factories = new Map<SocketType, RoutingFactory>();

/**
 * Declares how sockets of a type route; each socket type's file calls it
 * once, beside its class.
 */
export function defineRouting<S extends object>(
  type: SocketType,
  factory: RoutingFactory<S>,
): void {
  _factories.set(type, factory as RoutingFactory);
}

/** The routing factory of a type. */
export function routingFactory(type: SocketType): RoutingFactory {
  const factory = _factories.get(type);
  if (!factory) {
    throw new ZmqError("EINVAL", `no socket type ${type} is defined here`);
  }
  return factory;
}

const _hooks = [
  "check",
  "attach",
  "detach",
  "arrived",
  "subscription",
  "disconnected",
  "drained",
] as const;

/**
 * One routing from strategies: `send` and `receive` come from the first
 * part that has them; the other steps go to every part that takes them,
 * in order (`check` and `ready` refuse if any part does).
 */
export function combine(...parts: Routing[]): Routing {
  const sender = parts.find((part) => part.send);
  const routing: Routing = sender?.fansOut ? { fansOut: true } : {};
  if (sender) routing.send = sender.send!.bind(sender);
  if (sender?.writable) routing.writable = sender.writable.bind(sender);
  const receiver = parts.find((part) => part.receive);
  if (receiver) routing.receive = receiver.receive!.bind(receiver);
  // The receiver's own way to set a message aside goes with it.
  if (receiver?.peek) routing.peek = receiver.peek.bind(receiver);
  if (receiver?.tookAside) {
    routing.tookAside = receiver.tookAside.bind(receiver);
  }
  for (const hook of _hooks) {
    const takers = parts.filter((part) => part[hook]);
    if (takers.length === 0) continue;
    if (takers.length === 1) {
      const [part] = takers;
      routing[hook] = (part[hook] as (...args: unknown[]) => void).bind(
        part,
      ) as never;
      continue;
    }
    routing[hook] = ((...args: unknown[]) => {
      for (const part of takers) {
        (part[hook] as (...args: unknown[]) => void).apply(part, args);
      }
    }) as never;
  }
  const hearers = parts.filter((part) => part.heard);
  if (hearers.length > 0) {
    routing.heard = (pipe) => hearers.every((part) => part.heard!(pipe));
  }
  const readies = parts.filter((part) => part.ready);
  if (readies.length > 0) {
    routing.ready = (pipe) => readies.every((part) => part.ready!(pipe));
  }
  return routing;
}
