/**
 * What every connection of a kind announces alike, made once per process:
 * our greeting by mechanism and role, our READY metadata by socket type
 * (a connection's objects are what it costs while idle).
 *
 * @module
 */

import { encodeGreeting, type MechanismName } from "./greeting.ts";
import { Metadata } from "./metadata.ts";
import type { SocketType } from "./socket_type.ts";

const _IDENTITY_SENDERS: ReadonlySet<SocketType> = new Set([
  "REQ",
  "DEALER",
  "ROUTER",
]);

/** Our metadata without a routing id, by socket type: one per process. */
const _sharedMetadata = new Map<SocketType, Metadata>();
/** Our greetings by mechanism and role, encoded once; only ever read. */
const _greetings = new Map<string, Uint8Array>();

/** Our greeting for a mechanism and role: shared, so only ever read. */
export function ourGreeting(
  mechanism: MechanismName,
  asServer: boolean,
): Uint8Array {
  const key = asServer ? `${mechanism}:server` : mechanism;
  let greeting = _greetings.get(key);
  if (!greeting) {
    greeting = encodeGreeting({ mechanism, asServer });
    _greetings.set(key, greeting);
  }
  return greeting;
}

/**
 * Our READY metadata: Socket-Type, and Identity for the types that send
 * one. Without a routing id it is the same for every connection of a type,
 * so they share it (a connection's objects are what it costs while idle).
 */
export function ourMetadata(
  socketType: SocketType,
  routingId?: Uint8Array,
  own: readonly (readonly [string, string | Uint8Array])[] = [],
): Metadata {
  const shareable = (routingId === undefined || routingId.length === 0) &&
    own.length === 0;
  const shared = shareable ? _sharedMetadata.get(socketType) : undefined;
  if (shared) return shared;
  const properties: [string, string | Uint8Array][] = [[
    "Socket-Type",
    socketType,
  ]];
  if (_IDENTITY_SENDERS.has(socketType)) {
    properties.push(["Identity", routingId ?? new Uint8Array()]);
  }
  for (const [name, value] of own) properties.push([name, value]);
  const metadata = new Metadata(properties);
  if (shareable) _sharedMetadata.set(socketType, metadata);
  return metadata;
}
