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
  receive(options: { signal?: AbortSignal }): Promise<M>;
  /**
   * The next message if one is queued and no receive waits before it;
   * `undefined` otherwise (`receive` then says why, if it fails).
   */
  takeQueued(): M | undefined;
}

/**
 * Iterates over the messages of `source` until it closes or `signal`
 * aborts, which end the iteration quietly; any other failure throws.
 */
export function iterateMessages<M>(
  source: MessageSource<M>,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<M> {
  const options = { signal };
  let finished = false;
  const end = (): IteratorResult<M> => {
    finished = true;
    return { value: undefined, done: true };
  };
  const found = (value: M): IteratorResult<M> => ({ value, done: false });
  const failed = (error: unknown): IteratorResult<M> => {
    if (signal?.aborted && error === signal.reason) return end();
    if (error instanceof ZmqError && error.code === "ETERM") return end();
    finished = true;
    throw error;
  };
  return {
    next(): Promise<IteratorResult<M>> {
      if (finished || source.closed || signal?.aborted) {
        return Promise.resolve(end());
      }
      let queued: M | undefined;
      try {
        queued = source.takeQueued();
      } catch {
        // The socket cannot receive (or not now): receive says why.
      }
      if (queued !== undefined) return Promise.resolve(found(queued));
      return source.receive(options).then(found, failed);
    },
    return(): Promise<IteratorResult<M>> {
      return Promise.resolve(end());
    },
    [Symbol.asyncIterator](): AsyncIterableIterator<M> {
      return this;
    },
  };
}
