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
 * A timer that fires this much later than it was set for, in ms, finds
 * that the isolate was busy (the app's own work): what peers sent
 * meanwhile may be waiting unread, and a deadline judged before it is read
 * takes a peer that answered in time for one that did not. Deno runs a
 * timer that came due before a read whose bytes wait.
 */
export const LATE_MS = 20;
/**
 * How long deadlines that came late wait, for the reads that wait to run
 * first; again while the timer keeps coming late, for up to
 * {@linkcode MAX_GRACE_MS}, so that an isolate that is never idle still
 * judges its peers.
 */
export const GRACE_MS = 5;
/** The most a deadline waits for the reads behind it, in ms. */
export const MAX_GRACE_MS = 1000;

/**
 * Calls `callback` once `ms` have passed, as `setTimeout` does; but from a
 * timer that came more than {@linkcode LATE_MS} late, only once the reads
 * that may wait behind it ran (see {@linkcode Deadlines}): a receive whose
 * message came in time is not timed out.
 *
 * @returns Clears it.
 */
export function patientTimeout(callback: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout>;
  let due = 0;
  let gracedSince: number | undefined;
  const arm = (at: number): void => {
    due = at;
    timer = setTimeout(fire, Math.ceil(Math.max(0, at - performance.now())));
  };
  const fire = (): void => {
    const now = performance.now();
    if (now - due > LATE_MS) {
      gracedSince ??= now;
      if (now - gracedSince < MAX_GRACE_MS) return arm(now + GRACE_MS);
    }
    callback();
  };
  arm(performance.now() + ms);
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
  /** Since when late deadlines have waited for reads, if they are waiting. */
  #gracedSince: number | undefined;
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
      this.#gracedSince = undefined;
    }
  }

  #fire = (): void => {
    const firesAt = this.#timerAt;
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    if (now - firesAt > LATE_MS) {
      this.#gracedSince ??= now;
      if (now - this.#gracedSince < MAX_GRACE_MS) {
        return this.#arm(now + GRACE_MS);
      }
    }
    this.#gracedSince = undefined;
    try {
      // Read anew each time: a due told may schedule or cancel, and the
      // last cancel clears the heap.
      for (let top; (top = this.#heap.peek()) !== undefined;) {
        if (top.live && top.at > now) break;
        this.#heap.pop();
        if (!top.live) continue;
        top.live = false;
        this.#entries.delete(top.due);
        top.due.onDeadline();
      }
    } finally {
      // Even past a due that threw: the others' deadlines still hold.
      const next = this.#heap.peek();
      if (this.#entries.size === 0) this.#heap.clear();
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
