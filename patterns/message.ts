/**
 * Messages: what the application sends and receives.
 *
 * @module
 */

/**
 * A received message: its frames, in order. Each is a view of an
 * `ArrayBuffer` (never a `SharedArrayBuffer`), so it goes wherever a
 * `BufferSource` does: `crypto.subtle.digest`, `new Blob`, `new Response`.
 */
export type Message = Uint8Array<ArrayBuffer>[];

/**
 * A message on its way out: the frames the application sent, which may be
 * views of any buffer. Internal: a pipe's outbound queue holds these.
 */
export type OutboundMessage = Uint8Array[];

/** What `send` accepts: one frame, or the frames of a multipart message. */
export type MessageLike =
  | string
  | Uint8Array
  | readonly (string | Uint8Array)[];

import { ZmqError } from "../codec/errors.ts";
import { asBytes } from "./_as_bytes.ts";

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
  if (!Array.isArray(message)) return [asBytes(message, "the message")];
  const count = message.length;
  if (count === 0) {
    throw new ZmqError("EINVAL", "a message needs at least one frame");
  }
  const frames: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const frame = message[i];
    // Strings and bytes without a call: the error's words only when due.
    frames[i] = typeof frame === "string"
      ? _encoder.encode(frame)
      : frame instanceof Uint8Array
      ? frame
      : asBytes(frame, `frame ${i}`);
  }
  return frames;
}
