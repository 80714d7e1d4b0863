/**
 * Socket options resolved to their defaults, and checked against the
 * socket type.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { MulticastOptions, TlsOptions } from "../transport/transport.ts";
import { checkMulticast, MULTICAST_DEFAULTS } from "../transport/epgm.ts";
import { defaultMaxConnections } from "../transport/_descriptor_limit.ts";
import type { Authenticator } from "./authentication.ts";
import type { ConnectOptions, SocketOptions } from "./options.ts";
import { asBytes } from "./_as_bytes.ts";
import { Context } from "./context.ts";
import { checkFlag, checkSwitch } from "./_option_names.ts";

/** The options a socket keeps as properties, resolved to their defaults. */
export interface ResolvedOptions {
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  linger: number;
  reconnectInterval: number;
  reconnectIntervalMax: number;
  connectTimeout: number;
  routingId: Uint8Array | undefined;
  maxMessageSize: number;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  sendTimeout: number;
  receiveTimeout: number;
  immediate: boolean;
  conflate: boolean;
  probeRouter: boolean;
  zapDomain: string;
  zapEnforceDomain: boolean;
  authenticate: Authenticator | undefined;
  maxConnections: number;
}

/** The types libzmq conflates for (it ignores the option on the others). */
const _CONFLATING: readonly SocketType[] = [
  "PUB",
  "SUB",
  "PUSH",
  "PULL",
  "DEALER",
];
const _PROBING: readonly SocketType[] = ["ROUTER", "DEALER", "REQ"];

/** The types whose linger is 0 unless given, as in libzmq. */
const _LINGER_ZERO: readonly string[] = ["SUB", "XSUB", "DISH"];

/**
 * Applies libzmq's defaults (and ours for `linger`) and checks the options
 * the socket type cannot take.
 *
 * @throws {ZmqError} `EINVAL`.
 */
export function resolveOptions(
  type: SocketType,
  options: SocketOptions,
): ResolvedOptions {
  // What is no Context is EINVAL, as any malformed option (null too; none
  // is the default one).
  if (
    options.context !== undefined && !(options.context instanceof Context)
  ) {
    throw new ZmqError("EINVAL", "the context option is a Context");
  }
  const resolved: ResolvedOptions = {
    sendHighWaterMark: _or(options.sendHighWaterMark, 1000),
    receiveHighWaterMark: _or(options.receiveHighWaterMark, 1000),
    // 0 where libzmq sets it (its XSUB, so SUB, and DISH): their close
    // waits for no subscription or join to reach a peer.
    linger: _or(options.linger, _LINGER_ZERO.includes(type) ? 0 : 1000),
    reconnectInterval: _or(options.reconnectInterval, 100),
    reconnectIntervalMax: _or(options.reconnectIntervalMax, 0),
    connectTimeout: _or(options.connectTimeout, 0),
    routingId: options.routingId === undefined
      ? undefined
      : asBytes(options.routingId, "the routingId"),
    maxMessageSize: _or(options.maxMessageSize, -1),
    handshakeInterval: _or(options.handshakeInterval, 30_000),
    heartbeatInterval: _or(options.heartbeatInterval, 0),
    heartbeatTimeout: _or(options.heartbeatTimeout, -1),
    heartbeatTimeToLive: _or(options.heartbeatTimeToLive, 0),
    sendTimeout: _or(options.sendTimeout, -1),
    receiveTimeout: _or(options.receiveTimeout, -1),
    immediate: checkFlag("immediate", options.immediate),
    conflate: checkFlag("conflate", options.conflate),
    probeRouter: checkFlag("probeRouter", options.probeRouter),
    zapDomain: checkZapDomain(_or(options.zapDomain, "")),
    zapEnforceDomain: checkFlag("zapEnforceDomain", options.zapEnforceDomain),
    authenticate: options.authenticate,
    maxConnections: _or(options.maxConnections, defaultMaxConnections()),
  };
  _checkRanges(resolved);
  if (resolved.conflate && !_CONFLATING.includes(type)) {
    throw new ZmqError("EINVAL", `a ${type} socket cannot conflate`);
  }
  if (resolved.probeRouter) _checkProbing(type);
  return resolved;
}

/**
 * The default for an option left out; a `null` given is kept, for the check
 * to refuse as the setter does.
 */
function _or<T>(given: T | undefined, otherwise: T): T {
  return given === undefined ? otherwise : given;
}

/** The longest a timer waits: setTimeout's limit (about 24.8 days). */
const _MAX_MS = 2 ** 31 - 1;

/** The numeric options a socket keeps, checked on every assignment. */
export type NumericOption =
  | "sendHighWaterMark"
  | "receiveHighWaterMark"
  | "linger"
  | "reconnectInterval"
  | "reconnectIntervalMax"
  | "connectTimeout"
  | "maxMessageSize"
  | "handshakeInterval"
  | "heartbeatInterval"
  | "heartbeatTimeout"
  | "heartbeatTimeToLive"
  | "sendTimeout"
  | "receiveTimeout"
  | "maxConnections";

/** Each numeric option's least value (and times' most), as libzmq checks them. */
const _RANGES: Record<NumericOption, [number, number]> = {
  sendHighWaterMark: [0, 2 ** 31 - 1],
  receiveHighWaterMark: [0, 2 ** 31 - 1],
  linger: [-1, _MAX_MS],
  reconnectInterval: [-1, _MAX_MS],
  reconnectIntervalMax: [0, _MAX_MS],
  connectTimeout: [0, _MAX_MS],
  // Any negative value: no limit, as libzmq's int64.
  maxMessageSize: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  handshakeInterval: [0, _MAX_MS],
  heartbeatInterval: [0, _MAX_MS],
  heartbeatTimeout: [-1, _MAX_MS],
  // libzmq keeps it in deciseconds from 0 to 65535, dividing first.
  heartbeatTimeToLive: [-99, 6_553_599],
  sendTimeout: [-1, _MAX_MS],
  receiveTimeout: [-1, _MAX_MS],
  maxConnections: [-1, Number.MAX_SAFE_INTEGER],
};

/**
 * The value to keep for a numeric option, as libzmq's setsockopt takes it:
 * a fraction is cut to its integer, as zeromq.js does; a TTL to whole
 * deciseconds, as libzmq keeps it (any negative maximum size is no limit,
 * kept as given).
 *
 * @throws {ZmqError} `EINVAL` for what libzmq refuses: not a finite number,
 * or out of the option's range.
 */
export function checkOption(name: NumericOption, given: unknown): number {
  const [least, most] = _RANGES[name];
  // (+ 0: a negative fraction is cut to 0, not -0.)
  const value = typeof given === "number" ? Math.trunc(given) + 0 : Number.NaN;
  if (!Number.isFinite(value) || value < least || value > most) {
    throw new ZmqError(
      "EINVAL",
      `${name} is a number from ${least} to ${most}, not ${String(given)}`,
    );
  }
  return name === "heartbeatTimeToLive"
    ? Math.trunc(value / 100) * 100 || 0
    : value;
}

/**
 * Sets `immediate`, `probeRouter` or `zapEnforceDomain`, checked as at
 * construction: a boolean, and `probeRouter` only on the types that probe.
 *
 * @throws {ZmqError} `EINVAL` otherwise, the option unchanged.
 */
export function setFlag(
  options: ResolvedOptions,
  name: "immediate" | "probeRouter" | "zapEnforceDomain",
  value: unknown,
  type: SocketType,
): void {
  const flag = checkSwitch(name, value);
  if (name === "probeRouter" && flag) _checkProbing(type);
  options[name] = flag;
}

function _checkProbing(type: SocketType): void {
  if (!_PROBING.includes(type)) {
    throw new ZmqError("EINVAL", `a ${type} socket cannot probe a router`);
  }
}

/** Sets a numeric option, checked as {@linkcode checkOption} checks it. */
export function setOption(
  options: ResolvedOptions,
  name: Exclude<NumericOption, "sendHighWaterMark" | "receiveHighWaterMark">,
  value: unknown,
): void {
  options[name] = checkOption(name, value);
}

/**
 * A routing id as libzmq's setsockopt takes it.
 *
 * @throws {ZmqError} `EINVAL` unless bytes, 1 to 255 of them (or none set).
 */
export function checkRoutingId(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  // Bytes or a string (zeromq.js's property takes one too), copied as
  // libzmq's setsockopt copies: the caller's buffer may change after.
  const given = new Uint8Array(asBytes(value, "the routingId"));
  if (given.length === 0 || given.length > 255) {
    throw new ZmqError("EINVAL", "a routingId is 1 to 255 bytes");
  }
  return given;
}

/**
 * A ZAP domain, at most 255 bytes as libzmq's setsockopt takes it.
 *
 * @throws {ZmqError} `EINVAL` for a longer one, or one not a string.
 */
export function checkZapDomain(value: unknown): string {
  if (
    typeof value !== "string" || asBytes(value, "the zapDomain").length > 255
  ) {
    throw new ZmqError(
      "EINVAL",
      "a zapDomain is a string of at most 255 bytes",
    );
  }
  return value;
}

function _checkRanges(resolved: ResolvedOptions): void {
  for (const name of Object.keys(_RANGES) as NumericOption[]) {
    resolved[name] = checkOption(name, resolved[name]);
  }
  resolved.routingId = checkRoutingId(resolved.routingId);
}

/**
 * The multicast options, at libzmq's defaults.
 *
 * @throws {ZmqError} `EINVAL` for a value out of range.
 */
export function resolveMulticast(options: SocketOptions): MulticastOptions {
  const multicast = {
    rate: _or(options.rate, MULTICAST_DEFAULTS.rate),
    recoveryInterval: _or(
      options.recoveryInterval,
      MULTICAST_DEFAULTS.recoveryInterval,
    ),
    hops: _or(options.multicastHops, MULTICAST_DEFAULTS.hops),
    loop: _or(options.multicastLoop, MULTICAST_DEFAULTS.loop),
    maxTpdu: _or(options.multicastMaxTpdu, MULTICAST_DEFAULTS.maxTpdu),
  };
  checkMulticast(multicast);
  return multicast;
}

/** The TLS settings for `wss://`. */
export function resolveTls(options: SocketOptions): TlsOptions {
  return {
    certificate: options.tlsCertificate,
    key: options.tlsKey,
    caCertificates: options.tlsCaCertificates,
  };
}

/**
 * Our own handshake properties, checked as libzmq's ZMQ_METADATA.
 *
 * @throws {ZmqError} `EINVAL` for a name not starting with `X-` or over
 * 255 bytes, or an empty value.
 */
function resolveMetadata(
  options: SocketOptions,
): Readonly<Record<string, string>> {
  const given: unknown = options.metadata;
  const plain = typeof given === "object" && given !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(given));
  if (given !== undefined && !plain) {
    throw new ZmqError(
      "EINVAL",
      `metadata is an object of X- names to strings, not ${String(given)}`,
    );
  }
  const metadata = { ...options.metadata };
  for (const [name, value] of Object.entries(metadata)) {
    if (
      !name.startsWith("X-") || new TextEncoder().encode(name).length > 255 ||
      typeof value !== "string" || value.length === 0
    ) {
      throw new ZmqError(
        "EINVAL",
        `metadata "${name}": a name starts with X- (255 bytes at most), and a value is a string not empty, as libzmq's ZMQ_METADATA`,
      );
    }
  }
  return Object.freeze(metadata);
}

/**
 * The origins whose pages a socket's ws binds serve, serialized as
 * browsers send them in `Origin` (lower case, no default port, no path).
 *
 * @throws {ZmqError} `EINVAL` for a list that is not an array, or an entry
 * that is not an origin (`https://app.example`, `http://host:8080`,
 * `chrome-extension://id`; not `null`, which a page of any site may send).
 */
export function resolveOrigins(
  options: SocketOptions,
): readonly string[] | undefined {
  const origins: unknown = options.wsOrigins;
  if (origins === undefined) return undefined;
  if (!Array.isArray(origins)) {
    throw new ZmqError(
      "EINVAL",
      `wsOrigins is an array of origins, such as ["https://app.example"], not ${
        String(origins)
      }`,
    );
  }
  return Object.freeze(origins.map(_origin));
}

function _origin(origin: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof origin === "string" ? new URL(origin) : undefined;
  } catch {
    url = undefined;
  }
  // An app's own scheme (chrome-extension://id, tauri://localhost) has an
  // origin browsers send as scheme://host, which URL calls "null".
  const serialized = url?.origin !== "null"
    ? url?.origin
    : url.host && `${url.protocol}//${url.host}`.toLowerCase();
  // A path, a query or credentials would never match an Origin header:
  // said now, not as pages refused for no reason they could see. "null",
  // which a page of any site sends from a sandboxed frame, would let in
  // every site.
  if (
    !url || !serialized || (url.pathname !== "/" && url.pathname !== "") ||
    url.search || url.hash || url.username || url.password
  ) {
    throw new ZmqError(
      "EINVAL",
      `wsOrigins: ${
        JSON.stringify(origin)
      } is not an origin; write scheme://host or scheme://host:port, such as https://app.example (pages of any site can say "null": leave wsOrigins out to let every page in)`,
    );
  }
  return serialized;
}

/**
 * The options a socket keeps as made, as its read-only properties'
 * descriptors.
 *
 * @throws {ZmqError} `EINVAL` for malformed metadata or origins.
 */
export function readOnlyOptions(
  resolved: ResolvedOptions,
  options: SocketOptions,
): PropertyDescriptorMap {
  return {
    conflate: { value: resolved.conflate },
    metadata: { value: resolveMetadata(options) },
    wsOrigins: { value: resolveOrigins(options) },
    ipv6: { value: checkFlag("ipv6", options.ipv6) },
  };
}

/**
 * The routing id a ROUTER or a STREAM gives the peer of a `connect`.
 *
 * @throws {ZmqError} `EINVAL` on any other socket type, or when empty.
 */
export function connectRoutingId(
  type: SocketType,
  options: ConnectOptions,
): Uint8Array | undefined {
  if (options.routingId === undefined) return undefined;
  if (type !== "ROUTER" && type !== "STREAM") {
    throw new ZmqError(
      "EINVAL",
      `only a ROUTER or a STREAM names its peers; a ${type} socket cannot connect with a routingId`,
    );
  }
  // Copied, as libzmq's setsockopt copies: the caller's buffer may change.
  const routingId = new Uint8Array(asBytes(options.routingId, "the routingId"));
  if (routingId.length === 0) {
    throw new ZmqError("EINVAL", "a routingId cannot be empty");
  }
  return routingId;
}
