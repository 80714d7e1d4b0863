/**
 * Knowing that another isolate is gone. A `MessagePort` says nothing when
 * the Worker at its other end is terminated or crashes (Deno 2.9.6 fires
 * no `close` event), but a Web Lock held there is released then: each side
 * holds a lock for as long as it lives, and the other asks for it, which
 * it is granted once the holder is gone. Where a runtime has no
 * `navigator.locks`, nothing is known (the other side's `close` still is).
 *
 * @module
 */

interface _Locks {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void> | void,
  ): Promise<void>;
}

function _locks(): _Locks | undefined {
  return (globalThis.navigator as { locks?: _Locks } | undefined)?.locks;
}

/**
 * Once a peer's lock is free, how long its port must stay quiet before it
 * is let go, in ms: what it posted before it went (a goodbye, ports it
 * shared) may still be on the way, and the lock's news can come first.
 */
export const GONE_QUIET_MS = 50;

/**
 * A fresh lock name, unique across isolates: 128 random bits, from
 * `getRandomValues`, which a page that is not a secure context has too
 * (`randomUUID` it has not).
 */
export function lockName(what: string): string {
  let hex = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
    hex += byte.toString(16).padStart(2, "0");
  }
  return `@zmtp/zmq ${what} ${hex}`;
}

/**
 * Holds the lock `name` until released.
 *
 * @returns Settles once the lock is held, with `true`, or at once with
 * `false` where there are no locks or the request failed (then no one may
 * be told to watch it: they would be granted it at once); and a function
 * that releases it.
 */
export function holdLock(name: string): [Promise<boolean>, () => void] {
  const locks = _locks();
  if (!locks) return [Promise.resolve(false), () => {}];
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const held = new Promise<boolean>((resolve) => {
    locks.request(name, {}, () => {
      resolve(true);
      return released;
    }).catch(() => resolve(false));
  });
  return [held, release];
}

/**
 * Calls `gone` once the holder of `name` has released it (it ended, or its
 * isolate did). Ask only once the holder has it.
 *
 * @returns A function that stops watching.
 */
export function watchLock(name: string, gone: () => void): () => void {
  const locks = _locks();
  if (!locks) return () => {};
  const watching = new AbortController();
  locks.request(name, { signal: watching.signal }, () => {
    if (!watching.signal.aborted) gone();
  }).catch(() => {});
  return () => watching.abort();
}

/** The Web Locks each side of an inproc link between isolates holds while it lives. */
export interface LinkLocks {
  /** Ours. */
  own: string;
  /** The peer's. */
  peer: string;
  /**
   * The lock the peer's isolate holds while it lives, watched until the
   * peer's hello comes (it may end before it says hello).
   */
  peerIsolate?: string | undefined;
}
