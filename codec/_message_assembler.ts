/**
 * Gathers received frames into whole messages, within the size limit.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** The frames of the message being received, and their total size. */
export class MessageAssembler {
  readonly #maxSize: number;
  #frames: Uint8Array[] = [];
  #size = 0;

  /** @param maxSize The largest message accepted, in bytes; -1 for no limit. */
  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /** Whether a multipart message is half received. */
  get partial(): boolean {
    return this.#frames.length > 0;
  }

  /**
   * Adds a frame.
   *
   * @returns The whole message after its last frame; `undefined` before.
   * @throws {ProtocolError} When the message grows over the limit.
   */
  add(body: Uint8Array, more: boolean): Uint8Array[] | undefined {
    this.#size += body.length;
    if (this.#maxSize >= 0 && this.#size > this.#maxSize) {
      throw new ProtocolError(
        "protocol",
        `the peer sent a message over the limit of ${this.#maxSize} bytes`,
      );
    }
    if (more) {
      this.#frames.push(body);
      return undefined;
    }
    let frames: Uint8Array[];
    // A single-frame message, the common case, allocates one array only.
    if (this.#frames.length === 0) {
      frames = [body];
    } else {
      frames = this.#frames;
      frames.push(body);
      this.#frames = [];
    }
    this.#size = 0;
    return frames;
  }

  /** Drops the frames of a message the connection will never finish. */
  clear(): void {
    this.#frames = [];
  }
}
