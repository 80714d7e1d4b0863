/**
 * How the `zmq` command fails: one line on stderr and an exit code a script
 * can test.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";

/** The command did what it was asked. */
export const EXIT_OK = 0;
/** Something went wrong: a bad flag, a bad endpoint, a refused handshake… */
export const EXIT_ERROR = 1;
/** A `--timeout` passed, as coreutils' `timeout` reports it. */
export const EXIT_TIMEOUT = 124;

/**
 * A failure the user can act on: its message is printed as is, after
 * `zmq: `, and the process exits with its code.
 *
 * @example
 * ```ts
 * import { CliError, EXIT_TIMEOUT } from "./_errors.ts";
 *
 * const error = new CliError("no message within 100 ms", EXIT_TIMEOUT);
 * console.log(error.exitCode); // 124
 * ```
 */
export class CliError extends Error {
  /** The process's exit code. */
  readonly exitCode: number;

  /**
   * Makes an error.
   *
   * @param message One line: what went wrong, and what to do about it.
   * @param exitCode {@linkcode EXIT_ERROR} unless said otherwise.
   */
  constructor(message: string, exitCode: number = EXIT_ERROR) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/**
 * Turns anything thrown into the one line to print and the exit code:
 * a `ZmqError`'s message says what to do already; `EAGAIN` is a timeout.
 *
 * @example
 * ```ts
 * import { ZmqError } from "../mod.ts";
 * import { describeFailure } from "./_errors.ts";
 *
 * const { line, exitCode } = describeFailure(
 *   new ZmqError("EADDRINUSE", "tcp://127.0.0.1:5555 is in use"),
 * );
 * console.log(line, exitCode); // "zmq: tcp://127.0.0.1:5555 is in use" 1
 * ```
 *
 * @param error What was thrown.
 * @returns The line for stderr, and the exit code.
 */
export function describeFailure(
  error: unknown,
): { line: string; exitCode: number } {
  if (error instanceof CliError) {
    return { line: `zmq: ${error.message}`, exitCode: error.exitCode };
  }
  if (error instanceof ZmqError) {
    return {
      line: `zmq: ${oneLine(error.message)}`,
      exitCode: error.code === "EAGAIN" ? EXIT_TIMEOUT : EXIT_ERROR,
    };
  }
  // Not foreseen: the error's kind helps a bug report.
  // A plain Error (what Deno throws for ENOSPC) says enough by its message.
  const message = error instanceof Error
    ? error.name === "Error" && error.message
      ? error.message
      : `${error.name}: ${error.message}`
    : String(error);
  return { line: `zmq: ${oneLine(message)}`, exitCode: EXIT_ERROR };
}

/** The text on one line, so a script reading stderr gets one. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

/**
 * A socket timeout as the command line says it; other errors as they are.
 *
 * @example
 * ```ts ignore
 * throw timedOut(error, "no message arrived", 500);
 * ```
 */
export function timedOut(
  error: unknown,
  what: string,
  timeoutMs: number | undefined,
): unknown {
  if (error instanceof ZmqError && error.code === "EAGAIN") {
    return new CliError(
      `${what} within ${timeoutMs} ms (--timeout)`,
      EXIT_TIMEOUT,
    );
  }
  return error;
}

/**
 * "1 message was never sent", "3 messages were never sent".
 *
 * @example
 * ```ts ignore
 * neverSent(3); // "3 messages were never sent"
 * ```
 */
export function neverSent(dropped: number): string {
  return `${dropped} message${dropped === 1 ? " was" : "s were"} never sent`;
}
