/**
 * The flags every socket command takes, and the socket options they make.
 *
 * @module
 */

import { codec, type SocketOptions } from "../mod.ts";
import type { FlagSpec, ParsedFlags } from "./_args.ts";
import { CliError } from "./_errors.ts";
import { checkServerKey, readKey } from "./_keys.ts";
import type { SocketKind, TypeFlag } from "./_sockets.ts";
import { resolveOrigins } from "../patterns/_resolve_options.ts";

/** The longest a timer waits (setTimeout's limit: 2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The flags of some types only (see {@linkcode SocketKind.flags}). */
export const TYPE_FLAGS: Readonly<Record<TypeFlag, FlagSpec>> = {
  subscribe: {
    name: "subscribe",
    kind: "list",
    value: "PREFIX",
    help:
      "receive the messages starting with PREFIX (repeatable; SUB default: all)",
  },
  join: {
    name: "join",
    kind: "list",
    value: "GROUP",
    help: "receive the messages of GROUP (repeatable; at least one)",
  },
  group: {
    name: "group",
    kind: "string",
    value: "GROUP",
    help: "send every message to GROUP (else each line starts with its group)",
  },
  echo: {
    name: "echo",
    kind: "boolean",
    help: "send every message received back to its sender (stdin unused)",
  },
};

/** The flags every socket command takes. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  {
    name: "bind",
    short: "b",
    kind: "list",
    value: "EP",
    help:
      "bind an endpoint: tcp://*:5555, ipc:///tmp/feed, ws://*:8080/zmq, udp://… (repeatable)",
  },
  {
    name: "connect",
    short: "c",
    kind: "list",
    value: "EP",
    help: "connect to an endpoint: tcp://localhost:5555… (repeatable)",
  },
  {
    name: "format",
    short: "f",
    kind: "string",
    value: "FORMAT",
    help:
      "how messages look on stdin and stdout: text (default), jsonl, msgpack, hex, raw",
  },
  {
    name: "count",
    short: "n",
    kind: "integer",
    value: "COUNT",
    min: 0,
    help:
      "stop after COUNT messages received (sent, for a type that only sends)",
  },
  {
    name: "timeout",
    short: "t",
    kind: "integer",
    value: "MS",
    min: 0,
    max: MAX_TIMER_MS,
    help: "give up (exit 124) when a send or a receive waits over MS ms",
  },
  {
    name: "delay",
    kind: "integer",
    value: "MS",
    min: 0,
    max: MAX_TIMER_MS,
    help: "wait MS ms after binding and connecting, for subscribers to join",
  },
  {
    name: "identity",
    kind: "string",
    value: "ID",
    help: "the routing id a ROUTER peer knows this socket by",
  },
  {
    name: "linger",
    kind: "integer",
    value: "MS",
    min: -1,
    max: MAX_TIMER_MS,
    help:
      "how long to wait at the end for queued messages to go; -1 (default): as long as it takes, or --timeout",
  },
  {
    name: "hwm",
    kind: "integer",
    value: "COUNT",
    min: 0,
    max: 2 ** 31 - 1,
    help:
      "messages queued per peer, each way, before sending waits or drops (default 1000; 0: no limit)",
  },
  {
    name: "curve-server",
    kind: "boolean",
    help: "be a CURVE server; needs --curve-secret-key",
  },
  {
    name: "curve-server-key",
    kind: "string",
    value: "KEY",
    help: "be a CURVE client of the server with this public key",
  },
  {
    name: "curve-secret-key",
    kind: "string",
    value: "KEY",
    help: "our CURVE secret key (a client without one makes a key pair)",
  },
  {
    name: "curve-public-key",
    kind: "string",
    value: "KEY",
    help:
      "our CURVE public key: needs --curve-secret-key, and must match it (default: derived from it)",
  },
  {
    name: "plain-server",
    kind: "boolean",
    help:
      "be a PLAIN server that lets in the --plain-username with its --plain-password",
  },
  {
    name: "plain-username",
    kind: "string",
    value: "NAME",
    help: "a PLAIN client's username (or the server's one user)",
  },
  {
    name: "plain-password",
    kind: "string",
    value: "PASSWORD",
    help: "a PLAIN client's password (or the server's one user's)",
  },
  {
    name: "ws-origin",
    kind: "list",
    value: "ORIGIN",
    help:
      "let web pages of ORIGIN (https://app.example) connect to a ws:// bind, and no other site's (repeatable; default: any page)",
  },
  {
    name: "monitor",
    kind: "boolean",
    help: "print the socket's events on stderr (connected, handshakes…)",
  },
  {
    name: "stats",
    kind: "boolean",
    help: "print messages and bytes per second on stderr, every second",
  },
  { name: "help", short: "h", kind: "boolean", help: "print this help" },
];

/**
 * Checks that a command names its endpoints (and a DISH its groups), and
 * takes no argument besides its flags.
 *
 * @throws {CliError} Naming what is missing.
 */
export function checkEndpoints(
  kind: SocketKind,
  flags: ParsedFlags,
  command: string,
): void {
  if (flags.positionals.length > 0) {
    throw new CliError(
      `${command} takes no argument "${
        flags.positionals[0]
      }": endpoints follow --bind or --connect`,
    );
  }
  if (flags.list("bind").length + flags.list("connect").length === 0) {
    throw new CliError(
      `${command} needs an endpoint: --bind EP or --connect EP (see ${command} --help)`,
    );
  }
  if (kind.flags.includes("join") && flags.list("join").length === 0) {
    throw new CliError(
      "a DISH receives only the groups it joins: give --join GROUP",
    );
  }
}

/**
 * The socket options the flags ask for; keys are Z85 text or `@file`.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./_args.ts";
 * import { COMMON_FLAGS, socketOptions } from "./_options.ts";
 *
 * const flags = parseFlags(["--hwm", "10", "--timeout", "500"], COMMON_FLAGS, "zmq push");
 * const options = await socketOptions(flags);
 * console.log(options.sendHighWaterMark, options.linger); // 10 500
 * ```
 *
 * @param flags The flags read.
 * @returns The options.
 * @throws {CliError} For keys that cannot be read, or flags that do not go
 * together.
 */
export async function socketOptions(
  flags: ParsedFlags,
): Promise<SocketOptions> {
  const timeout = flags.integer("timeout");
  const hwm = flags.integer("hwm");
  const options: SocketOptions = {
    // Deliver what stdin gave before exiting, as libzmq does, unless the
    // user put a bound on waiting.
    linger: flags.integer("linger") ?? timeout ?? -1,
    sendTimeout: timeout ?? -1,
    receiveTimeout: timeout ?? -1,
  };
  if (hwm !== undefined) {
    options.sendHighWaterMark = hwm;
    options.receiveHighWaterMark = hwm;
  }
  const identity = flags.string("identity");
  if (identity !== undefined) {
    const bytes = new TextEncoder().encode(identity).length;
    if (bytes < 1 || bytes > 255) {
      throw new CliError(
        `--identity: a routing id is 1 to 255 bytes, not ${bytes}`,
      );
    }
    options.routingId = identity;
  }
  const origins = flags.list("ws-origin");
  if (origins.length > 0) {
    try {
      resolveOrigins({ wsOrigins: origins });
    } catch (error) {
      throw new CliError(
        `--ws-origin: ${(error as Error).message.replace(/^wsOrigins: /, "")}`,
      );
    }
    options.wsOrigins = origins;
  }
  _checkGroup(flags.string("group"));
  await _curve(flags, options);
  _plain(flags, options);
  return options;
}

async function _curve(
  flags: ParsedFlags,
  options: SocketOptions,
): Promise<void> {
  const key = (name: string, role: "public" | "secret") => {
    const value = flags.string(name);
    return value === undefined ? undefined : readKey(value, role, `--${name}`);
  };
  const secret = await key("curve-secret-key", "secret");
  const ownPublic = await key("curve-public-key", "public");
  const serverKey = await key("curve-server-key", "public");
  if (flags.boolean("curve-server")) {
    if (secret === undefined) {
      throw new CliError(
        "--curve-server needs --curve-secret-key (zmq keygen makes a key pair)",
      );
    }
    if (serverKey !== undefined) {
      throw new CliError(
        "--curve-server and --curve-server-key do not go together: a server has no server key",
      );
    }
    options.curveServer = true;
  } else if (serverKey !== undefined) {
    checkServerKey(serverKey, "--curve-server-key");
    options.curveServerKey = serverKey;
  } else if (secret !== undefined || ownPublic !== undefined) {
    throw new CliError(
      "CURVE keys need --curve-server (to be a server) or --curve-server-key (to be a client)",
    );
  }
  _checkOwnPublic(ownPublic, secret);
  if (secret !== undefined) options.curveSecretKey = secret;
  if (ownPublic !== undefined) options.curvePublicKey = ownPublic;
}

/**
 * Our public key only names the secret one: alone, a client would make a
 * key pair of its own and drop it unsaid; with the wrong secret, every
 * handshake would fail with no word of why.
 */
function _checkOwnPublic(
  ownPublic: string | undefined,
  secret: string | undefined,
): void {
  if (ownPublic === undefined) return;
  if (secret === undefined) {
    throw new CliError(
      "--curve-public-key needs --curve-secret-key, whose public key it is (or leave both out: a client makes a key pair)",
    );
  }
  if (codec.curvePublicKey(secret) !== ownPublic) {
    throw new CliError(
      "--curve-public-key is not the public key of --curve-secret-key (leave it out: it is derived from the secret key)",
    );
  }
}

function _plain(flags: ParsedFlags, options: SocketOptions): void {
  const username = flags.string("plain-username");
  const password = flags.string("plain-password");
  const plain = flags.boolean("plain-server") || username !== undefined ||
    password !== undefined;
  if (plain && (options.curveServer || options.curveServerKey)) {
    // A socket has one mechanism: the other's flags would be ignored, or
    // (a PLAIN check on CURVE clients) refuse everyone.
    throw new CliError(
      "PLAIN and CURVE flags do not go together: a socket speaks one mechanism",
    );
  }
  if (flags.boolean("plain-server")) {
    if (username === undefined || password === undefined) {
      throw new CliError(
        "--plain-server needs --plain-username and --plain-password: the one user it lets in",
      );
    }
    options.plainServer = true;
    options.authenticate = (request) =>
      request.username === username && request.password === password
        ? { allow: true, userId: username }
        : { allow: false, reason: "unknown username or wrong password" };
    return;
  }
  if (password !== undefined && username === undefined) {
    throw new CliError("--plain-password needs --plain-username");
  }
  if (username !== undefined) {
    options.plainUsername = username;
    options.plainPassword = password ?? "";
  }
}

/** A --group is checked at once, not blamed on the first message sent. */
function _checkGroup(group: string | undefined): void {
  if (group === undefined) return;
  const bytes = new TextEncoder().encode(group);
  if (bytes.length > codec.MAX_GROUP_BYTES) {
    throw new CliError(
      `--group: a group is at most ${codec.MAX_GROUP_BYTES} bytes, not ${bytes.length}`,
    );
  }
  if (bytes.includes(0)) {
    throw new CliError("--group: a group cannot hold a NUL byte");
  }
}
