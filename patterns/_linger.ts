/**
 * Closing a socket: what it does with queued messages (linger) and in
 * which order it lets go of its endpoints and links.
 *
 * @module
 */

import type { CloseSummary } from "./context.ts";
import type { SocketCore } from "./_core.ts";
import type { Link } from "../transport/transport.ts";
import { patientTimeout } from "../transport/_deadlines.ts";
import type { Pipe } from "./_pipe.ts";
import { withResolvers } from "./_fallbacks.ts";

/** The socket's endpoints, as closing needs them. */
export interface ClosableEndpoints {
  /** Stops accepting; settles when every listener is closed. */
  closeListeners(): Promise<void>;
  /** Stops dialling; settles when no attempt or timer is left. */
  closeDialers(): Promise<void>;
  /**
   * The pipes of `disconnect`s still writing out what is queued: closing
   * takes them over (they flush within its linger, and what they could
   * not write counts as dropped).
   */
  leavingPipes(): Pipe[];
}

/** Each closing socket's way to end its linger early. */
const _cuts = new WeakMap<SocketCore, PromiseWithResolvers<void>>();

function _cut(core: SocketCore): PromiseWithResolvers<void> {
  let cut = _cuts.get(core);
  if (!cut) _cuts.set(core, cut = withResolvers());
  return cut;
}

/**
 * Ends the linger of a close under way (linger set to 0 while closing):
 * what is still queued is dropped, as linger 0 would have.
 *
 * @param core The socket's core.
 */
export function cutLinger(core: SocketCore): void {
  _cut(core).resolve();
}

/**
 * Closes a socket's machinery: fails waiting callers, stops listening,
 * waits up to `linger` ms for queued messages to be written, stops
 * dialling, closes every link and drops the pipes; tells `closed` and
 * ends the events.
 *
 * @returns What was dropped and left unread.
 */
export async function shutdown(
  core: SocketCore,
  endpoints: ClosableEndpoints,
  linger: number,
): Promise<CloseSummary> {
  core.closed = true;
  let { unread, dropped } = core.abandonCallers();
  // What is queued for an inproc peer is already its, as in libzmq's one
  // pipe: no linger drops it.
  for (const link of core.links.keys()) link.surrender?.();
  const leaving = endpoints.leavingPipes();
  if (linger === 0) {
    // What the links write without waiting for a peer goes first, as
    // libzmq's I/O thread has moved a live peer's messages to the kernel
    // by the time its socket closes; the rest is dropped.
    await _writeWithoutWaiting(core, [...core.pipes, ...leaving]);
    for (const pipe of core.pipes) dropped += pipe.dropOutbound();
    for (const pipe of leaving) dropped += pipe.dropOutbound();
    core.progress(); // a disconnect waiting for those ends its wait
  }
  await endpoints.closeListeners();
  if (linger !== 0) {
    const pipes = [...core.pipes, ...leaving];
    await _flush(
      core,
      pipes,
      () => [...core.links.keys()],
      linger,
      _cut(core).promise,
    );
  }
  for (const pipe of leaving) dropped += pipe.dropOutbound();
  core.progress();
  const dialers = endpoints.closeDialers();
  // Counted before the links close (an accepted pipe leaves with its link,
  // and a routing may drop what a pipe leaving holds): those left already,
  // then those still here.
  unread += core.withheld + core.departed.unread() +
    (core.routing.unread?.() ?? 0);
  dropped += core.departed.dropped;
  for (const pipe of core.pipes) {
    dropped += pipe.outbound.length;
    unread += pipe.inbound.length;
  }
  for (const link of core.links.keys()) {
    unread += link.unread ?? 0;
    link.close(true);
  }
  await dialers;
  await core.whenServed();
  for (const pipe of [...core.pipes]) core.remove(pipe);
  // Counted: a closed socket the app still holds keeps none of its messages.
  core.departed.dropUnread();
  core.routing.dropUnread?.();
  const summary = { dropped, unread };
  core.events.push({ type: "closed", ...summary });
  core.events.end();
  return summary;
}

/** Whether a pipe has messages or control actions waiting to be written. */
const _queued = (pipe: Pipe): boolean =>
  pipe.outbound.length > 0 || pipe.controlPending;

/**
 * Gives the links a turn of the event loop, if anything is queued (a flush
 * at linger 0): a write under way settles, and what the pipes hold goes in
 * the next, which the kernel takes at once unless the peer is slow.
 */
function _writeWithoutWaiting(core: SocketCore, pipes: Pipe[]): Promise<void> {
  if (!pipes.some(_queued)) return Promise.resolve();
  return _flush(core, pipes, () => [...core.links.keys()], 0);
}

/**
 * Waits until what is queued for one pipe (`disconnect`) is written, or
 * `linger` ms (-1: forever; 0: a turn of the event loop, for what its link
 * writes without waiting).
 */
export function flushPipe(
  core: SocketCore,
  pipe: Pipe,
  linger: number,
): Promise<void> {
  const link = pipe.link;
  // A link that ends (the peer left, or the socket closed) wrote all it will.
  if (link) return _flush(core, [pipe], () => [link], linger, link.done);
  // No link yet: the pipe's dialer goes on, and its links write it out
  // (closing the socket drops what is left at its own linger).
  return _flush(core, [pipe], () => (pipe.link ? [pipe.link] : []), linger);
}

/**
 * Waits until every message queued in `pipes` is written, or `linger` ms
 * (-1: forever), or `until` settles.
 */
async function _flush(
  core: SocketCore,
  pipes: Pipe[],
  links: () => Link[],
  linger: number,
  until?: Promise<unknown>,
): Promise<void> {
  let clearTimer: (() => void) | undefined;
  let expired = false;
  const timeout = new Promise<void>((resolve) => {
    const expire = () => {
      expired = true;
      resolve();
    };
    until?.then(expire, expire);
    // Not before the writes a busy app held up had their turn.
    if (linger >= 0) clearTimer = patientTimeout(expire, linger);
  });
  // Nothing is queued while closing, so a pipe found drained stays so: the
  // list only shrinks, from its end, and each progress looks at O(1) pipes
  // (a scan of every pipe per progress made closing N peers O(N²)).
  const waiting = pipes.filter(_queued);
  try {
    while (!expired) {
      while (waiting.length > 0 && !_queued(waiting.at(-1)!)) waiting.pop();
      if (waiting.length === 0) {
        await Promise.race([
          Promise.all(links().map((link) => link.whenFlushed())),
          timeout,
        ]);
        return;
      }
      await Promise.race([core.nextProgress(), timeout]);
    }
  } finally {
    clearTimer?.();
  }
}
