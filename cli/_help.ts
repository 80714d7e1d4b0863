/**
 * The help of the `zmq` command and of each of its subcommands, with
 * examples.
 *
 * @module
 */

import { version } from "../mod.ts";
import { formatFlags, wrapText } from "./_args.ts";
import { FORMATS } from "./_formats.ts";
import { COMMON_FLAGS, TYPE_FLAGS } from "./_options.ts";
import { type Role, SOCKET_KINDS, type SocketKind } from "./_sockets.ts";

const _FORMAT_HELP: Record<string, string> = {
  text: "a message per line, its frames separated by tabs (the default)",
  jsonl:
    '{"frames":["hello","world"]} per line; a frame not UTF-8 is {"base64":"…"}',
  msgpack: "a MessagePack map per message, {frames: [bin…]}, back to back",
  hex: "as text, each frame in hexadecimal, for binary data",
  raw:
    "the bytes alone: stdin whole is one message; frames are written as they are",
};

const _ROLE_HELP: Record<Role, string> = {
  send:
    "Sends each message of stdin; exits once stdin ends and all is sent (within --linger).",
  receive:
    "Prints each message received on stdout; runs until -n COUNT, --timeout or Ctrl-C.",
  both:
    "Sends the messages of stdin and prints those received, both at once; runs until stdin has ended and -n COUNT messages came in, or --timeout, or Ctrl-C.",
  request:
    "Sends each message of stdin as a request and prints the reply; exits at the end of stdin.",
  reply:
    "Prints each request and replies with the next message of stdin (with the request itself under --echo); once stdin has ended, takes no request it could not answer, and exits.",
};

/**
 * The help of `zmq` itself.
 *
 * @example
 * ```ts
 * import { mainHelp } from "./_help.ts";
 *
 * console.log(mainHelp().includes("zmq keygen")); // true
 * ```
 *
 * @returns The text.
 */
export function mainHelp(): string {
  const kinds = [...SOCKET_KINDS.values()];
  const width = Math.max(...kinds.map((kind) => kind.name.length));
  return `zmq: ZeroMQ from the command line (@zmtp/zmq ${version}, ZMTP 3.1)

Usage:
  zmq TYPE (--bind EP | --connect EP)... [options]  a socket between stdin and stdout
  zmq proxy FRONT BACK [options]                    forwards messages between two sockets
  zmq keygen                                        prints a new CURVE key pair (Z85)
  zmq version                                       prints the version
  zmq TYPE --help                                   the options and examples of each

Socket types:
${
    kinds.map((kind) => `  ${kind.name.padEnd(width)}  ${kind.summary}`).join(
      "\n",
    )
  }

Formats (--format), the same on stdin and stdout:
${
    [...FORMATS.keys()].map((name) =>
      `  ${name.padEnd(7)}  ${_FORMAT_HELP[name]}`
    ).join("\n")
  }
A SERVER's or PEER's message starts with the peer's routing id, a RADIO's or
a DISH's with its group: a field of its own in text and hex, "routingId" or
"group" in jsonl and msgpack.

Exit status: 0 done, 1 error (one line on stderr), 124 --timeout passed,
130 Ctrl-C, 143 SIGTERM (a second signal ends it at once).

Examples:
  zmq pull --bind tcp://*:5557
  echo hi | zmq push --connect tcp://localhost:5557
  zmq sub --connect tcp://localhost:5556 --subscribe "10001 "
  zmq req --connect tcp://localhost:5555 < requests.txt
  zmq rep --bind tcp://*:5555 --echo
`;
}

/**
 * The help of `zmq TYPE`.
 *
 * @example
 * ```ts
 * import { socketHelp } from "./_help.ts";
 * import { SOCKET_KINDS } from "./_sockets.ts";
 *
 * console.log(socketHelp(SOCKET_KINDS.get("pull")!).startsWith("zmq pull:")); // true
 * ```
 *
 * @param kind The socket type.
 * @returns The text.
 */
export function socketHelp(kind: SocketKind): string {
  const flags = [
    ...kind.flags.map((flag) => TYPE_FLAGS[flag]),
    ...COMMON_FLAGS,
  ];
  const leading = kind.leading === "routingId"
    ? '\nEach message, on stdin as on stdout, starts with the peer\'s routing id: a\nfirst field in text and hex, "routingId" in jsonl and msgpack.\n'
    : kind.leading === "group"
    ? '\nWithout --group, each message of stdin starts with its group: a first field\nin text and hex, "group" in jsonl and msgpack.\n'
    : kind.name === "dish"
    ? '\nEach message printed starts with its group: a first field in text and hex,\n"group" in jsonl and msgpack.\n'
    : "";
  return `${wrapText(`zmq ${kind.name}: ${kind.summary}.`, 78).join("\n")}

Usage: zmq ${kind.name} (--bind EP | --connect EP)... [options]
Peers: ${kind.peers}

${wrapText(_ROLE_HELP[kind.role], 78).join("\n")}
${leading}
Options:
${formatFlags(flags)}

Keys (--curve-*) are 40 Z85 characters, or @FILE: a file holding one, or the
key pair zmq keygen printed. @FILE reads FILE whenever it exists; a public key
starting with @ is taken as written only when no such file exists, a secret
key never (give it in a file). --curve-public-key needs --curve-secret-key,
and must be its public key. Exit status: 0 done, 1 error, 124 --timeout,
130 Ctrl-C, 143 SIGTERM.

Examples:
${kind.examples.map((example) => `  ${example}`).join("\n")}
`;
}

/**
 * The help of `zmq proxy`.
 *
 * @example
 * ```ts
 * import { proxyHelp } from "./_help.ts";
 *
 * console.log(proxyHelp().startsWith("zmq proxy:")); // true
 * ```
 *
 * @returns The text.
 */
export function proxyHelp(): string {
  return `zmq proxy: forwards messages from FRONT to BACK and, where both can, back.

Usage: zmq proxy FRONT BACK [--capture SOCKET] [--control SOCKET] [options]

FRONT, BACK and SOCKET are a socket type and its endpoints, as czmq writes
them: TYPE@EP binds, TYPE>EP connects (quote it: > redirects in a shell),
and more endpoints follow after commas: router@tcp://*:5559,@ipc:///tmp/front.
FRONT must receive and BACK send; single-frame types cannot be proxied, nor
REQ and REP, which must alternate (use dealer and router).
Runs until Ctrl-C (exit status 130; 143 on SIGTERM), or TERMINATE (status 0).

Options:
  --capture SOCKET  also send every message forwarded to this PUB, PUSH or PAIR
  --control SOCKET  a REP or PAIR (or SUB, PULL, DEALER) that takes PAUSE,
                    RESUME, TERMINATE and STATISTICS, as zmq_proxy_steerable's
  --hwm COUNT       messages queued per peer, each way (default 1000)
  --monitor         print each socket's events on stderr (front, back, capture,
                    control)
  -h, --help        print this help

Examples:
  zmq proxy router@tcp://*:5559 dealer@tcp://*:5560            # the guide's rrbroker
  zmq proxy 'xsub>tcp://localhost:5556' xpub@tcp://*:8100      # the guide's wuproxy
  zmq proxy pull@tcp://*:5557 push@tcp://*:5558 --capture pub@tcp://*:5570
  zmq proxy pull@tcp://*:5557 push@tcp://*:5558 --control rep@tcp://*:5571
  echo PAUSE | zmq req --connect tcp://localhost:5571          # pauses it
`;
}

/**
 * The help of `zmq keygen`.
 *
 * @example
 * ```ts
 * import { keygenHelp } from "./_help.ts";
 *
 * console.log(keygenHelp().startsWith("zmq keygen:")); // true
 * ```
 *
 * @returns The text.
 */
export function keygenHelp(): string {
  return `zmq keygen: prints a new CURVE key pair, in Z85, as a certificate file.

Usage: zmq keygen

The output is what czmq's certificates hold; --curve-secret-key @FILE and
--curve-public-key @FILE read it back, and --curve-server-key @FILE takes the
public key from it.

Examples:
  zmq keygen > server.cert
  grep -v secret-key server.cert > server.pub   # what clients are given
  zmq rep --bind tcp://*:5555 --echo --curve-server --curve-secret-key @server.cert
  zmq req --connect tcp://localhost:5555 --curve-server-key @server.pub < requests.txt
`;
}

/**
 * The help of `zmq version`.
 *
 * @example
 * ```ts
 * import { versionHelp } from "./_help.ts";
 *
 * console.log(versionHelp().startsWith("zmq version:")); // true
 * ```
 *
 * @returns The text.
 */
export function versionHelp(): string {
  return `zmq version: prints the version of @zmtp/zmq and of ZMTP it speaks.

Usage: zmq version

Example:
  zmq version
`;
}
