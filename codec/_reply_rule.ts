/**
 * What a REQ takes from its peer: a reply behind an envelope.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/**
 * Checks that a message to a REQ is a reply: an empty delimiter frame,
 * after a 4-byte request id where the peer echoes one (requestCorrelate),
 * then a body of one frame at least. libzmq's req_session fails the
 * connection on anything else (a probeRouter's lone empty frame too).
 *
 * @throws {ProtocolError} For any other shape.
 */
export function checkReply(frames: Uint8Array[]): void {
  const count = frames.length;
  if (count >= 2 && frames[0].length === 0) return;
  if (count >= 3 && frames[0].length === 4 && frames[1].length === 0) return;
  throw new ProtocolError(
    "protocol",
    `a reply to a REQ is an empty delimiter frame (after a 4-byte request id), then the body; the peer sent a message of ${count} frame${
      count === 1 ? "" : "s"
    } without one`,
  );
}
