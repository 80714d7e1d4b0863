/**
 * How a security handshake says no, shared by the mechanisms.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import { type Command, encodeError, parseError } from "./command.ts";
import { ProtocolError } from "./errors.ts";
import type { MechanismStep } from "./mechanism.ts";

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
    return new ProtocolError(
      "auth",
      `the server refused us: ${parseError(command.data)}`,
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
 * not every reconnect interval with a verdict asked each time. One that
 * says `hangUp` ends the connection without an ERROR.
 */
export function refusal(verdict: Verdict, who: string): MechanismStep {
  const error = new ProtocolError(
    "auth",
    `the ${who} was refused (${verdict.statusCode}${
      verdict.statusText ? `: ${verdict.statusText}` : ""
    })`,
  );
  if (verdict.statusCode === 300 && !verdict.hangUp) {
    return { send: [], refused: error };
  }
  return {
    send: verdict.hangUp ? [] : [encodeError(String(verdict.statusCode))],
    error,
  };
}
