/**
 * The bytes of one frame body that came in pieces, for the frame decoders
 * (ZMTP's and WebSocket's).
 *
 * @module
 */

/**
 * Pieces kept as views before the bytes are copied: most bodies split
 * across reads come in two or three.
 */
const MAX_VIEWS = 8;
/**
 * Past them, pieces this large on average are still kept as views: a view
 * (about 100 bytes of heap) is then a few hundredths of what it holds, and
 * the 256 KiB reads of a frame over 4 MiB are not copied twice.
 */
const LARGE_PIECE_BYTES = 4096;
/** The first copy's size at least, for a body that long. */
const FIRST_COPY_BYTES = 4096;
/** No views held (frozen: a push would throw). */
const _NO_VIEWS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/**
 * A body gathered from its pieces. A few pieces are held as views (no
 * copy), and large ones; past them, the bytes are copied into one buffer
 * that doubles as they come, never past the body's size. A peer that sends
 * a body a few bytes at a time so costs at most twice what it sent, not a
 * view object (about 100 bytes of heap) for every read, as libzmq's
 * decoders fill one buffer.
 */
export class Gathered {
  #views: Uint8Array[] = _NO_VIEWS;
  #copy: Uint8Array | undefined;
  #length = 0;

  /** Bytes gathered so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds the next piece of a body of `size` bytes in all (`Infinity` for
   * one whose size is known only at its end).
   */
  add(piece: Uint8Array, size: number): void {
    const length = this.#length + piece.length;
    let copy = this.#copy;
    const views = this.#views.length;
    if (
      !copy &&
      (views < MAX_VIEWS || length >= (views + 1) * LARGE_PIECE_BYTES)
    ) {
      if (this.#views === _NO_VIEWS) this.#views = [];
      this.#views.push(piece);
      this.#length = length;
      return;
    }
    if (!copy || length > copy.length) {
      const grown = new Uint8Array(
        Math.min(size, Math.max(FIRST_COPY_BYTES, 2 * length)),
      );
      if (copy) grown.set(copy.subarray(0, this.#length));
      else this.#copyViewsInto(grown);
      this.#copy = copy = grown;
    }
    copy.set(piece, this.#length);
    this.#length = length;
  }

  /** Moves what was gathered to the start of `target`, and forgets it. */
  moveInto(target: Uint8Array): void {
    if (this.#copy) target.set(this.#copy.subarray(0, this.#length));
    else this.#copyViewsInto(target);
    this.clear();
  }

  /** The whole body of `size` bytes, every one gathered, and forgets it. */
  take(size: number): Uint8Array {
    const copy = this.#copy;
    let body = copy && copy.length > size ? copy.subarray(0, size) : copy;
    if (!body) {
      const views = this.#views;
      body = views.length === 1 ? views[0] : new Uint8Array(size);
      if (views.length > 1) this.#copyViewsInto(body);
    }
    this.clear();
    return body;
  }

  /** Forgets what was gathered. */
  clear(): void {
    this.#views = _NO_VIEWS;
    this.#copy = undefined;
    this.#length = 0;
  }

  #copyViewsInto(target: Uint8Array): void {
    let at = 0;
    for (const view of this.#views) {
      target.set(view, at);
      at += view.length;
    }
    this.#views = _NO_VIEWS;
  }
}
