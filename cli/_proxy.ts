/**
 * `zmq proxy FRONT BACK`: forwards messages between two sockets, as
 * `zmq_proxy` does, until Ctrl-C (or TERMINATE on its `--control` socket,
 * as `zmq_proxy_steerable`'s).
 *
 * @module
 */

import { proxy, type Socket, type SocketOptions, Subscriber } from "../mod.ts";
import { type FlagSpec, parseFlags } from "./_args.ts";
import { CliError, EXIT_OK } from "./_errors.ts";
import { proxyHelp } from "./_help.ts";
import { watchEvents } from "./_monitor.ts";
import { Output } from "./_output.ts";
import type { Io } from "./_run.ts";
import { SOCKET_KINDS, type SocketKind } from "./_sockets.ts";
import { onEndingSignals, signalStatus } from "./_signals.ts";

const _FLAGS: readonly FlagSpec[] = [
  { name: "capture", kind: "string", value: "SOCKET", help: "" },
  { name: "control", kind: "string", value: "SOCKET", help: "" },
  {
    name: "hwm",
    kind: "integer",
    value: "COUNT",
    min: 0,
    max: 2 ** 31 - 1,
    help: "",
  },
  { name: "monitor", kind: "boolean", help: "" },
  { name: "help", short: "h", kind: "boolean", help: "" },
];

/** A socket as `zmq proxy` is given it: a type, where to bind and connect. */
export interface SocketSpec {
  /** The socket type. */
  kind: SocketKind;
  /** Endpoints to bind. */
  binds: string[];
  /** Endpoints to connect to. */
  connects: string[];
}

/**
 * Reads a socket as czmq writes it: `TYPE@EP` binds, `TYPE>EP` connects,
 * more endpoints after commas, each with its own `@` or `>`.
 *
 * @example
 * ```ts
 * import { parseSocketSpec } from "./_proxy.ts";
 *
 * const spec = parseSocketSpec("xsub>tcp://localhost:5556,@ipc:///tmp/feed", "FRONT");
 * console.log(spec.kind.name, spec.connects, spec.binds);
 * // "xsub" ["tcp://localhost:5556"] ["ipc:///tmp/feed"]
 * ```
 *
 * @param text The argument.
 * @param what Which argument it is, for the messages.
 * @returns The type and endpoints.
 * @throws {CliError} For an unknown type or an endpoint without `@`/`>`.
 */
export function parseSocketSpec(text: string, what: string): SocketSpec {
  const match = /^([a-z]+)([@>].*)$/.exec(text);
  if (!match) {
    throw new CliError(
      `${what} "${text}" is not TYPE@EP (bind) or TYPE>EP (connect), such as router@tcp://*:5559`,
    );
  }
  const kind = SOCKET_KINDS.get(match[1]);
  if (!kind) {
    throw new CliError(`${what}: "${match[1]}" is no socket type`);
  }
  const spec: SocketSpec = { kind, binds: [], connects: [] };
  for (const part of match[2].split(",")) {
    const endpoint = part.slice(1);
    if (part[0] === "@") spec.binds.push(endpoint);
    else if (part[0] === ">") spec.connects.push(endpoint);
    else {
      throw new CliError(
        `${what}: "${part}" needs @ (bind) or > (connect) before the endpoint`,
      );
    }
  }
  return spec;
}

/** The control sockets proxy() takes (see ProxyOptions.control). */
const _CONTROLS = new Set(["rep", "pair", "sub", "pull", "dealer"]);

/** The types whose messages are single frames: no proxy can carry multipart. */
const _SINGLE_FRAME = new Set([
  "server",
  "client",
  "radio",
  "dish",
  "scatter",
  "gather",
  "peer",
  "channel",
  "dgram",
]);

/**
 * Refuses, before any socket is made, a FRONT that cannot receive, a BACK
 * or a capture socket that cannot send, single-frame types, which would
 * fail at the first message (and lose it), and REQ and REP, which would
 * fail at the second: a proxy does not alternate sending and receiving.
 */
function _checkDirections(specs: ReadonlyMap<string, SocketSpec>): void {
  const what = { front: "FRONT", back: "BACK", capture: "--capture" };
  for (const [name, { kind }] of specs) {
    if (name === "control") {
      if (_CONTROLS.has(kind.name)) continue;
      throw new CliError(
        `--control: a proxy takes each command as a message of one frame, on a REP, PAIR, SUB, PULL or DEALER socket, not a ${kind.name.toUpperCase()}`,
      );
    }
    const label = what[name as keyof typeof what];
    if (_SINGLE_FRAME.has(kind.name)) {
      throw new CliError(
        `${label}: a ${kind.name.toUpperCase()} socket carries single frames; a proxy forwards multipart messages`,
      );
    }
    if (kind.role === "request" || kind.role === "reply") {
      const instead = name === "capture"
        ? "pub, push or pair"
        : kind.role === "request"
        ? "dealer"
        : "router";
      throw new CliError(
        `${label}: a ${kind.name.toUpperCase()} socket must alternate sending and receiving, which a proxy does not do (use ${instead})`,
      );
    }
    const needs = name === "front" ? "receive" : "send";
    const other = needs === "receive" ? "send" : "receive";
    if (kind.role === other) {
      throw new CliError(
        `${label}: a ${kind.name.toUpperCase()} socket cannot ${needs}${
          name === "capture" ? " (use pub, push or pair)" : ""
        }`,
      );
    }
  }
}

/**
 * Runs `zmq proxy` with its arguments.
 *
 * @example
 * ```ts ignore
 * import { runProxy } from "./_proxy.ts";
 *
 * await runProxy(["router@tcp://*:5559", "dealer@tcp://*:5560"], {
 *   stdin: Deno.stdin.readable,
 *   stdout: Deno.stdout,
 *   warn: (line) => console.error(line),
 * });
 * ```
 *
 * @param args The arguments after `proxy`.
 * @param io The standard streams.
 * @returns The exit code, once interrupted or terminated.
 * @throws {CliError} For bad arguments; `ZmqError` from the sockets.
 */
export async function runProxy(
  args: readonly string[],
  io: Io,
): Promise<number> {
  const flags = parseFlags(args, _FLAGS, "zmq proxy");
  if (flags.boolean("help")) {
    const output = new Output(io.stdout);
    await output.write(new TextEncoder().encode(proxyHelp()));
    await output.end();
    return EXIT_OK;
  }
  if (flags.positionals.length !== 2) {
    throw new CliError(
      "zmq proxy takes two sockets, FRONT and BACK, such as router@tcp://*:5559 dealer@tcp://*:5560",
    );
  }
  const specs = new Map([
    ["front", parseSocketSpec(flags.positionals[0], "FRONT")],
    ["back", parseSocketSpec(flags.positionals[1], "BACK")],
  ]);
  for (const name of ["capture", "control"]) {
    const text = flags.string(name);
    if (text !== undefined) specs.set(name, parseSocketSpec(text, `--${name}`));
  }
  _checkDirections(specs);
  const hwm = flags.integer("hwm");
  const options: SocketOptions = { linger: 0 };
  if (hwm !== undefined) {
    options.sendHighWaterMark = options.receiveHighWaterMark = hwm;
  }
  const stop = new AbortController();
  const sockets = new Map<string, Socket>();
  const watching: Promise<void>[] = [];
  // Ended by a signal: the shell's status for it.
  const stopListening = onEndingSignals((signal) =>
    stop.abort(signalStatus(signal))
  );
  try {
    for (const [name, spec] of specs) {
      const socket = spec.kind.make(options);
      sockets.set(name, socket);
      watching.push(watchEvents(socket, {
        print: flags.boolean("monitor"),
        connects: new Set(spec.connects),
        warn: (line) => io.warn(line.replace("monitor:", `monitor ${name}:`)),
        onFatal: (error) => stop.abort(error),
      }));
      if (socket instanceof Subscriber && socket.type === "SUB") {
        socket.subscribe();
      }
      for (const endpoint of spec.binds) await socket.bind(endpoint);
      for (const endpoint of spec.connects) socket.connect(endpoint);
    }
    await proxy(sockets.get("front")!, sockets.get("back")!, {
      capture: sockets.get("capture"),
      control: sockets.get("control"),
      signal: stop.signal,
    });
    const reason = stop.signal.reason;
    if (reason instanceof CliError) throw reason;
    return typeof reason === "number" ? reason : EXIT_OK;
  } finally {
    stopListening();
    await Promise.all([...sockets.values()].map((socket) => socket.close()));
    await Promise.all(watching);
  }
}
