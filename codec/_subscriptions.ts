/**
 * Subscriptions on the wire: ZMTP 3.1's SUBSCRIBE and CANCEL commands, 3.0's
 * messages starting with 0x01 or 0x00, and libzmq's JOIN and LEAVE commands
 * by which a DISH joins a RADIO's groups.
 *
 * @module
 */

import { type Command, encodeCommand } from "./command.ts";
import { ProtocolError } from "./errors.ts";
import { FLAG_COMMAND } from "./frame.ts";
import { MAX_GROUP_BYTES, type SocketType } from "./socket_type.ts";

/** A subscription or its cancellation, as a connection reports it. */
export type SubscriptionEvent = {
  type: "subscribe" | "cancel";
  topic: Uint8Array;
};

/** How one socket type's subscriptions are written and read. */
export class SubscriptionCodec {
  /** A PUB or XPUB: frames starting with 0x01/0x00 subscribe (see readMessage). */
  readonly asMessages: boolean;
  /** A DISH: it joins groups, and each message is a group and a body. */
  readonly joins: boolean;
  /** A RADIO: it takes JOIN and LEAVE. */
  #acceptsJoins: boolean;
  /** The ZMTP minor version the peer speaks: a 3.0 peer takes messages. */
  peerMinor = 1;
  /** The largest SUBSCRIBE or CANCEL frame taken (maxMessageSize; -1: any). */
  #maxFrame: number;

  constructor(socketType: SocketType, maxMessageSize = -1) {
    this.asMessages = socketType === "PUB" || socketType === "XPUB";
    this.joins = socketType === "DISH";
    this.#acceptsJoins = socketType === "RADIO";
    this.#maxFrame = maxMessageSize;
  }

  /** The frame body and flags that subscribe (or cancel) to a peer. */
  frame(
    subscribe: boolean,
    topic: Uint8Array,
  ): [body: Uint8Array, flags: number] {
    if (this.joins) {
      return [encodeCommand(subscribe ? "JOIN" : "LEAVE", topic), FLAG_COMMAND];
    }
    if (this.peerMinor >= 1) {
      const name = subscribe ? "SUBSCRIBE" : "CANCEL";
      return [encodeCommand(name, topic), FLAG_COMMAND];
    }
    const body = new Uint8Array(topic.length + 1);
    body[0] = subscribe ? 1 : 0;
    body.set(topic, 1);
    return [body, 0];
  }

  /**
   * Reads a data message to a PUB or XPUB as libzmq's XPUB does: each frame
   * that starts with 0x01 or 0x00 subscribes or cancels (libzmq looks at
   * every frame of a message, ZMQ_ONLY_FIRST_SUBSCRIBE being off), in frame
   * order; the other frames stay a message.
   *
   * @returns The frames that are not subscriptions (`frames` itself when
   * none is), maybe none.
   */
  readMessage(
    frames: Uint8Array[],
    events: { push(event: SubscriptionEvent): unknown },
  ): Uint8Array[] {
    return splitSubscriptions(frames, (subscribe, topic) => {
      events.push({ type: subscribe ? "subscribe" : "cancel", topic });
    });
  }

  /**
   * What a received command means: a subscription event, `null` for one
   * this type ignores (SUBSCRIBE to a PUSH), `undefined` for a command that
   * is not about subscriptions.
   *
   * @throws {ProtocolError} A JOIN or LEAVE of a group over
   * {@linkcode MAX_GROUP_BYTES} bytes.
   */
  event(command: Command): SubscriptionEvent | null | undefined {
    const subscribe = command.name === "SUBSCRIBE" || command.name === "JOIN";
    switch (command.name) {
      case "SUBSCRIBE":
      case "CANCEL": {
        if (!this.asMessages) return null;
        // Held to maxMessageSize, as libzmq holds every frame (commands
        // have room above it only for the handshake's): a peer's topics
        // cost memory as they are kept.
        const frame = 1 + command.name.length + command.data.length;
        if (this.#maxFrame >= 0 && frame > this.#maxFrame) {
          throw new ProtocolError(
            "protocol",
            `the peer sent a ${command.name} frame of ${frame} bytes, over the maxMessageSize of ${this.#maxFrame}`,
          );
        }
        break;
      }
      case "JOIN":
      case "LEAVE":
        if (!this.#acceptsJoins) return undefined;
        if (command.data.length > MAX_GROUP_BYTES) {
          throw new ProtocolError(
            "protocol",
            `the peer sent a ${command.name} of a group longer than ${MAX_GROUP_BYTES} bytes`,
          );
        }
        break;
      default:
        return undefined;
    }
    return { type: subscribe ? "subscribe" : "cancel", topic: command.data };
  }
}

/**
 * Walks a message as libzmq's XPUB and XSUB read one (ZMQ_ONLY_FIRST_SUBSCRIBE
 * off): each frame that starts with 0x01 or 0x00 subscribes or cancels,
 * in frame order; the other frames stay a message.
 *
 * @param frames The message.
 * @param each Called for each subscription (`true`) or cancellation frame.
 * @returns The frames that are neither (`frames` itself when all are such),
 * maybe none.
 */
export function splitSubscriptions(
  frames: Uint8Array[],
  each: (subscribe: boolean, topic: Uint8Array) => void,
): Uint8Array[] {
  let rest: Uint8Array[] | undefined;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (frame.length === 0 || frame[0] > 1) {
      rest?.push(frame);
      continue;
    }
    rest ??= frames.slice(0, i);
    each(frame[0] === 1, frame.subarray(1));
  }
  return rest ?? frames;
}

/**
 * Checks that a message to a DISH is what a RADIO sends: a group frame of
 * at most {@linkcode MAX_GROUP_BYTES} bytes, then one body frame (libzmq's dish session drops the
 * peer otherwise).
 *
 * @throws {ProtocolError} For any other shape.
 */
export function checkGroupMessage(frames: Uint8Array[]): void {
  if (frames.length === 2 && frames[0].length <= MAX_GROUP_BYTES) return;
  throw new ProtocolError(
    "protocol",
    frames.length !== 2
      ? `a RADIO message is a group frame and one body frame, not ${frames.length} frames`
      : `the peer sent a group longer than ${MAX_GROUP_BYTES} bytes`,
  );
}
