/**
 * Timers kept in the order they fall due: a binary heap, so that the next
 * is read at once and each one set or taken costs the log of how many are
 * set — where a walk of every timer made each datagram cost them all.
 *
 * @module
 */

/** A timer: when it falls due, and what for. */
export interface Timer<T> {
  readonly at: number;
  readonly what: T;
  /** How many were set before it: of timers due at once, the first set goes first. */
  readonly order: number;
}

/** Timers, earliest first (first set first among those due at once). */
export class TimerHeap<T> {
  #heap: Timer<T>[] = [];
  #set = 0;

  /** How many are set (those since let go among them). */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest, if any. */
  peek(): Timer<T> | undefined {
    return this.#heap[0];
  }

  /** Sets a timer; returns it, so its owner may tell it from a later one. */
  push(at: number, what: T): Timer<T> {
    const timer = { at, what, order: this.#set++ };
    const heap = this.#heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!_before(timer, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = timer;
    return timer;
  }

  /** Takes the earliest. */
  pop(): Timer<T> | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && _before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!_before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function _before<T>(a: Timer<T>, b: Timer<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
