/**
 * The iterator of `for await (const message of socket)`, written out
 * rather than an async generator: a generator's `await` and `yield` each
 * cost a microtask hop per message, and a queued message here costs none.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";

/** What the iterator needs of its socket. */
export interface MessageSource<M> {
  /** Whether the socket is closed: the iteration ends. */
  readonly closed: boolean;
  /** Receives as `Socket.receive` does. */
  receive(options: { signal?: AbortSignal | undefined }): Promise<M>;
  /**
   * The next message if one is queued and no receive waits before it;
   * `undefined` otherwise.
   */
  takeQueued(): M | undefined;
}

/**
 * What async generators inherit (`Symbol.asyncIterator`, and
 * `Symbol.asyncDispose` where the runtime has it, for `await using`).
 */
const ASYNC_ITERATOR_PROTOTYPE: object = Object.getPrototypeOf(
  Object.getPrototypeOf(async function* () {}).prototype,
);

/**
 * Iterates over the messages of `source` until it closes or `signal`
 * aborts, which end the iteration quietly; any other failure throws, and
 * ends it. Calls of `next` that overlap settle in order, as a generator's.
 */
export function iterateMessages<M>(
  source: MessageSource<M>,
  signal: AbortSignal | undefined,
): AsyncGenerator<M, void, undefined> {
  const options = { signal };
  let finished = false;
  /** The last `next` still waiting for a message, if any. */
  let waiting: Promise<IteratorResult<M, void>> | undefined;
  const end = (): IteratorResult<M, void> => {
    finished = true;
    return { value: undefined, done: true };
  };
  const found = (value: M): IteratorResult<M, void> => ({ value, done: false });
  const failed = (error: unknown): IteratorResult<M, void> => {
    if (signal?.aborted && error === signal.reason) return end();
    if (error instanceof ZmqError && error.code === "ETERM") return end();
    finished = true;
    throw error;
  };
  const next = (): Promise<IteratorResult<M, void>> => {
    if (waiting) return waiting.then(next, next);
    if (finished || source.closed || signal?.aborted) {
      return Promise.resolve(end());
    }
    let queued: M | undefined;
    try {
      queued = source.takeQueued();
    } catch (error) {
      return Promise.reject(error).then(found, failed);
    }
    if (queued !== undefined) return Promise.resolve(found(queued));
    const result = source.receive(options).then(found, failed);
    waiting = result;
    const settled = () => {
      if (waiting === result) waiting = undefined;
    };
    result.then(settled, settled);
    return result;
  };
  const iterator = Object.create(ASYNC_ITERATOR_PROTOTYPE);
  iterator.next = next;
  iterator.return = () => Promise.resolve(end());
  iterator.throw = (error: unknown) => {
    finished = true;
    return Promise.reject(error);
  };
  return iterator;
}
