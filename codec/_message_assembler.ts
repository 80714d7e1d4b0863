/**
 * Gathers received frames into whole messages, each frame within the size
 * limit.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

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
   * @throws {ProtocolError} For a frame over the limit.
   */
  add(body: Uint8Array, more: boolean): Uint8Array[] | undefined {
    if (this.#maxSize >= 0 && body.length > this.#maxSize) {
      throw new ProtocolError(
        "protocol",
        `the peer sent a frame over the limit of ${this.#maxSize} bytes`,
      );
    }
    if (more) {
      // A list of one, not a push onto `[]` (room for 17).
      if (this.#frames) this.#frames.push(body);
      else this.#frames = [body];
      return undefined;
    }
    const frames = this.#frames;
    // A single-frame message, the common case, allocates one array only.
    if (!frames) return [body];
    frames.push(body);
    this.#frames = undefined;
    return frames;
  }

  /** Drops the frames of a message the connection will never finish. */
  clear(): void {
    this.#frames = undefined;
  }
}
