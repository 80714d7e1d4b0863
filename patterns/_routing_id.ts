/**
 * Byte routing ids (ROUTER, STREAM): the ones libzmq generates for peers
 * that bring none, the table of peers by id, and how an error message
 * shows one.
 *
 * @module
 */

import { bytesKey } from "./_bytes_key.ts";
import type { Pipe } from "./_pipe.ts";

/**
 * Generates routing ids as libzmq does: 5 bytes, a zero and then a 32-bit
 * counter, which starts at random and wraps. Each is a view into a block
 * shared by the next ones: a buffer of its own cost about 200 bytes more
 * and a microsecond, for each of thousands of peers.
 */
export class RoutingIdGenerator {
  #next = (Math.random() * 0x1_0000_0000) >>> 0;
  #block = _NO_BLOCK;
  #at = 0;

  /**
   * The next routing id.
   *
   * @param inUse Whether an id is taken: such ids are skipped.
   */
  next(inUse?: (id: Uint8Array) => boolean): Uint8Array<ArrayBuffer> {
    let id: Uint8Array<ArrayBuffer>;
    do {
      // (A block the app emptied by transferring an id's buffer has length
      // 0: a fresh one.)
      if (this.#at >= this.#block.length) {
        this.#block = new Uint8Array(_BLOCK_IDS * _ID_BYTES);
        this.#at = 0;
      }
      id = this.#block.subarray(this.#at, this.#at += _ID_BYTES);
      const next = this.#next;
      id[1] = next >>> 24;
      id[2] = (next >>> 16) & 0xff;
      id[3] = (next >>> 8) & 0xff;
      id[4] = next & 0xff;
      this.#next = (next + 1) >>> 0;
    } while (inUse?.(id));
    return id;
  }
}

const _ID_BYTES = 5;
/**
 * Ids a block holds: a block lives while any of its ids does, so a few
 * long-lived peers among many short-lived ones keep little.
 */
const _BLOCK_IDS = 64;
const _NO_BLOCK = new Uint8Array(0);

/**
 * Gives a peer a routing id, in `peers` by its bytes. The key is kept on the
 * pipe with the id: a routing id handed out in a message can have its
 * buffer transferred away (emptied), and the table must still find it.
 * The id handed out is bytes of its own (a copy, unless `generated` here),
 * apart from the peer's announced or `connect` id: the app may write in it.
 */
export function nameRoute(
  peers: Map<string, Pipe>,
  pipe: Pipe,
  id: Uint8Array,
  generated = false,
): void {
  // A generated id is a view of one of our own blocks (see RoutingIdGenerator).
  pipe.routingId = generated ? id as Uint8Array<ArrayBuffer> : id.slice();
  pipe.routingKey = bytesKey(id);
  peers.set(pipe.routingKey, pipe);
}

/** Takes a peer out of `peers`, if it holds its routing id there. */
export function forgetRoute(peers: Map<string, Pipe>, pipe: Pipe): void {
  const key = pipe.routingKey;
  if (key !== undefined && peers.get(key) === pipe) peers.delete(key);
}

/** A routing id in hex, for an error message. */
export function hexRoutingId(id: Uint8Array): string {
  return Array.from(id, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
