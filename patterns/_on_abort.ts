/**
 * Abort listeners that cost the same however many share a signal.
 *
 * @module
 */

/** The listeners of one signal, and the one listener it holds for them. */
interface _Shared {
  listeners: Set<() => void>;
  dispatch: () => void;
}

const _shared = new WeakMap<AbortSignal, _Shared>();

const _nothing = (): void => {};

/**
 * Calls `listener` once when `signal` aborts, until the returned function
 * withdraws it. The signal holds one listener for all of a program's,
 * while any is left: Deno's EventTarget looks through a signal's listeners
 * at every add and remove, so thousands of waits on one signal (a shutdown
 * signal every receive loop passes, a `poll` over many sockets) each cost a
 * pass over all the others, and a burst of them the square.
 *
 * @param signal The signal; one that aborted already has the listener
 * called at once.
 * @param listener Called with nothing, at most once. One that throws keeps
 * no other from running: its error is thrown on its own, as EventTarget
 * reports a listener's.
 * @returns Withdraws the listener; the signal's own goes with the last.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return _nothing;
  }
  let shared = _shared.get(signal);
  if (!shared) {
    const listeners = new Set<() => void>();
    const dispatch = () => {
      _shared.delete(signal);
      // Each withdraws itself as it runs: a Set's walk skips the deleted.
      for (const each of listeners) {
        try {
          each();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      listeners.clear();
    };
    shared = { listeners, dispatch };
    _shared.set(signal, shared);
    signal.addEventListener("abort", dispatch, { once: true });
  }
  const mine = shared;
  mine.listeners.add(listener);
  return () => {
    if (!mine.listeners.delete(listener) || mine.listeners.size > 0) return;
    // Not once it ran: its listener went with the abort.
    if (_shared.get(signal) !== mine) return;
    _shared.delete(signal);
    signal.removeEventListener("abort", mine.dispatch);
  };
}
