/**
 * The option names each socket class takes, so that a name it does not
 * take is refused, as libzmq's setsockopt refuses an unknown option
 * (EINVAL) and zeromq.js's constructor throws for one: a misspelt option,
 * or another binding's name for it, would otherwise change nothing, in
 * silence (TypeScript catches it in an object literal, JavaScript not);
 * and the switches, which take only booleans.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketOptions } from "./options.ts";

const _BASE = [
  "context",
  "sendHighWaterMark",
  "receiveHighWaterMark",
  "linger",
  "reconnectInterval",
  "reconnectIntervalMax",
  "connectTimeout",
  "routingId",
  "metadata",
  "maxMessageSize",
  "handshakeInterval",
  "heartbeatInterval",
  "heartbeatTimeout",
  "heartbeatTimeToLive",
  "sendTimeout",
  "receiveTimeout",
  "immediate",
  "conflate",
  "probeRouter",
  "plainServer",
  "plainUsername",
  "plainPassword",
  "curveServer",
  "curvePublicKey",
  "curveSecretKey",
  "curveServerKey",
  "zapDomain",
  "zapEnforceDomain",
  "authenticate",
  "maxConnections",
  "tlsCertificate",
  "tlsKey",
  "tlsCaCertificates",
  "wsOrigins",
  "ipv6",
  "rate",
  "recoveryInterval",
  "multicastHops",
  "multicastLoop",
  "multicastMaxTpdu",
] as const satisfies readonly (keyof SocketOptions)[];

/** Fails to compile while a name of SocketOptions is missing above. */
const _everyName: Exclude<keyof SocketOptions, typeof _BASE[number]> extends
  never ? true : never = true;
void _everyName;

const _base: ReadonlySet<string> = new Set(_BASE);
/**
 * The options, of every type, that are switches: checked up front (a test
 * checks when compiled that every boolean option of a socket is here).
 */
export const SWITCHES = [
  "immediate",
  "conflate",
  "probeRouter",
  "plainServer",
  "curveServer",
  "multicastLoop",
  "ipv6",
  "zapEnforceDomain",
  "routerMandatory",
  "routerHandover",
  "invertMatching",
  "xpubNoDrop",
  "requestRelaxed",
  "requestCorrelate",
  "streamNotify",
  "xpubVerbose",
  "xpubVerboser",
  "xpubManual",
] as const;
const _extras = new WeakMap<object, readonly string[]>();

/**
 * Declares the options a socket class adds to the options type `P` its
 * parent takes (a class it extends adds its own), from its options type
 * `O`. Checked when compiled: a name `O` lacks fails, and so does a list
 * missing one of its own (which would refuse an option the class takes).
 *
 * @returns A function that takes the class and the names of its own options.
 */
export function defineOptionNames<O, P>(): <
  const N extends readonly Exclude<keyof O, keyof P>[],
>(
  socketClass: object,
  names:
    & N
    & ([Exclude<keyof O, keyof P | N[number]>] extends [never] ? unknown
      : "every option of the class must be listed"),
) => void {
  return (socketClass, names) =>
    void _extras.set(socketClass, names as readonly string[]);
}

/** Every option name a socket class takes: its own, and its ancestors'. */
export function optionNamesOf(socketClass: object): Set<string> {
  const names = new Set<string>(_BASE);
  for (
    let owner: object | null = socketClass;
    owner;
    owner = Object.getPrototypeOf(owner)
  ) {
    for (const name of _extras.get(owner) ?? []) names.add(name);
  }
  return names;
}

/**
 * zeromq.js's names for options that are named here as libzmq names them
 * (ZMQ_ROUTER_MANDATORY is `routerMandatory`): the refusal says which, as
 * a port from zeromq.js meets them first.
 */
const _ZEROMQ_JS_NAMES: ReadonlyMap<string, string> = new Map([
  ["reconnectMaxInterval", '"reconnectIntervalMax"'],
  ["mandatory", '"routerMandatory"'],
  ["handover", '"routerHandover"'],
  ["noDrop", '"xpubNoDrop"'],
  ["manual", '"xpubManual"'],
  ["welcomeMessage", '"xpubWelcomeMessage"'],
  ["verbosity", '"xpubVerbose" or "xpubVerboser"'],
  ["correlate", '"requestCorrelate"'],
  ["relaxed", '"requestRelaxed"'],
  ["notify", '"streamNotify"'],
  ["multicastMaxTransportDataUnit", '"multicastMaxTpdu"'],
]);

/**
 * Refuses an option name neither {@linkcode SocketOptions} nor the class
 * (or a class it extends) takes, and a switch that is not a boolean:
 * before the socket is made, so a refused one is nowhere.
 *
 * @param socketClass The class being made (`new.target`).
 * @param options The options given.
 * @throws {ZmqError} `EINVAL` naming the first unknown option or bad switch.
 */
export function checkOptionNames(socketClass: object, options: object): void {
  for (const name of Object.keys(options)) {
    if (_base.has(name)) continue;
    let known = false;
    for (
      let owner: object | null = socketClass;
      owner && !known;
      owner = Object.getPrototypeOf(owner)
    ) {
      known = _extras.get(owner)?.includes(name) ?? false;
    }
    if (!known) {
      const type = (socketClass as { name?: string }).name ?? "this socket";
      const ours = _ZEROMQ_JS_NAMES.get(name);
      throw new ZmqError(
        "EINVAL",
        `${type} takes no option "${name}"${
          ours ? ` (zeromq.js's name: here ${ours})` : ""
        }`,
      );
    }
  }
  // Read as the classes read them, inherited ones too.
  const given = options as Record<string, unknown>;
  for (const name of SWITCHES) checkFlag(name, given[name]);
}

/**
 * A boolean option as given, `false` unset: only `true` or `false`, as
 * zeromq.js takes (libzmq's an int), so a string such as "false" from a
 * configuration is refused rather than read as on.
 *
 * @throws {ZmqError} `EINVAL` for anything else.
 */
export function checkFlag(name: string, value: unknown): boolean {
  return value === undefined ? false : checkSwitch(name, value);
}

/**
 * A boolean option assigned to a socket: only `true` or `false`, not even
 * `undefined` (a setting read from nowhere), as zeromq.js's setters.
 *
 * @throws {ZmqError} `EINVAL` for anything else.
 */
export function checkSwitch(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new ZmqError("EINVAL", `${name} is true or false`);
  }
  return value;
}
