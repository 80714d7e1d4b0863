/**
 * RADIO/DISH groups: what a group may be, as libzmq takes it.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { MAX_GROUP_BYTES } from "../codec/socket_type.ts";
import { asBytes } from "./_as_bytes.ts";

const _decoder = new TextDecoder();

/**
 * A group as bytes (strings as UTF-8), checked.
 *
 * @throws {ZmqError} `EINVAL` when missing, longer than
 * {@linkcode MAX_GROUP_BYTES}, or holding a NUL byte (libzmq keeps groups
 * as C strings: it would cut it there).
 */
export function toGroup(group: string | Uint8Array | undefined): Uint8Array {
  if (group === undefined) {
    throw new ZmqError(
      "EINVAL",
      "a RADIO message goes to a group: send(message, { group })",
    );
  }
  const bytes = asBytes(group, "the group");
  if (bytes.length > MAX_GROUP_BYTES) {
    throw new ZmqError(
      "EINVAL",
      // Its start names it: all of it would make the message the group.
      `the group "${
        _decoder.decode(bytes.subarray(0, 32))
      }…" is ${bytes.length} bytes; a group is at most ${MAX_GROUP_BYTES}`,
    );
  }
  if (bytes.includes(0)) {
    throw new ZmqError(
      "EINVAL",
      "a group cannot hold a NUL byte (libzmq would cut it there)",
    );
  }
  return bytes;
}

/** A group as the application sees it on a received message. */
export function groupText(group: Uint8Array): string {
  return _decoder.decode(group);
}
