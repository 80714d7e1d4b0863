/**
 * Gathers received frames into whole messages, each frame within the size
 * limit.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/**
 * The most frames one message may have. libzmq has no such limit, but its
 * memory has no ceiling below the machine's, where a frame here is an
 * object on a heap that has one: a peer that sent empty frames of more
 * without end brought the whole process down (V8 out of memory at about
 * 27 million frames, 150 bytes each), whatever `maxMessageSize`. Messages
 * of 256k frames still pass, as they do with libzmq.
 */
export const MAX_MESSAGE_FRAMES = 1 << 20;

/**
 * Whether a message that holds `held` frames, the last of them with MORE,
 * is past {@linkcode MAX_MESSAGE_FRAMES}: at least one more must come.
 */
export function pastMaxFrames(held: number): boolean {
  return held >= MAX_MESSAGE_FRAMES;
}

/** The frames of the message being received. */
export class MessageAssembler {
  readonly #maxSize: number;
  /** Made at a message's first frame of more: none while idle. */
  #frames: Uint8Array[] | undefined;

  /**
   * @param maxSize The largest frame accepted, in bytes; -1 for no limit.
   * Per frame, as libzmq's ZMQ_MAXMSGSIZE: a message of many frames, each
   * within it, is a message libzmq's peers send and take.
   */
  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /**
   * Adds a frame.
   *
   * @returns The whole message after its last frame; `undefined` before.
   * @throws {ProtocolError} For a frame over the limit, or a message of
   * more than {@linkcode MAX_MESSAGE_FRAMES} frames.
   */
  add(body: Uint8Array, more: boolean): Uint8Array[] | undefined {
    if (this.#maxSize >= 0 && body.length > this.#maxSize) {
      throw new ProtocolError(
        "protocol",
        `the peer sent a frame over the limit of ${this.#maxSize} bytes`,
      );
    }
    if (more) {
      const frames = this.#frames;
      // A list of one, not a push onto `[]` (room for 17).
      if (!frames) this.#frames = [body];
      else if (!pastMaxFrames(frames.length + 1)) frames.push(body);
      else this.#tooManyFrames();
      return undefined;
    }
    const frames = this.#frames;
    // A single-frame message, the common case, allocates one array only.
    if (!frames) return [body];
    frames.push(body);
    this.#frames = undefined;
    return frames;
  }

  #tooManyFrames(): never {
    this.#frames = undefined;
    throw new ProtocolError(
      "protocol",
      `the peer sent a message of more than ${MAX_MESSAGE_FRAMES} frames`,
    );
  }

  /** Drops the frames of a message the connection will never finish. */
  clear(): void {
    this.#frames = undefined;
  }
}
