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
  #heap: _Entry[] = [];
  /** Each due's live entry. */
  #entries = new Map<Due, _Entry>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires, or Infinity with no timer. */
  #timerAt = Infinity;
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
    return this.#heap.length;
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
    this.#push(entry);
    // Cancelled entries are dropped once they outnumber the live ones, so
    // a connection that closed is not held until its deadline would have.
    if (this.#heap.length > 2 * this.#entries.size + 64) this.#compact();
    if (entry.at < this.#timerAt) this.#arm(entry.at);
  }

  /** Forgets `due`'s deadline; with none left, the timer goes too. */
  cancel(due: Due): void {
    const entry = this.#entries.get(due);
    if (!entry) return;
    entry.live = false;
    this.#entries.delete(due);
    if (this.#entries.size === 0) {
      this.#heap = [];
      this.#disarm();
    }
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    try {
      // Read anew each time: a due told may schedule or cancel, and the
      // last cancel replaces the heap.
      while (this.#heap.length > 0) {
        const top = this.#heap[0];
        if (top.live && top.at > now) break;
        this.#pop();
        if (!top.live) continue;
        top.live = false;
        this.#entries.delete(top.due);
        top.due.onDeadline();
      }
    } finally {
      // Even past a due that threw: the others' deadlines still hold.
      if (this.#entries.size === 0) this.#heap = [];
      else if (this.#heap[0].at < this.#timerAt) this.#arm(this.#heap[0].at);
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

  #compact(): void {
    const live = this.#heap.filter((entry) => entry.live);
    this.#heap = [];
    for (const entry of live) this.#push(entry);
  }

  #push(entry: _Entry): void {
    const heap = this.#heap;
    let at = heap.length;
    heap[at] = entry;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent].at <= entry.at) break;
      heap[at] = heap[parent];
      heap[parent] = entry;
      at = parent;
    }
  }

  #pop(): _Entry {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right].at < heap[left].at
        ? right
        : left;
      if (heap[child].at >= last.at) break;
      heap[at] = heap[child];
      heap[child] = last;
      at = child;
    }
    return top;
  }
}

/** The isolate's deadlines, which every link's driver shares. */
export const deadlines: Deadlines = new Deadlines();
