/**
 * The `zmq` command: which subcommand the first argument names, and the
 * one line and exit code that report a failure.
 *
 * @module
 */

import { version } from "../mod.ts";
import { CliError, describeFailure, EXIT_OK } from "./_errors.ts";
import {
  keygenHelp,
  mainHelp,
  proxyHelp,
  socketHelp,
  versionHelp,
} from "./_help.ts";
import { keygenText } from "./_keys.ts";
import { Output } from "./_output.ts";
import { runProxy } from "./_proxy.ts";
import { type Io, runSocket } from "./_run.ts";
import { SOCKET_KINDS } from "./_sockets.ts";

const _HELP = new Set(["help", "--help", "-h"]);

/**
 * Runs the `zmq` command with its arguments.
 *
 * @example
 * ```ts
 * import { run } from "./_commands.ts";
 *
 * const code = await run(["version"], {
 *   stdin: ReadableStream.from([]),
 *   stdout: { write: (bytes) => Promise.resolve(bytes.length) },
 *   warn: () => {},
 * });
 * console.log(code); // 0
 * ```
 *
 * @param args The arguments, as `Deno.args`.
 * @param io The standard streams.
 * @returns The exit code: 0 done, 1 error, 124 timeout.
 */
export async function run(args: readonly string[], io: Io): Promise<number> {
  try {
    return await _dispatch(args, io);
  } catch (error) {
    const { line, exitCode } = describeFailure(error);
    io.warn(line);
    return exitCode;
  }
}

async function _dispatch(args: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) {
    throw new CliError(
      "name a socket type (pull, push, req…) or a command (proxy, keygen, version); see zmq --help",
    );
  }
  if (_HELP.has(command)) return await _print(io, _helpOf(rest[0]));
  if (command === "version" || command === "--version") {
    if (_HELP.has(rest[0])) return await _print(io, versionHelp());
    _noArguments(command, rest);
    return await _print(io, `@zmtp/zmq ${version} (ZMTP 3.1)\n`);
  }
  if (command === "keygen") {
    if (_HELP.has(rest[0])) return await _print(io, keygenHelp());
    _noArguments(command, rest);
    return await _print(io, keygenText());
  }
  if (command === "proxy") return await runProxy(rest, io);
  const kind = SOCKET_KINDS.get(command);
  if (!kind) {
    throw new CliError(
      `"${command}" is no socket type or command; see zmq --help`,
    );
  }
  return await runSocket(kind, rest, io);
}

function _helpOf(topic: string | undefined): string {
  if (topic === undefined) return mainHelp();
  if (topic === "proxy") return proxyHelp();
  if (topic === "keygen") return keygenHelp();
  if (topic === "version") return versionHelp();
  const kind = SOCKET_KINDS.get(topic);
  if (!kind) {
    throw new CliError(
      `"${topic}" is no socket type or command; see zmq --help`,
    );
  }
  return socketHelp(kind);
}

function _noArguments(command: string, rest: readonly string[]): void {
  if (rest.length > 0) {
    throw new CliError(`zmq ${command} takes no argument "${rest[0]}"`);
  }
}

async function _print(io: Io, text: string): Promise<number> {
  const output = new Output(io.stdout);
  await output.write(new TextEncoder().encode(text));
  await output.end();
  return EXIT_OK;
}
