/**
 * The WebSocket closing handshake (RFC 6455 §5.5.1, §7.4): a peer's close
 * frame is answered with its own status code, and the connection ends as
 * a hang-up does (a goodbye); a malformed one is answered 1002 (or 1007
 * for a reason that is no UTF-8) and fails it, as the RFC asks, still of
 * kind `peer`: a client dials again, as libzmq's does.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** Status codes a peer may send (§7.4.1, and IANA's 1012–1014), or an app's. */
function _sendable(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

const _strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function _status(code: number): Uint8Array {
  return new Uint8Array([code >> 8, code & 0xff]);
}

/** The errors that are a well-formed close: a goodbye, not a fault. */
const _goodbyes = new WeakSet<ProtocolError>();

/** Whether the connection ended with a well-formed WebSocket close. */
export function isGoodbye(error: ProtocolError): boolean {
  return _goodbyes.has(error);
}

/**
 * What to answer a peer's close frame with, and why the connection ends:
 * a goodbye (see {@linkcode isGoodbye}), or a malformed close.
 */
export function answerClose(
  payload: Uint8Array,
): { answer: Uint8Array; error: ProtocolError } {
  if (payload.length === 0) {
    return { answer: payload, error: _goodbye("without a status code") };
  }
  const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 0;
  if (!_sendable(code)) {
    const what = payload.length < 2 ? "a 1-byte body" : `status code ${code}`;
    return {
      answer: _status(1002),
      error: new ProtocolError(
        "peer",
        `the peer closed the WebSocket with ${what}, which RFC 6455 does not allow`,
      ),
    };
  }
  try {
    _strictUtf8.decode(payload.subarray(2));
  } catch {
    return {
      answer: _status(1007),
      error: new ProtocolError(
        "peer",
        "the peer closed the WebSocket with a reason that is no UTF-8",
      ),
    };
  }
  return { answer: _status(code), error: _goodbye(`with status ${code}`) };
}

function _goodbye(how: string): ProtocolError {
  const error = new ProtocolError(
    "peer",
    `the peer closed the WebSocket ${how}`,
  );
  _goodbyes.add(error);
  return error;
}
