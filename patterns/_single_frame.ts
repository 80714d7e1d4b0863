/**
 * The single-frame rule of the draft socket types (CLIENT, SERVER,
 * SCATTER, GATHER, PEER, CHANNEL, RADIO): a message is one frame, as
 * libzmq's draft sockets, which refuse ZMQ_SNDMORE and drop what arrives
 * in parts.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import {
  type Message,
  type MessageLike,
  type OutboundMessage,
  toFrames,
} from "./message.ts";
import { combine, type Routing } from "./_routing.ts";

/**
 * Checks that a message a single-frame socket sends is one frame, after
 * the `leading` frames the socket itself put before it (a routing id, a
 * group).
 *
 * @throws {ZmqError} `EINVAL` for a multipart message (libzmq: ZMQ_SNDMORE
 * on a draft socket).
 */
export function checkSingleFrame(
  type: SocketType,
  frames: readonly Uint8Array[],
  leading = 0,
): void {
  const count = frames.length - leading;
  if (count > 1) {
    throw new ZmqError(
      "EINVAL",
      `a ${type} socket sends single-frame messages; send one string or Uint8Array, not ${count} frames (join them, or use a socket type that takes multipart messages)`,
    );
  }
}

/**
 * Hands `send` the message behind a frame the socket adds (a SERVER's
 * routing id, a RADIO's group), made by `lead`; rejects at once with what
 * `lead` or {@linkcode toFrames} throws. The routing's `check` sees the
 * whole.
 */
export function sendBehind(
  lead: () => Uint8Array,
  message: MessageLike,
  send: (frames: OutboundMessage) => Promise<void>,
): Promise<void> {
  let frames: OutboundMessage;
  try {
    frames = [lead(), ...toFrames(message)];
  } catch (error) {
    return Promise.reject(error);
  }
  return send(frames);
}

/**
 * Takes messages from `take` until one has a single frame: a multipart
 * message a peer sent is dropped whole, as libzmq's draft sockets do.
 */
export function takeSingleFrame(
  take: () => Message | undefined,
): Message | undefined {
  let message = take();
  while (message && message.length > 1) message = take();
  return message;
}

/**
 * One routing from strategies (see {@linkcode combine}) that sends and
 * receives single frames: a multipart send is rejected at once, a
 * multipart message received is skipped.
 */
export function singleFrameRouting(
  type: SocketType,
  ...parts: Routing[]
): Routing {
  const rule: Routing = {};
  if (parts.some((part) => part.send)) {
    // Only a type that sends checks: one that cannot says ENOTSUP.
    rule.check = (frames) => checkSingleFrame(type, frames);
  }
  const routing = combine(rule, ...parts);
  const receive = routing.receive;
  if (receive) routing.receive = () => takeSingleFrame(receive);
  return routing;
}
