/**
 * What a handshake checks of its peer and learns from it when it has no
 * mechanism to do so: the socket types it names, and over ZWS2.0 without a
 * mechanism, its routing id alone.
 *
 * @module
 */

import { encodeError } from "./command.ts";
import type { ConnectionEvent } from "./connection_event.ts";
import { ProtocolError } from "./errors.ts";
import { FLAG_COMMAND } from "./frame.ts";
import { Metadata } from "./metadata.ts";
import { metadataViews } from "./_metadata_views.ts";
import type { FrameOutput } from "./_output_buffer.ts";
import { type SocketType, socketTypesMatch } from "./socket_type.ts";
import { utf8Text } from "./_utf8.ts";

/**
 * Every Socket-Type the peer names must match ours, as libzmq checks: one
 * that does not queues libzmq's ERROR for the peer.
 *
 * @throws {ProtocolError} Of kind `incompatible` for a socket type that
 * cannot talk to ours.
 */
export function checkSocketTypes(
  ours: SocketType,
  metadata: Metadata,
  output: FrameOutput,
): void {
  for (const value of metadataViews(metadata, "Socket-Type")) {
    const socketType = utf8Text(value);
    if (socketTypesMatch(ours, socketType)) continue;
    output.writeFrame(encodeError("Invalid socket type"), FLAG_COMMAND);
    throw new ProtocolError(
      "incompatible",
      `a ${ours} socket cannot talk to a ${
        socketType || "peer with an empty Socket-Type"
      }`,
    );
  }
}

/**
 * The `ready` event of ZWS2.0 without a mechanism: the peer's routing id
 * (255 bytes at most, as libzmq's) is its handshake; it announces no
 * socket type to check.
 *
 * @throws {ProtocolError} For a routing id over 255 bytes.
 */
export function readyWithRoutingId(
  body: Uint8Array,
  minor: number,
): ConnectionEvent {
  if (body.length > 255) {
    throw new ProtocolError("protocol", "the peer's routing id is too long");
  }
  return {
    type: "ready",
    peer: {
      socketType: "",
      routingId: body.length ? body.slice() : undefined,
      minor,
      metadata: new Metadata(),
    },
  };
}
