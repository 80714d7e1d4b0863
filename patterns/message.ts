/**
 * Messages: what the application sends and receives.
 *
 * @module
 */

/** A received message: its frames, in order. */
export type Message = Uint8Array[];

/** What `send` accepts: one frame, or the frames of a multipart message. */
export type MessageLike =
  | string
  | Uint8Array
  | readonly (string | Uint8Array)[];

import { ZmqError } from "../codec/errors.ts";

const _encoder = new TextEncoder();

/**
 * Turns what the application passes to `send` into frames (strings as UTF-8).
 *
 * @example
 * ```ts
 * import { toFrames } from "@zmtp/zmq";
 *
 * console.log(toFrames(["a", new Uint8Array([1])])); // [Uint8Array [97], Uint8Array [1]]
 * ```
 *
 * @param message A string, bytes, or an array of either.
 * @returns The frames; never empty.
 * @throws {ZmqError} `EINVAL` for an empty array, or for a frame that is
 * neither a string nor a `Uint8Array` (a number, `null`, another typed
 * array): nothing is sent.
 */
export function toFrames(message: MessageLike): Uint8Array[] {
  if (typeof message === "string") return [_encoder.encode(message)];
  if (message instanceof Uint8Array) return [message];
  if (!Array.isArray(message)) return [_bytes(message, undefined)];
  const count = message.length;
  if (count === 0) {
    throw new ZmqError("EINVAL", "a message needs at least one frame");
  }
  const frames: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const frame = message[i];
    frames[i] = typeof frame === "string"
      ? _encoder.encode(frame)
      : frame instanceof Uint8Array
      ? frame
      : _bytes(frame, i);
  }
  return frames;
}

/**
 * A frame that is not a string nor one of this realm's `Uint8Array`s: one
 * from another realm (an iframe's) is bytes all the same, viewed from
 * here; anything else would go out as garbage, or break the connection it
 * is written to, so the send is refused.
 */
function _bytes(frame: unknown, index: number | undefined): Uint8Array {
  if (
    ArrayBuffer.isView(frame) &&
    Object.prototype.toString.call(frame) === "[object Uint8Array]"
  ) return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  const name = frame === null || frame === undefined
    ? String(frame)
    : ArrayBuffer.isView(frame) || frame instanceof ArrayBuffer
    ? frame.constructor.name
    : Array.isArray(frame)
    ? "array"
    : typeof frame;
  const what = frame == null
    ? name
    : `${/^[aeio]/i.test(name) ? "an" : "a"} ${name}`;
  const which = index === undefined ? "the message" : `frame ${index}`;
  throw new ZmqError(
    "EINVAL",
    `${which} is ${what}: a frame is a string or a Uint8Array (wrap other bytes in one: new Uint8Array(buffer))`,
  );
}
