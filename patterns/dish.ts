/**
 * DISH: the receiving end of radio-dish (RFC 48), over ZMTP and over
 * `udp://` (draft in libzmq).
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { MAX_GROUP_BYTES } from "../codec/socket_type.ts";
import type { MessageWriter } from "../transport/transport.ts";
import type { Message, OutboundMessage } from "./message.ts";
import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { bytesKey } from "./_bytes_key.ts";
import { closedError, coreOf } from "./_core.ts";
import { FairQueue } from "./_fair_queue.ts";
import { groupText, toGroup } from "./_groups.ts";
import type { Pipe } from "./_pipe.ts";
import { defineRouting, type Routing, type RoutingHost } from "./_routing.ts";

/** A message a {@linkcode Dish} received: its one frame, and its group. */
export type DishMessage = Message & {
  /** The group it was sent to, decoded as UTF-8. */
  group: string;
  /**
   * The group's bytes, as sent: what tells groups apart that are not UTF-8
   * (they decode alike), as libzmq hands out the group.
   */
  groupBytes: Uint8Array<ArrayBuffer>;
};

/**
 * Receives the messages of the groups it joined, each with its group. It
 * tells every RADIO it connects to what it joined (again after each
 * reconnect), and filters what it reads as well, as a DISH bound to
 * `udp://` must: there, radios send every group.
 *
 * Over udp a DISH binds: `udp://*:5555` or `udp://127.0.0.1:5555` for
 * unicast, `udp://239.1.1.1:5555` for a multicast group (joined on the
 * default interface), `udp://127.0.0.1;239.1.1.1:5555` (or `eth0;…`) to
 * join it on one interface. A datagram that is not a RADIO message is dropped with a
 * `protocol-error` event; one longer than 8192 bytes (no RADIO sends it)
 * is read cut to its first 8192 bytes, as libzmq reads it. A ZMTP peer
 * that sends anything but a group and a one-frame body is dropped, with
 * the same event. Its `linger` is 0 unless given, as libzmq's DISH sets it
 * (joins and leaves still queued are not waited for at close).
 *
 * @example
 * ```ts
 * import { Dish } from "@zmtp/zmq";
 *
 * const dish = new Dish();
 * dish.join("weather", "traffic");
 * dish.leave("traffic");
 * await dish.bind("tcp://127.0.0.1:0");
 * for await (const message of dish.messages({ signal: AbortSignal.timeout(10) })) {
 *   console.log(message.group, new TextDecoder().decode(message[0]));
 * }
 * await dish.close();
 * ```
 */
export class Dish extends Socket<DishMessage> {
  /**
   * Makes a DISH socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("DISH", options);
    if (new.target === Dish) Object.preventExtensions(this);
  }

  /**
   * Joins groups: their messages are received from now on.
   *
   * @param groups Strings (UTF-8) or bytes, each at most
   * `codec.MAX_GROUP_BYTES` bytes.
   * @throws {ZmqError} `EINVAL` for a group joined already, too long, or
   * holding a NUL byte; then no group is joined. `ETERM` once closed.
   */
  join(...groups: (string | Uint8Array)[]): void {
    _routingOf(this).join(groups.map(toGroup));
  }

  /**
   * Leaves groups.
   *
   * @param groups As given to `join`.
   * @throws {ZmqError} `EINVAL` for a group not joined; then no group is
   * left. `ETERM` once closed.
   */
  leave(...groups: (string | Uint8Array)[]): void {
    _routingOf(this).leave(groups.map(toGroup));
  }
}

function _routingOf(dish: Dish): _DishRouting {
  const core = coreOf(dish);
  // ETERM, as a Subscriber's subscribe (libzmq's setsockopt: ENOTSOCK).
  if (core.closed) throw closedError();
  return core.routing as _DishRouting;
}

/**
 * Fair-queued in, and DISH's rule: keep only the joined groups, tell every
 * radio what was joined (again after a reconnect), and drop a ZMTP peer
 * that breaks the framing.
 */
class _DishRouting implements Routing {
  #socket: Dish;
  #host: RoutingHost;
  #queue = new FairQueue();
  /** The groups joined, by key. */
  #groups = new Map<string, Uint8Array>();

  constructor(socket: Dish, host: RoutingHost) {
    this.#socket = socket;
    this.#host = host;
  }

  join(groups: Uint8Array[]): void {
    for (const given of this.#changing(groups, false)) {
      // Copied, as zmq_join copies: JOINs sent on later connections must
      // not change with the caller's buffer.
      const group = new Uint8Array(given);
      this.#groups.set(bytesKey(group), group);
      this.#tellRadios((writer) => writer.sendSubscribe(group));
    }
  }

  leave(groups: Uint8Array[]): void {
    for (const given of this.#changing(groups, true)) {
      const group = new Uint8Array(given);
      this.#groups.delete(bytesKey(group));
      this.#tellRadios((writer) => writer.sendCancel(group));
    }
  }

  /** A DISH never sends (libzmq's reports POLLOUT, for its joins). */
  writable(): boolean {
    return false;
  }

  send(_frames: OutboundMessage): boolean {
    throw new ZmqError(
      "ENOTSUP",
      "a DISH socket cannot send; it receives the groups it joined",
    );
  }

  receive(): DishMessage | undefined {
    while (true) {
      const taken = this.#queue.take();
      if (!taken) return undefined;
      const [pipe, message] = taken;
      if (message.length !== 2 || message[0].length > MAX_GROUP_BYTES) {
        this.#dropPeer(pipe, message);
        continue;
      }
      const [group, body] = message;
      // A radio sends what was joined; udp and a leave on its way do not.
      if (!this.#groups.has(bytesKey(group))) continue;
      return Object.assign([body], {
        group: groupText(group),
        groupBytes: group,
      });
    }
  }

  ready(pipe: Pipe): boolean {
    for (const group of this.#groups.values()) {
      pipe.writeControl((writer) => writer.sendSubscribe(group));
    }
    return true;
  }

  arrived(pipe: Pipe): void {
    this.#queue.arrived(pipe);
  }

  /**
   * A message that is not a group and a one-frame body: the peer broke
   * RFC 48, and goes, as libzmq's DISH drops it (the message with it).
   */
  #dropPeer(pipe: Pipe, message: Message): void {
    const reason = message.length === 1
      ? "the peer sent a message without its group frame"
      : message.length > 2
      ? `the peer sent a message of ${message.length} frames, not a group and one body`
      : `the peer sent a group of ${
        message[0].length
      } bytes, over ${MAX_GROUP_BYTES}`;
    coreOf(this.#socket).events.push({
      type: "protocol-error",
      endpoint: pipe.endpoint,
      kind: "protocol",
      reason,
    });
    pipe.link?.close();
  }

  /**
   * The groups, once each is found joined (to leave) or not (to join), and
   * given once: a call changes all of them or, throwing, none.
   */
  #changing(groups: Uint8Array[], joined: boolean): Uint8Array[] {
    const keys = new Set<string>();
    for (const group of groups) {
      const key = bytesKey(group);
      if (this.#groups.has(key) !== joined || keys.has(key)) {
        throw new ZmqError(
          "EINVAL",
          `the group "${groupText(group)}" ${
            joined ? "is not joined" : "is joined already"
          }`,
        );
      }
      keys.add(key);
    }
    return groups;
  }

  #tellRadios(action: (writer: MessageWriter) => void): void {
    for (const pipe of this.#host.pipes) {
      if (pipe.ready) pipe.writeControl(action);
    }
  }
}

defineRouting<Dish>("DISH", (socket, host) => new _DishRouting(socket, host));
