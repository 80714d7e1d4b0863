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
  resolve(value: T): void;
  reject(error: unknown): void;
}

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
      const waiter = { data, resolve, reject };
      this.#queue.push(waiter);
      return () => this.#remove(waiter);
    });
  }

  /**
   * Offers the waiters' data to `attempt`, in order: one that went is
   * resolved, one whose attempt throws is rejected, one that `waits` stays
   * in its place while the walk goes on; `stop` ends the walk. A walk
   * asked for while one is under way (an attempt's side effect) follows it.
   */
  serve(attempt: (data: D) => "went" | "waits" | "stop"): void {
    if (this.#serving) {
      this.#again = true;
      return;
    }
    this.#serving = true;
    try {
      do {
        this.#again = false;
        this.#walk(attempt);
      } while (this.#again);
    } finally {
      this.#serving = false;
    }
  }

  #serving = false;
  #again = false;

  #walk(attempt: (data: D) => "went" | "waits" | "stop"): void {
    const queue = this.#queue;
    let waiting: _Waiter<T, D>[] | undefined;
    while (queue.length > 0) {
      const waiter = queue.peek()!;
      let outcome: "went" | "waits" | "stop";
      try {
        outcome = attempt(waiter.data);
      } catch (error) {
        queue.shift();
        waiter.reject(error);
        this.#onLeave?.();
        continue;
      }
      if (outcome === "stop") break;
      queue.shift();
      if (outcome === "went") waiter.resolve(undefined as T);
      else (waiting ??= []).push(waiter);
    }
    if (!waiting) return;
    // Those that wait go back first, in their order.
    const rest = queue.clear();
    for (const waiter of waiting) queue.push(waiter);
    for (const waiter of rest) queue.push(waiter);
  }

  /** Whether some waiter's data passes `test`. */
  some(test: (data: D) => boolean): boolean {
    const all = this.#queue.clear();
    for (const waiter of all) this.#queue.push(waiter);
    return all.some((waiter) => test(waiter.data));
  }

  /** Settles the first waiter with a value. */
  resolveFirst(value: T): void {
    this.#queue.shift()?.resolve(value);
  }

  /** Rejects the first waiter. */
  rejectFirst(error: unknown): void {
    this.#queue.shift()?.reject(error);
    this.#onLeave?.();
  }

  /** Rejects every waiter; returns what each waited with. */
  rejectAll(error: unknown): D[] {
    const waiters = this.#queue.clear();
    for (const waiter of waiters) waiter.reject(error);
    return waiters.map((waiter) => waiter.data);
  }

  #remove(waiter: _Waiter<T, D>): void {
    // Leave the queue in order: drop just this waiter.
    for (const other of this.#queue.clear()) {
      if (other !== waiter) this.#queue.push(other);
    }
    this.#onLeave?.();
  }
}
