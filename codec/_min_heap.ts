/**
 * A binary min-heap: the earliest item read at once, each push and pop
 * costing the log of how many are held. The deadlines of every link and
 * a PGM receiver's repair timers keep their order in one.
 *
 * @module
 */

/** Items, the one `before` all others first. */
export class MinHeap<T> {
  #items: T[] = [];
  #before: (a: T, b: T) => boolean;

  /** @param before Whether `a` goes before `b`. */
  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  /** How many are held. */
  get size(): number {
    return this.#items.length;
  }

  /** The first, if any. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item. */
  push(item: T): void {
    const items = this.#items;
    let at = items.length;
    items.push(item);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.#before(item, items[parent])) break;
      items[at] = items[parent];
      at = parent;
    }
    items[at] = item;
  }

  /** Takes the first. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= items.length) break;
      const right = child + 1;
      if (right < items.length && this.#before(items[right], items[child])) {
        child = right;
      }
      if (!this.#before(items[child], last)) break;
      items[at] = items[child];
      at = child;
    }
    items[at] = last;
    return top;
  }

  /** Lets every item go. */
  clear(): void {
    this.#items = [];
  }

  /** Keeps only the items `keep` says to. */
  retain(keep: (item: T) => boolean): void {
    const kept = this.#items.filter(keep);
    this.#items = [];
    for (const item of kept) this.push(item);
  }
}
