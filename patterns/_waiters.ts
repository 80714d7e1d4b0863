/**
 * Waiting with an abort signal and a timeout: the one implementation the
 * socket's sends and receives, `poll` and the events share.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SendOptions } from "./options.ts";
import { Queue } from "./_queue.ts";

/** How long a wait may last. */
export interface WaitOptions {
  /** Abandons the wait, rejecting with the signal's reason. */
  signal?: AbortSignal;
  /** Milliseconds before rejecting with `EAGAIN`; -1 or none waits forever, 0 fails at once. */
  timeout?: number;
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
  // Nothing to withdraw from: the common wait, on every receive of a round
  // trip, makes no closures of its own.
  if (!signal && timeout < 0) {
    return new Promise<T>((resolve, reject) => void start(resolve, reject));
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const abandon = (reason: unknown) => {
      cleanup();
      withdraw();
      reject(reason);
    };
    const onAbort = () => abandon(signal!.reason);
    const withdraw = start((value) => {
      cleanup();
      resolve(value);
    }, (error) => {
      cleanup();
      reject(error);
    });
    if (timeout > 0) timer = setTimeout(() => abandon(timeoutError()), timeout);
    signal?.addEventListener("abort", onAbort, { once: true });
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
export function timeoutError(): ZmqError {
  return new ZmqError(
    "EAGAIN",
    "the operation did not complete within the socket's sendTimeout/receiveTimeout",
  );
}

interface _Waiter<T, D> {
  data: D;
  /** Its key (a send's peer), when the waiters are keyed. */
  key: unknown;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** What an attempt on a waiter's data says: it went, it waits, or stop. */
export type Outcome = "went" | "waits" | "stop";

/**
 * Callers waiting in order (concurrent sends, or receives), each with its
 * data (the message a send carries).
 */
export class Waiters<T, D = undefined> {
  #queue = new Queue<_Waiter<T, D>>();
  #onLeave: (() => void) | undefined;

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
    return this.#queue.length;
  }

  /** The data of the first waiter. */
  peek(): D | undefined {
    return this.#queue.peek()?.data;
  }

  /** Joins the end of the queue until settled, aborted or timed out. */
  wait(data: D, options: WaitOptions): Promise<T> {
    return wait<T>(options, (resolve, reject) => {
      const key = this.#keyOf?.(data);
      const waiter = { data, key, resolve, reject };
      this.#queue.push(waiter);
      if (key !== undefined) {
        this.#keys.set(key, (this.#keys.get(key) ?? 0) + 1);
      }
      return () => this.#remove(waiter);
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

  #keyOf: ((data: D) => unknown) | undefined;
  #keys = new Map<unknown, number>();

  /** A waiter leaves: its key is counted out. */
  #left(waiter: _Waiter<T, D>): void {
    const key = waiter.key;
    if (key === undefined) return;
    const count = this.#keys.get(key)! - 1;
    if (count === 0) this.#keys.delete(key);
    else this.#keys.set(key, count);
  }

  /**
   * Offers the waiters' data (and key) to the attempts `start` makes, one
   * per walk, in order: one that went is resolved, one whose attempt
   * throws is rejected, one that `waits` stays in its place while the walk
   * goes on; `stop` ends the walk. A walk asked for while one is under way
   * (an attempt's side effect) follows it, with an attempt of its own.
   */
  serve(start: () => (data: D, key: unknown) => Outcome): void {
    if (this.#serving) {
      this.#again = true;
      return;
    }
    this.#serving = true;
    try {
      do {
        this.#again = false;
        this.#walk(start());
      } while (this.#again);
    } finally {
      this.#serving = false;
    }
  }

  #serving = false;
  #again = false;

  #walk(attempt: (data: D, key: unknown) => Outcome): void {
    const queue = this.#queue;
    let waiting: _Waiter<T, D>[] | undefined;
    while (queue.length > 0) {
      const waiter = queue.peek()!;
      let outcome: Outcome;
      try {
        outcome = attempt(waiter.data, waiter.key);
      } catch (error) {
        queue.shift();
        this.#left(waiter);
        waiter.reject(error);
        this.#onLeave?.();
        continue;
      }
      if (outcome === "stop") break;
      queue.shift();
      if (outcome === "went") {
        this.#left(waiter);
        waiter.resolve(undefined as T);
      } else (waiting ??= []).push(waiter);
    }
    if (!waiting) return;
    // Those that wait go back first, in their order.
    const rest = queue.clear();
    for (const waiter of waiting) queue.push(waiter);
    for (const waiter of rest) queue.push(waiter);
  }

  /** Settles the first waiter with a value. */
  resolveFirst(value: T): void {
    const waiter = this.#queue.shift();
    if (!waiter) return;
    this.#left(waiter);
    waiter.resolve(value);
  }

  /** Rejects the first waiter. */
  rejectFirst(error: unknown): void {
    const waiter = this.#queue.shift();
    if (!waiter) return;
    this.#left(waiter);
    waiter.reject(error);
    this.#onLeave?.();
  }

  /** Rejects every waiter; returns what each waited with. */
  rejectAll(error: unknown): D[] {
    const waiters = this.#queue.clear();
    this.#keys.clear();
    for (const waiter of waiters) waiter.reject(error);
    return waiters.map((waiter) => waiter.data);
  }

  #remove(waiter: _Waiter<T, D>): void {
    // Leave the queue in order: drop just this waiter.
    for (const other of this.#queue.clear()) {
      if (other !== waiter) this.#queue.push(other);
    }
    this.#left(waiter);
    this.#onLeave?.();
  }
}
