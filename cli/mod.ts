/**
 * `zmq`: ZeroMQ from the command line. A socket of any type between stdin
 * and stdout, a proxy, and CURVE keys.
 *
 * ```sh
 * deno run -A jsr:@zmtp/zmq/cli pull --bind tcp://*:5557
 * echo hi | deno run -A jsr:@zmtp/zmq/cli push --connect tcp://localhost:5557
 * deno install -g -A --unstable-net -n zmq jsr:@zmtp/zmq/cli   # then: zmq --help
 * ```
 *
 * @example Running it from a program
 * ```ts
 * import { main } from "@zmtp/zmq/cli";
 *
 * const code = await main(["version"]);
 * console.log(code); // 0, having printed "@zmtp/zmq 0.1.0 (ZMTP 3.1)"
 * ```
 *
 * @module
 */

import { run } from "./_commands.ts";
import { stderrWarn } from "./_stderr.ts";
import { granted } from "../transport/_permission.ts";

/**
 * Runs the `zmq` command on the process's standard streams.
 *
 * @example
 * ```ts
 * import { main } from "@zmtp/zmq/cli";
 *
 * await main(["keygen"]); // prints a CURVE key pair
 * ```
 *
 * @param args The arguments: `Deno.args` when run as a program.
 * @returns The exit code: 0 done, 1 error (after one line on stderr), 124
 * when a `--timeout` passed, 130 after Ctrl-C, 143 after SIGTERM.
 */
export function main(args: readonly string[]): Promise<number> {
  let stdinIsFile: boolean | undefined;
  return run(args, {
    // Taken only by a command that reads stdin.
    get stdin() {
      return Deno.stdin.readable;
    },
    stdout: Deno.stdout,
    warn: stderrWarn(Deno.stderr),
    // Looked at only by a command that answers from stdin, once.
    get stdinIsFile() {
      return stdinIsFile ??= _stdinIsFile();
    },
  });
}

// Not a top-level await: the module bundles as a classic script too.
if (import.meta.main) main(Deno.args).then((code) => Deno.exit(code));

/** Whether stdin is a file (`< replies.txt`), not a pipe or a terminal. */
function _stdinIsFile(): boolean {
  const path = "/dev/stdin";
  // Never a prompt: a program not allowed to look takes stdin for a pipe.
  if (!granted({ name: "read", path })) return false;
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false; // no such path here, or not allowed to look
  }
}
