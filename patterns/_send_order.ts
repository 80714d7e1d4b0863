/**
 * The order waiting sends go in: the order they were made, or for a type
 * whose routing keys its sends by peer (SERVER, PEER), that order per
 * peer, so that a send waiting on one peer leaves sends to others free,
 * as libzmq's thread-safe sockets leave other threads' sends free.
 *
 * @module
 */

import type { OutboundMessage } from "./message.ts";
import type { Routing } from "./_routing.ts";
import type { Waiters } from "./_waiters.ts";

/**
 * Routes what waits, in order (per peer where keyed), as far as it goes:
 * with a `key`, only what waits for that peer (keyed).
 */
export function retryInOrder(
  senders: Waiters<void, OutboundMessage>,
  route: (frames: OutboundMessage) => boolean,
  key?: unknown,
): void {
  if (senders.length === 0) return;
  senders.serve(() => {
    const blocked = new Set<unknown>();
    return (frames, key) => {
      if (key !== undefined && blocked.has(key)) return "waits";
      if (route(frames)) return "went";
      if (key === undefined) return "stop";
      blocked.add(key);
      // Every peer that has sends waiting is full: none of them goes now.
      return blocked.size === senders.keyCount ? "stop" : "waits";
    };
  }, key);
}

/** Whether a new send may go before those waiting: to another peer. */
export function passesWaiting(
  senders: Waiters<void, OutboundMessage>,
  routing: Routing,
  frames: OutboundMessage,
): boolean {
  return routing.sendKey !== undefined &&
    !senders.hasKey(routing.sendKey(frames));
}
