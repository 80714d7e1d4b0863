/**
 * A high-water mark set on a socket that has peers: libzmq's setsockopt
 * applies it to every pipe the socket has (update_pipe_options), not only
 * to peers that come later, and so do we. One difference: a send waiting
 * at the old mark goes as soon as it is raised, where libzmq's full pipe
 * waits for its peer to read before it takes more.
 *
 * @module
 */

import type { SocketCore } from "./_core.ts";
import { checkOption, type ResolvedOptions } from "./_resolve_options.ts";

/**
 * Checks and sets a high-water mark, then applies both marks to every pipe:
 * a pipe no longer full takes turns again and lets waiting sends through,
 * and a link paused at the receive mark reads on if it is now below it.
 *
 * @param core The socket's core.
 * @param options The socket's options, where the mark is kept.
 * @param name Which mark.
 * @param value Its new value.
 * @throws {ZmqError} `EINVAL` for a value out of range (nothing changes).
 */
export function setHighWaterMark(
  core: SocketCore,
  options: ResolvedOptions,
  name: "sendHighWaterMark" | "receiveHighWaterMark",
  value: number,
): void {
  options[name] = checkOption(name, value);
  const send = options.sendHighWaterMark;
  const receive = options.receiveHighWaterMark;
  // Served pipes not routed yet (a handshake under way) are links' only.
  for (const pipe of new Set([...core.pipes, ...core.links.values()])) {
    const wasFull = pipe.full;
    pipe.setHighWaterMarks(send, receive);
    if (wasFull && !pipe.full) core.routing.drained?.(pipe);
    // Only a link paused at the mark: not one its routing reads no more (a
    // ROUTER peer handed over), nor one whose pipe is being dropped.
    const heard = core.routing.heard?.(pipe) ?? true;
    if (pipe.attached && heard && !pipe.inboundFull) pipe.link?.resume();
  }
  core.retrySends();
}
