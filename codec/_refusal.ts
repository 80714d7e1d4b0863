/**
 * How a security handshake says no, shared by the mechanisms, and how a
 * handshake reads the ERROR a peer may send (libzmq's PLAIN misspells it).
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import {
  type Command,
  encodeError,
  parseCommand,
  parseError,
} from "./command.ts";
import { FLAG_COMMAND } from "./frame.ts";
import { ProtocolError } from "./errors.ts";
import type { MechanismStep } from "./mechanism.ts";

/**
 * The ZAP status code an ERROR's reason is (300, 400 or 500), as libzmq's
 * mechanism_base_t::handle_error_reason reads one; `undefined` for any
 * other reason.
 */
export function zapStatus(reason: string): number | undefined {
  return /^[345]00$/.test(reason) ? Number(reason) : undefined;
}

/**
 * The error for a command a client did not expect: the server's ERROR
 * means it refused us; anything else breaks the protocol.
 */
export function unexpectedCommand(
  command: Command,
  mechanism: string,
  expected: string,
): ProtocolError {
  if (command.name === "ERROR") {
    const reason = parseError(command.data);
    return new ProtocolError(
      "auth",
      `the server refused us: ${reason}`,
      zapStatus(reason),
    );
  }
  return new ProtocolError(
    "protocol",
    `expected ${expected} in the ${mechanism} handshake, got ${command.name}`,
  );
}

/**
 * The step that refuses a peer after its verdict: ERROR with the status
 * code. A temporary failure (300, "try later") says nothing and ends
 * nothing, as libzmq's mechanisms then wait: the handshake's deadline
 * (handshakeInterval) ends it, so the client tries again that much later,
 * not every reconnect interval with a verdict asked each time; so does one
 * that says `stall`. One that says `hangUp` ends the connection without an
 * ERROR. `encode` writes the
 * ERROR (PLAIN's is libzmq's own: {@linkcode libzmqPlainError}).
 */
export function refusal(
  verdict: Verdict,
  who: string,
  encode: (reason: string) => Uint8Array = encodeError,
): MechanismStep {
  // A hang-up (no authenticator, a malformed ZAP reply) or a stall is no
  // ZAP status, as libzmq reports no code for it: nor does the message.
  const status = verdict.hangUp || verdict.stall
    ? undefined
    : verdict.statusCode;
  const why = [status, verdict.statusText].filter((part) => part).join(": ");
  const error = new ProtocolError(
    "auth",
    `the ${who} was refused${why ? ` (${why})` : ""}`,
    status,
  );
  if ((verdict.statusCode === 300 || verdict.stall) && !verdict.hangUp) {
    return { send: [], refused: error };
  }
  return {
    send: verdict.hangUp ? [] : [encode(String(verdict.statusCode))],
    error,
  };
}

/** "^RROR": libzmq's "\x05ERROR" as C reads it (see _handshake.ts). */
const LIBZMQ_PLAIN_ERROR_NAME: readonly number[] = [
  0x5e,
  0x52,
  0x52,
  0x4f,
  0x52,
];

/**
 * An ERROR as libzmq's PLAIN server writes it, the only one its PLAIN
 * client reads as a refusal: the name "^RROR" (no length byte), then the
 * status code with its length. A libzmq client (4.3 on) refused by ours
 * then reports an authentication failure with the code (its
 * ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, e.g. 400), not a protocol error; our
 * client reads this form and RFC 37's alike.
 *
 * @param statusCode The ZAP status code, 3 digits.
 * @returns The command's body.
 */
export function libzmqPlainError(statusCode: string): Uint8Array {
  const code = new TextEncoder().encode(statusCode);
  const body = new Uint8Array(
    LIBZMQ_PLAIN_ERROR_NAME.length + 1 + code.length,
  );
  body.set(LIBZMQ_PLAIN_ERROR_NAME);
  body[LIBZMQ_PLAIN_ERROR_NAME.length] = code.length;
  body.set(code, LIBZMQ_PLAIN_ERROR_NAME.length + 1);
  return body;
}

/**
 * libzmq 4.3's PLAIN server writes its ERROR name as the C string
 * "\x05ERROR", which C reads as "\x5E" "RROR": the length byte is lost
 * and the name is "^RROR". Read that as the ERROR it means.
 */
export function parseHandshakeCommand(body: Uint8Array): Command {
  if (
    body.length >= 6 &&
    LIBZMQ_PLAIN_ERROR_NAME.every((byte, i) => body[i] === byte)
  ) {
    return { name: "ERROR", data: body.subarray(5) };
  }
  return parseCommand(body);
}

const _ERROR_NAME = new TextEncoder().encode("\x05ERROR");

/** Whether a frame is an ERROR command (in RFC 37's form). */
export function isErrorCommand(flags: number, body: Uint8Array): boolean {
  return (flags & FLAG_COMMAND) !== 0 && body.length >= 6 &&
    _ERROR_NAME.every((byte, i) => body[i] === byte);
}
