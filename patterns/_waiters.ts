/**
 * Waiting with an abort signal and a timeout: the one implementation the
 * socket's sends and receives, `poll` and the events share.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SendOptions } from "./options.ts";
import { onAbort } from "./_on_abort.ts";
import { Queue } from "../transport/_queue.ts";
import { patientTimeout } from "../transport/_deadlines.ts";

/** How long a wait may last. */
export interface WaitOptions {
  /** Abandons the wait, rejecting with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Milliseconds before rejecting with `EAGAIN`; -1 or none waits forever, 0 fails at once. */
  timeout?: number | undefined;
}

/**
 * Waits for `start`'s callbacks; rejects when the signal aborts or the
 * timeout passes, withdrawing what `start` registered (the function it
 * returns). Settled either way, it leaves no timer or listener behind.
 */
export function wait<T>(
  options: WaitOptions,
  start: (
    resolve: (value: T) => void,
    reject: (error: unknown) => void,
  ) => () => void,
): Promise<T> {
  const { signal, timeout = -1 } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (timeout === 0) return Promise.reject(timeoutError());
  // Nothing to withdraw from: a round trip's receives make no closures.
  if (!signal && timeout < 0) {
    return new Promise<T>((resolve, reject) => void start(resolve, reject));
  }
  return new Promise<T>((resolve, reject) => {
    let unlisten: (() => void) | undefined;
    let clearTimer: (() => void) | undefined;
    let settled = false;
    const cleanup = () => {
      settled = true;
      clearTimer?.();
      unlisten?.();
    };
    const abandon = (reason: unknown = timeoutError()) => {
      cleanup();
      withdraw();
      reject(reason);
    };
    const withdraw = start((value) => {
      cleanup();
      resolve(value);
    }, (error) => {
      cleanup();
      reject(error);
    });
    // (A start that settled at once leaves nothing to listen for.)
    if (settled) return;
    if (timeout > 0) clearTimer = patientTimeout(abandon, timeout);
    if (signal) unlisten = onAbort(signal, () => abandon(signal.reason));
  });
}

/** The error of any operation on a closed socket. */
export function closedError(): ZmqError {
  return new ZmqError("ETERM", "the socket is closed");
}

/** Marks the options of a send or receive that waits whatever the
 * socket's `sendTimeout` or `receiveTimeout`: the proxy's, as libzmq's
 * polls and never meets them. Not a public option. */
export const UNTIMED: unique symbol = Symbol("untimed");

/** Options of a send or receive that may be {@linkcode UNTIMED}. */
export type CoreOptions = SendOptions & { readonly [UNTIMED]?: true };

/** The error of a send or receive that ran out of time. */
function timeoutError(): ZmqError {
  return new ZmqError(
    "EAGAIN",
    "the operation did not complete within the socket's sendTimeout/receiveTimeout",
  );
}

interface _Waiter<T, D> {
  data: D;
  /** Its key (a send's peer), when the waiters are keyed. */
  key: unknown;
  /** Set once it left: it stays in the queue until reached, and is skipped. */
  gone: boolean;
  /** When it came, among all keys: which of the keys' firsts is first. */
  order: number;
  resolve(value: T): void;
  reject(error: unknown): void;
}

const _unset = (): void => {}; // a waiter's callbacks until it joins a queue

/** What an attempt on a waiter's data says: it went, it waits, or stop. */
export type Outcome = "went" | "waits" | "stop";

/**
 * Callers waiting in order (concurrent sends, or receives), each with its
 * data (the message a send carries). One that times out or is aborted is
 * marked gone and skipped when reached: thousands timing out together cost
 * each its own leaving, not a pass over all the others.
 */
export class Waiters<T, D = undefined> {
  #queue = new Queue<_Waiter<T, D>>();
  /** Waiters not gone. */
  #live = 0;
  #onLeave: (() => void) | undefined;
  #keyOf: ((data: D) => unknown) | undefined;
  /** How many waiters not gone each key has. */
  #keys = new Map<unknown, number>();
  /**
   * Keyed waiters (see {@linkcode Waiters.keyBy}), a queue per key: a walk
   * tries each key's first and goes on to the next key once one waits, so
   * it costs a look per key, not one per waiter (thousands of sends
   * waiting on hundreds of full peers were walked whole at every retry).
   */
  #byKey = new Map<unknown, Queue<_Waiter<T, D>>>();
  #serving = false;
  /** A walk of all asked for during one: it follows. */
  #againAll = false;
  /** Walks of these keys asked for during one: they follow. */
  #againKeys = new Set<unknown>();
  /** Waiters made so far: the next one's order. */
  #made = 0;

  /**
   * @param onLeave Told when a waiter leaves unserved (timed out, aborted
   * or rejected, not at {@linkcode Waiters.rejectAll}): a REQ's receive
   * that waited on its send has nothing to wait for then.
   */
  constructor(onLeave?: () => void) {
    this.#onLeave = onLeave;
  }

  /** How many wait. */
  get length(): number {
    return this.#live;
  }

  /**
   * What the queues hold: those that wait, and those gone but not dropped
   * yet (their data let go): about twice those that wait, at most, plus
   * 32, and 2 a key.
   */
  get held(): number {
    let held = this.#queue.length + this.#aside.length;
    for (const queue of this.#byKey.values()) held += queue.length;
    return held;
  }

  /** Joins the end of the queue until settled, aborted or timed out. */
  wait(data: D, options: WaitOptions): Promise<T> {
    // The closures below hold the waiter, not `data`: a leaver drops it.
    const waiter: _Waiter<T, D> = {
      data,
      key: undefined,
      gone: false,
      order: 0,
      resolve: _unset,
      reject: _unset,
    };
    return wait<T>(options, (resolve, reject) => {
      const key = waiter.key = this.#keyOf?.(waiter.data);
      waiter.order = this.#made++;
      waiter.resolve = resolve;
      waiter.reject = reject;
      this.#live++;
      if (key === undefined) this.#queue.push(waiter);
      else {
        this.#keys.set(key, (this.#keys.get(key) ?? 0) + 1);
        let queue = this.#byKey.get(key);
        if (!queue) this.#byKey.set(key, queue = new Queue());
        queue.push(waiter);
      }
      return () => {
        this.#leave(waiter);
        this.#onLeave?.();
      };
    });
  }

  /**
   * Keys each waiter by `keyOf(data)` from now on, counting the waiters of
   * each key (see {@linkcode Waiters.hasKey}).
   */
  keyBy(keyOf: ((data: D) => unknown) | undefined): void {
    this.#keyOf = keyOf;
  }

  /** Whether a waiter has this key. */
  hasKey(key: unknown): boolean {
    return this.#keys.has(key);
  }

  /** How many keys the waiters have. */
  get keyCount(): number {
    return this.#keys.size;
  }

  /**
   * Offers the waiters' data (and key) to the attempts `start` makes, one
   * per walk, in order: one that went is resolved, one whose attempt
   * throws is rejected, one that `waits` stays in its place while the walk
   * goes on (keyed, with the next key: those after it of its key wait
   * behind it); `stop` ends the walk. A walk asked for while one is under
   * way (an attempt's side effect) follows it, with an attempt of its own.
   * Given a `key` (keyed waiters), only that key's: a peer that drained
   * concerns its own sends, and looking at every peer's each time was a
   * scan of all peers per drain.
   */
  serve(
    start: () => (data: D, key: unknown) => Outcome,
    key?: unknown,
  ): void {
    // A walk of one key (keyed waiters only), or of all.
    const one = key !== undefined && this.#keyOf !== undefined;
    if (this.#serving) {
      if (one) this.#againKeys.add(key);
      else this.#againAll = true;
      return;
    }
    this.#serving = true;
    try {
      let keys: unknown[] | undefined = one ? [key] : undefined;
      for (;;) {
        const attempt = start();
        if (keys) this.#walkKeys(attempt, keys);
        else if (!this.#walk(attempt) && this.#byKey.size > 0) {
          this.#walkKeys(attempt, this.#byKey.keys());
        }
        if (this.#againAll) keys = undefined;
        else if (this.#againKeys.size > 0) keys = [...this.#againKeys];
        else break;
        this.#againAll = false;
        this.#againKeys.clear();
      }
    } finally {
      this.#serving = false;
    }
  }

  /** Those a walk set aside (they wait): back first when it ends. */
  #aside: _Waiter<T, D>[] = [];

  /** Walks the unkeyed waiters; tells whether the attempt stopped it. */
  #walk(attempt: (data: D, key: unknown) => Outcome): boolean {
    const queue = this.#queue;
    let stopped = false;
    for (let waiter = this.#first(); waiter; waiter = this.#first()) {
      const outcome = this.#offer(queue, waiter, attempt, waiter.key);
      if (outcome === "stop") {
        stopped = true;
        break;
      }
      if (outcome === "waits") {
        if (queue.peek() === waiter) queue.shift();
        this.#aside.push(waiter);
      }
    }
    const aside = this.#aside;
    if (aside.length === 0) return stopped;
    this.#aside = [];
    // Those that wait go back first, in their order.
    const rest = queue.clear();
    for (const waiter of aside) if (!waiter.gone) queue.push(waiter);
    for (const waiter of rest) queue.push(waiter);
    return stopped;
  }

  /**
   * Offers `waiter`, the first of `queue`, to the attempt. One that went is
   * resolved, one whose attempt throws is rejected, and either leaves the
   * queue ("went" for both); one that waits stays where it is.
   */
  #offer(
    queue: Queue<_Waiter<T, D>>,
    waiter: _Waiter<T, D>,
    attempt: (data: D, key: unknown) => Outcome,
    key: unknown,
  ): Outcome {
    let outcome: Outcome;
    try {
      outcome = attempt(waiter.data, key);
    } catch (error) {
      // Compacted away if its attempt withdrew it: not another's place.
      if (queue.peek() === waiter) queue.shift();
      // Left meanwhile (its attempt aborted it): nothing more to do.
      if (this.#leave(waiter)) {
        waiter.reject(error);
        this.#onLeave?.();
      }
      return "went";
    }
    if (outcome === "went") {
      if (queue.peek() === waiter) queue.shift();
      if (this.#leave(waiter)) waiter.resolve(undefined as T);
    }
    return outcome;
  }

  /** Each key's waiters in order, until one waits or the attempt stops. */
  #walkKeys(
    attempt: (data: D, key: unknown) => Outcome,
    keys: Iterable<unknown>,
  ): void {
    for (const key of keys) {
      const queue = this.#byKey.get(key);
      if (!queue) continue;
      for (let waiter = _first(queue); waiter; waiter = _first(queue)) {
        const outcome = this.#offer(queue, waiter, attempt, key);
        if (outcome === "stop") return;
        if (outcome === "waits") break;
      }
      // Emptied (unless a send made meanwhile gave the key a new queue):
      // deleting the entry being visited is safe in a Map's iteration.
      if (_first(queue) === undefined && this.#byKey.get(key) === queue) {
        this.#byKey.delete(key);
      }
    }
  }

  /** Settles the first waiter with a value. */
  resolveFirst(value: T): void {
    const waiter = this.#takeFirst();
    if (waiter && this.#leave(waiter)) waiter.resolve(value);
  }

  /** Rejects the first waiter. */
  rejectFirst(error: unknown): void {
    const waiter = this.#takeFirst();
    if (!waiter || !this.#leave(waiter)) return;
    waiter.reject(error);
    this.#onLeave?.();
  }

  /**
   * The first waiter not gone, taken out of the queue: a queue that holds
   * one waiter at a time (each hop of a round trip) keeps its small store.
   */
  #takeFirst(): _Waiter<T, D> | undefined {
    let queue = this.#queue;
    let waiter = _first(queue);
    // Keyed: the first to come of the keys' firsts (a look per key). A
    // receive, each hop of a round trip, has none: no iterator made.
    if (this.#byKey.size > 0) {
      for (const keyed of this.#byKey.values()) {
        const candidate = _first(keyed);
        if (candidate && (!waiter || candidate.order < waiter.order)) {
          waiter = candidate;
          queue = keyed;
        }
      }
    }
    if (waiter) queue.shift();
    return waiter;
  }

  /** Rejects every waiter; returns what each waited with. */
  rejectAll(error: unknown): D[] {
    // With those a walk has set aside (a close inside a send's routing).
    const waiters = [
      ...this.#aside,
      ...this.#queue.clear(),
      ...[...this.#byKey.values()].flatMap((queue) => queue.clear()),
    ].filter((waiter) => !waiter.gone);
    this.#aside = [];
    this.#keys.clear();
    this.#byKey.clear();
    this.#live = 0;
    for (const waiter of waiters) {
      waiter.gone = true;
      waiter.reject(error);
    }
    return waiters.map((waiter) => waiter.data);
  }

  /** The first waiter not gone, those gone before it dropped. */
  #first(): _Waiter<T, D> | undefined {
    return _first(this.#queue);
  }

  /**
   * Marks a waiter gone and counts it out (its key too); the first to ask
   * is told `true`, later ones `false`. The queue drops it when reached.
   */
  #leave(waiter: _Waiter<T, D>): boolean {
    if (waiter.gone) return false;
    waiter.gone = true;
    // Nothing reads a gone waiter's data: a send's message is let go now,
    // not when the queue reaches its place.
    waiter.data = undefined as D;
    this.#live--;
    // Those gone are dropped as they are reached, or here once they are
    // most of the queue: a loop of receives that time out leaves none.
    const key = waiter.key;
    if (key === undefined) {
      _compact(this.#queue, this.#live, 32);
      return true;
    }
    const count = this.#keys.get(key)! - 1;
    if (count > 0) {
      this.#keys.set(key, count);
      // No slack per key: thousands of stuck peers with 32 gone ones each
      // held gigabytes when a gone one kept its message, and cost memory
      // still.
      const queue = this.#byKey.get(key);
      if (queue) _compact(queue, count, 2);
      return true;
    }
    // The key's last: its queue holds only those gone (or the one being
    // served, out of it already).
    this.#keys.delete(key);
    this.#byKey.delete(key);
    return true;
  }
}

/** The first waiter of `queue` not gone, those gone before it dropped. */
function _first<W extends { gone: boolean }>(queue: Queue<W>): W | undefined {
  let waiter = queue.peek();
  while (waiter?.gone) {
    queue.shift();
    waiter = queue.peek();
  }
  return waiter;
}

/**
 * Drops the gone once they are most of a queue of `live` waiters (and more
 * than `slack`): each gone one dropped pays for its share of the pass.
 */
function _compact<W extends { gone: boolean }>(
  queue: Queue<W>,
  live: number,
  slack: number,
): void {
  if (queue.length > 2 * live + slack) {
    for (const kept of queue.clear()) if (!kept.gone) queue.push(kept);
  }
}
