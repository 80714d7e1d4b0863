/**
 * The datagrams of the `udp://` transport, as libzmq's udp engine writes
 * them: a RADIO message is one datagram `[group length][group][body]`; a
 * DGRAM message is its body alone, addressed `ip:port`. Bytes in, frames
 * out; no I/O.
 *
 * @module
 */

import { ProtocolError, ZmqError } from "./errors.ts";
import { MAX_GROUP_BYTES } from "./socket_type.ts";

/**
 * The largest datagram libzmq sends or reads (its MAX_UDP_MSG): it drops a
 * RADIO message that does not fit, and reads only this much of any datagram.
 */
export const MAX_DATAGRAM_BYTES = 8192;

/**
 * The longest group sent in a datagram: libzmq 4.3.5 reads the group's
 * length as a signed char, and aborts on a group of 128 bytes or more.
 */
const MAX_SENT_GROUP_BYTES = 127;

/** Where a datagram comes from or goes to. */
export interface DatagramAddress {
  /** An IP address, without brackets. */
  hostname: string;
  /** The UDP port. */
  port: number;
}

const _encoder = new TextEncoder();
const _decoder = new TextDecoder();

/**
 * Encodes a RADIO message as one datagram.
 *
 * @param group The group, at most {@linkcode MAX_GROUP_BYTES} bytes.
 * @param body The message.
 * @returns The datagram, or `undefined` when it would be longer than
 * {@linkcode MAX_DATAGRAM_BYTES} (libzmq 4.3.5 writes such a message past
 * its 8 KiB buffer, and a DISH reads it cut: not sent), or its group
 * longer than 127 bytes (which libzmq 4.3.5 cannot read).
 */
export function encodeGroupDatagram(
  group: Uint8Array,
  body: Uint8Array,
): Uint8Array | undefined {
  const size = 1 + group.length + body.length;
  if (
    group.length > Math.min(MAX_GROUP_BYTES, MAX_SENT_GROUP_BYTES) ||
    size > MAX_DATAGRAM_BYTES
  ) {
    return undefined;
  }
  const datagram = new Uint8Array(size);
  datagram[0] = group.length;
  datagram.set(group, 1);
  datagram.set(body, 1 + group.length);
  return datagram;
}

/**
 * Decodes a RADIO datagram into its group and body, as views into it.
 *
 * @param datagram What one `recvfrom` read.
 * @returns `[group, body]`.
 * @throws {ProtocolError} For a datagram that is not a RADIO message: empty,
 * or a group length beyond its end (a length byte cannot exceed
 * {@linkcode MAX_GROUP_BYTES}).
 */
export function decodeGroupDatagram<T extends ArrayBufferLike>(
  datagram: Uint8Array<T>,
): Uint8Array<T>[] {
  if (datagram.length === 0) {
    throw new ProtocolError(
      "protocol",
      "dropped an empty datagram: a RADIO datagram starts with its group's length",
    );
  }
  const length = datagram[0];
  if (1 + length > datagram.length) {
    throw new ProtocolError(
      "protocol",
      `dropped a datagram of ${datagram.length} bytes that announces a group of ${length}`,
    );
  }
  return [
    datagram.subarray(1, 1 + length),
    datagram.subarray(1 + length),
  ];
}

/**
 * Formats where a datagram came from as a DGRAM message's address frame:
 * `ip:port` (IPv6 in brackets). libzmq ends the frame with a NUL byte; we do
 * not, and {@linkcode parseDatagramAddress} takes both.
 *
 * @param address The sender.
 * @returns The address frame.
 */
export function formatDatagramAddress(
  address: DatagramAddress,
): Uint8Array<ArrayBuffer> {
  const host = address.hostname.includes(":")
    ? `[${address.hostname}]`
    : address.hostname;
  return _encoder.encode(`${host}:${address.port}`);
}

/**
 * Parses a DGRAM message's address frame: `ip:port`, IPv4 as libzmq takes
 * it, or `[ipv6]:port`, with or without libzmq's trailing NUL byte.
 *
 * @param frame The first frame of the message.
 * @returns The destination.
 * @throws {ZmqError} `EINVAL` when it is not an IP address and a port.
 */
export function parseDatagramAddress(frame: Uint8Array): DatagramAddress {
  const end = frame.length > 0 && frame[frame.length - 1] === 0
    ? frame.length - 1
    : frame.length;
  const text = _decoder.decode(frame.subarray(0, end));
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/
    .exec(text);
  const port = match ? Number(match[3]) : 0;
  const hostname = match ? match[1] ?? match[2] : "";
  if (!match || port === 0 || port > 65535 || !_isAddress(hostname)) {
    throw new ZmqError(
      "EINVAL",
      `a DGRAM message starts with the address to send to, such as "127.0.0.1:5555"; got "${text}"`,
    );
  }
  return { hostname, port };
}

function _isAddress(hostname: string): boolean {
  if (hostname.includes(":")) return true;
  return hostname.split(".").every((part) => Number(part) <= 255);
}
