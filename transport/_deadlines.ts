/**
 * One timer for the deadlines of every link in this isolate (handshakes,
 * heartbeats), instead of a timer each: a server that thousands of peers
 * connect to arms and clears a deadline per connection, and a runtime
 * timer costs microseconds to set and to clear (measured with 5,000
 * libzmq DEALERs connecting: 11 µs a connection, 9% of the time to
 * connect them all), where a heap entry costs a fraction of one.
 *
 * @module
 */

import { MinHeap } from "../codec/_min_heap.ts";

/**
 * How long a deadline that came due waits before it is judged, in ms: a
 * turn of the event loop, in which the reads (and writes, and port
 * messages) that wait run first. The app's own synchronous work holds the
 * loop, and our reads with it (libzmq reads in its I/O thread meanwhile);
 * after it, Deno runs a timer that came due before a read whose bytes are
 * in, and a deadline judged at once took a peer that answered in time for
 * one that did not. A turn takes well under a millisecond, but a process
 * that another one keeps off its CPU takes longer: 10 ms, once a
 * judgement, so the wait does not stretch while the loop stays busy.
 */
const GRACE_MS = 10;

/**
 * Calls `callback` once `ms` have passed and then a turn of the loop (see
 * {@linkcode GRACE_MS}; a tenth of `ms` for shorter timeouts, 1 ms at
 * least): a timeout that judges what may already have come (a receive's,
 * a connect's) judges after it is read.
 *
 * @returns Clears it.
 */
export function patientTimeout(callback: () => void, ms: number): () => void {
  const grace = Math.min(GRACE_MS, Math.max(1, Math.ceil(ms / 10)));
  let timer = setTimeout(() => {
    timer = setTimeout(callback, grace);
  }, ms);
  return () => clearTimeout(timer);
}

/** What has a deadline: told when it passed. */
export interface Due {
  /** The deadline passed; it may schedule another. */
  onDeadline(): void;
}

/** A deadline in the heap: cancelled entries stay until popped. */
interface _Entry {
  /** When, on the real monotonic clock (`performance.now()`). */
  at: number;
  due: Due;
  live: boolean;
}

/**
 * Deadlines, earliest first, and one runtime timer for the earliest. A due
 * has one deadline at most: scheduling it again replaces the last.
 */
export class Deadlines {
  #heap = new MinHeap<_Entry>((a, b) => a.at < b.at);
  /** Each due's live entry. */
  #entries = new Map<Due, _Entry>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires, or Infinity with no timer. */
  #timerAt = Infinity;
  /** When the deadlines found due are judged: a grace on (GRACE_MS). */
  #judgeAt: number | undefined;
  /** When they were found due: those due by then are judged at #judgeAt. */
  #dueBy = -Infinity;
  readonly #now: () => number;

  /** @param now The monotonic clock, in ms (a test's fake one). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Deadlines pending. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether `due` has a deadline pending. */
  has(due: Due): boolean {
    return this.#entries.has(due);
  }

  /** Entries in the heap, cancelled ones too: for tests. */
  get heapLength(): number {
    return this.#heap.size;
  }

  /** Whether a runtime timer is pending. */
  get timerPending(): boolean {
    return this.#timer !== undefined;
  }

  /** Tells `due` in `delay` ms (or at once, if not positive), not before. */
  schedule(due: Due, delay: number): void {
    const old = this.#entries.get(due);
    if (old) old.live = false;
    const entry: _Entry = {
      at: this.#now() + Math.max(0, delay),
      due,
      live: true,
    };
    this.#entries.set(due, entry);
    this.#heap.push(entry);
    // Cancelled entries are dropped once they outnumber the live ones, so
    // a connection that closed is not held until its deadline would have.
    if (this.#heap.size > 2 * this.#entries.size + 64) {
      this.#heap.retain((entry) => entry.live);
    }
    if (entry.at < this.#timerAt) this.#arm(entry.at);
  }

  /** Forgets `due`'s deadline; with none left, the timer goes too. */
  cancel(due: Due): void {
    const entry = this.#entries.get(due);
    if (!entry) return;
    entry.live = false;
    this.#entries.delete(due);
    if (this.#entries.size === 0) {
      this.#heap.clear();
      this.#disarm();
      this.#judgeAt = undefined;
    }
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    let waitUntil: number | undefined;
    try {
      // Read anew each time: a due told may schedule or cancel, and the
      // last cancel clears the heap.
      for (let top; (top = this.#heap.peek()) !== undefined;) {
        if (top.live && top.at > now) break;
        const judging = this.#judgeAt !== undefined && now >= this.#judgeAt;
        if (top.live && !(judging && top.at <= this.#dueBy)) {
          // Due, and not yet given a turn of the loop (GRACE_MS): it waits
          // one, once; one that came due in another's wait, or after it
          // while the app held the loop, waits its own.
          if (this.#judgeAt === undefined || judging) {
            this.#judgeAt = now + GRACE_MS;
            this.#dueBy = now;
          }
          waitUntil = this.#judgeAt;
          break;
        }
        this.#heap.pop();
        if (!top.live) continue;
        top.live = false;
        this.#entries.delete(top.due);
        top.due.onDeadline();
      }
    } finally {
      // Even past a due that threw: the others' deadlines still hold.
      if (waitUntil === undefined) this.#judgeAt = undefined;
      const next = this.#heap.peek();
      if (this.#entries.size === 0) {
        this.#heap.clear();
        this.#judgeAt = undefined;
      } else if (waitUntil !== undefined) this.#arm(waitUntil);
      else if (next && next.at < this.#timerAt) this.#arm(next.at);
    }
  };

  #arm(at: number): void {
    this.#disarm();
    this.#timerAt = at;
    // Whole milliseconds, rounded up: runtimes drop the fraction, and a
    // timer that fires before its deadline only arms another.
    this.#timer = setTimeout(
      this.#fire,
      Math.ceil(Math.max(0, at - this.#now())),
    );
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}

/** The isolate's deadlines, which every link's driver shares. */
export const deadlines: Deadlines = new Deadlines();
