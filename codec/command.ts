/**
 * ZMTP commands: a 1-byte name length, the name, then command data.
 *
 * @module
 */

import { ProtocolError, ZmqError } from "./errors.ts";
import { encodeMetadata, type Metadata, parseMetadata } from "./metadata.ts";
import { utf8Bytes, utf8Text } from "./_utf8.ts";

/** A command as read off the wire. */
export interface Command {
  /** The command name, such as `READY` or `PING`. */
  name: string;
  /** The bytes after the name: a view into the frame. */
  data: Uint8Array;
}

/**
 * Encodes a command body (to be sent in a frame with the COMMAND flag).
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const body = codec.encodeCommand("PONG", new Uint8Array());
 * console.log(body); // Uint8Array [4, 80, 79, 78, 71]
 * ```
 *
 * @param name The command name (1 to 255 ASCII bytes).
 * @param data The command data.
 * @returns The frame body.
 * @throws {ZmqError} `EINVAL` for a name that is empty or over 255 bytes,
 * which its 1-byte length cannot say.
 */
export function encodeCommand(name: string, data: Uint8Array): Uint8Array {
  const nameBytes = utf8Bytes(name);
  if (nameBytes.length === 0 || nameBytes.length > 255) {
    throw new ZmqError(
      "EINVAL",
      `command name "${name}" must be 1 to 255 bytes long as UTF-8`,
    );
  }
  const out = new Uint8Array(1 + nameBytes.length + data.length);
  out[0] = nameBytes.length;
  out.set(nameBytes, 1);
  out.set(data, 1 + nameBytes.length);
  return out;
}

/**
 * Splits a command frame's body into name and data.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const command = codec.parseCommand(codec.encodeCommand("PING", new Uint8Array([0, 0])));
 * console.log(command.name, command.data.length); // "PING" 2
 * ```
 *
 * @param body The body of a frame that had the COMMAND flag.
 * @returns The name and a view of the data.
 * @throws {ProtocolError} If the name is empty or runs past the frame.
 */
export function parseCommand(body: Uint8Array): Command {
  const nameLength = body[0];
  if (body.length === 0 || nameLength === 0 || 1 + nameLength > body.length) {
    throw new ProtocolError("protocol", "malformed command frame");
  }
  return {
    name: utf8Text(body.subarray(1, 1 + nameLength)),
    data: body.subarray(1 + nameLength),
  };
}

/**
 * Encodes a READY command with its metadata.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const body = codec.encodeReady(new codec.Metadata([["Socket-Type", "REQ"]]));
 * console.log(codec.parseCommand(body).name); // "READY"
 * ```
 *
 * @param metadata The properties, at least Socket-Type.
 * @returns The frame body.
 */
export function encodeReady(metadata: Metadata): Uint8Array {
  return encodeCommand("READY", encodeMetadata(metadata));
}

/**
 * Parses the data of a READY command.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const { data } = codec.parseCommand(codec.encodeReady(new codec.Metadata([["Socket-Type", "PUB"]])));
 * console.log(codec.parseReady(data).getString("Socket-Type")); // "PUB"
 * ```
 *
 * @param data The command data.
 * @returns The peer's properties.
 */
export function parseReady(data: Uint8Array): Metadata {
  return parseMetadata(data);
}

/**
 * Encodes an ERROR command with its reason (at most 255 bytes kept).
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const body = codec.encodeError("Invalid socket type");
 * console.log(codec.parseError(codec.parseCommand(body).data)); // "Invalid socket type"
 * ```
 *
 * @param reason Why the connection is refused.
 * @returns The frame body.
 */
export function encodeError(reason: string): Uint8Array {
  const reasonBytes = utf8Bytes(reason).subarray(0, 255);
  const data = new Uint8Array(1 + reasonBytes.length);
  data[0] = reasonBytes.length;
  data.set(reasonBytes, 1);
  return encodeCommand("ERROR", data);
}

/**
 * Parses the data of an ERROR command.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * console.log(codec.parseError(new Uint8Array([2, 104, 105]))); // "hi"
 * ```
 *
 * @param data The command data.
 * @returns The reason text.
 */
export function parseError(data: Uint8Array): string {
  const length = Math.min(data[0] ?? 0, data.length - 1);
  return utf8Text(data.subarray(1, 1 + length));
}

/**
 * Encodes a PING command (ZMTP 3.1).
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const body = codec.encodePing(100, new Uint8Array([7]));
 * console.log(codec.parseCommand(body).name); // "PING"
 * ```
 *
 * @param ttl How long the peer may wait for traffic before giving up, in deciseconds.
 * @param context Up to 16 bytes the peer echoes in its PONG.
 * @returns The frame body.
 * @throws {ZmqError} `EINVAL` for a TTL that is not a whole number from 0 to
 * 65535 (its 16 bits), or a context over 16 bytes.
 */
export function encodePing(ttl: number, context: Uint8Array): Uint8Array {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0xffff) {
    throw new ZmqError(
      "EINVAL",
      `a PING's TTL is 0 to 65535 deciseconds, not ${ttl}`,
    );
  }
  if (context.length > 16) {
    throw new ZmqError(
      "EINVAL",
      `a PING's context is 16 bytes at most, not ${context.length}`,
    );
  }
  const data = new Uint8Array(2 + context.length);
  data[0] = ttl >>> 8;
  data[1] = ttl;
  data.set(context, 2);
  return encodeCommand("PING", data);
}

/**
 * Encodes the PONG that answers a PING's data.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const pong = codec.encodePong(new Uint8Array([0, 10, 1, 2]));
 * console.log(codec.parseCommand(pong).data); // Uint8Array [1, 2]
 * ```
 *
 * @param pingData The data of the PING being answered (TTL and context).
 * @returns The frame body, echoing the PING's context: its first 16 bytes,
 * as libzmq echoes a longer one.
 * @throws {ProtocolError} If the PING has no TTL.
 */
export function encodePong(pingData: Uint8Array): Uint8Array {
  if (pingData.length < 2) {
    throw new ProtocolError("protocol", "malformed PING command");
  }
  return encodeCommand("PONG", pingData.subarray(2, 18));
}
