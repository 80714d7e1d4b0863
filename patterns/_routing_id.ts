/**
 * Byte routing ids (ROUTER, STREAM): the ones libzmq generates for peers
 * that bring none, and how an error message shows one.
 *
 * @module
 */

/**
 * Generates routing ids as libzmq does: 5 bytes, a zero and then a 32-bit
 * counter, which starts at random and wraps.
 */
export class RoutingIdGenerator {
  #next = (Math.random() * 0x1_0000_0000) >>> 0;

  /**
   * The next routing id.
   *
   * @param inUse Whether an id is taken: such ids are skipped.
   */
  next(inUse?: (id: Uint8Array) => boolean): Uint8Array {
    let id: Uint8Array;
    do {
      id = new Uint8Array(5);
      new DataView(id.buffer).setUint32(1, this.#next);
      this.#next = (this.#next + 1) >>> 0;
    } while (inUse?.(id));
    return id;
  }
}

/** A routing id in hex, for an error message. */
export function hexRoutingId(id: Uint8Array): string {
  return Array.from(id, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
