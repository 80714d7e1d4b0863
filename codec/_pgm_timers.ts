/**
 * Timers kept in the order they fall due: a binary heap, so that the next
 * is read at once and each one set or taken costs the log of how many are
 * set — where a walk of every timer made each datagram cost them all.
 *
 * @module
 */

import { MinHeap } from "./_min_heap.ts";

/** A timer: when it falls due, and what for. */
export interface Timer<T> {
  readonly at: number;
  readonly what: T;
  /** How many were set before it: of timers due at once, the first set goes first. */
  readonly order: number;
}

/** Timers, earliest first (first set first among those due at once). */
export class TimerHeap<T> {
  #heap = new MinHeap<Timer<T>>(_before);
  #set = 0;

  /** How many are set (those since let go among them). */
  get size(): number {
    return this.#heap.size;
  }

  /** The earliest, if any. */
  peek(): Timer<T> | undefined {
    return this.#heap.peek();
  }

  /** Sets a timer; returns it, so its owner may tell it from a later one. */
  push(at: number, what: T): Timer<T> {
    const timer = { at, what, order: this.#set++ };
    this.#heap.push(timer);
    return timer;
  }

  /** Takes the earliest. */
  pop(): Timer<T> | undefined {
    return this.#heap.pop();
  }
}

function _before<T>(a: Timer<T>, b: Timer<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
