/**
 * The single-frame rule of the draft socket types (CLIENT, SERVER,
 * SCATTER, GATHER, PEER, CHANNEL): a message is one frame, as libzmq's
 * draft sockets, which refuse ZMQ_SNDMORE and drop what arrives in parts.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { type Message, type MessageLike, toFrames } from "./message.ts";
import { combine, type Routing } from "./_routing.ts";

/**
 * The one frame of a message a single-frame socket sends.
 *
 * @throws {ZmqError} `EINVAL` for a multipart message (libzmq: ZMQ_SNDMORE
 * on a draft socket) or an empty array.
 */
export function singleFrame(
  type: SocketType,
  message: MessageLike,
): Uint8Array {
  const frames = toFrames(message);
  if (frames.length > 1) {
    throw new ZmqError(
      "EINVAL",
      `a ${type} socket sends single-frame messages; send one string or Uint8Array, not ${frames.length} frames (join them, or use a socket type that takes multipart messages)`,
    );
  }
  return frames[0];
}

/**
 * Hands the one frame of `message` to `send`, or rejects at once (before
 * waiting behind other sends) with what {@linkcode singleFrame} throws.
 */
export function sendSingleFrame(
  type: SocketType,
  message: MessageLike,
  send: (frame: Uint8Array) => Promise<void>,
): Promise<void> {
  let frame: Uint8Array;
  try {
    frame = singleFrame(type, message);
  } catch (error) {
    return Promise.reject(error);
  }
  return send(frame);
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
 * One routing from strategies (see {@linkcode combine}) whose receive
 * skips multipart messages.
 */
export function singleFrameRouting(...parts: Routing[]): Routing {
  const routing = combine(...parts);
  const receive = routing.receive;
  if (receive) routing.receive = () => takeSingleFrame(receive);
  return routing;
}
