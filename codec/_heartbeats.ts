/**
 * The heartbeats of connections: settings shared, and a connection that sends
 * no PING makes its heartbeat only at the peer's first PING, and keeps
 * what to make it with until then (thousands of idle peers each would
 * hold a heartbeat of nothing to do, or a copy of the settings).
 *
 * @module
 */

import type { ConnectionOptions } from "./connection_options.ts";
import { Heartbeat, type HeartbeatOptions } from "./heartbeat.ts";

/** Settings in use, by value; forgotten wholesale past a few hundred. */
const _shared = new Map<string, Readonly<HeartbeatOptions>>();
const MAX_SHARED = 256;

/**
 * The heartbeat settings of a connection, one object for all alike.
 *
 * @param options The connection's options.
 * @param zws Whether it speaks ZWS, which sends no PING (WebSocket pings do).
 */
export function optionsFor(
  options: ConnectionOptions,
  zws: boolean,
): Readonly<HeartbeatOptions> {
  const interval = zws ? 0 : options.heartbeatInterval ?? 0;
  const { heartbeatTimeout: timeout, heartbeatTimeToLive: timeToLive } =
    options;
  const writtenLater = options.reuseOutput ?? false;
  const key = `${interval}/${timeout}/${timeToLive}/${writtenLater}`;
  let shared = _shared.get(key);
  if (!shared) {
    if (_shared.size >= MAX_SHARED) _shared.clear();
    shared = Object.freeze({ interval, timeout, timeToLive, writtenLater });
    _shared.set(key, shared);
  }
  return shared;
}

/**
 * The heartbeat a connection makes with itself: only to send PINGs.
 *
 * @param options The connection's shared settings.
 * @param now The connection's time at its start.
 */
export function own(
  options: Readonly<HeartbeatOptions>,
  now: number,
): Heartbeat | undefined {
  if (!(options.interval! > 0)) return undefined;
  return new Heartbeat({ ...options, now });
}

/**
 * A heartbeat made during a `receive` (at the peer's first PING), as if it
 * had been made with the connection: that chunk is the traffic it heard
 * last, at `now` if the chunk came with the time.
 *
 * @param options The connection's shared settings.
 * @param now The connection's last time.
 * @param timed Whether the chunk being received came with the time.
 */
export function late(
  options: Readonly<HeartbeatOptions>,
  now: number,
  timed: boolean,
): Heartbeat {
  const heartbeat = new Heartbeat({ ...options, now });
  heartbeat.onTraffic(timed ? now : undefined);
  return heartbeat;
}
