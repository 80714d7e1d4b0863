/**
 * What the application gives as bytes (a frame, a topic, a group, a
 * routing id), checked: a string (UTF-8) or a `Uint8Array`, nothing else.
 * Anything else would go out as garbage (a `Uint16Array`'s elements cut to
 * bytes), match everything (a topic with no length), or break the
 * connection it is written to: refused with `EINVAL` before anything is
 * done.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";

const _encoder = new TextEncoder();

/**
 * The value as bytes: a string in UTF-8, a `Uint8Array` as it is (one from
 * another realm, an iframe's, viewed from this one).
 *
 * @param value What the application gave.
 * @param what What it is, for the error: "frame 2", "the topic".
 * @throws {ZmqError} `EINVAL` for anything else.
 */
export function asBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === "string") return _encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  const tag = _tag(value);
  if (ArrayBuffer.isView(value) && tag === "Uint8Array") {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  const hint = ArrayBuffer.isView(value)
    ? " (its bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength))"
    : tag.endsWith("ArrayBuffer")
    ? " (its bytes: new Uint8Array(buffer))"
    : "";
  const kind = `${what} is ${_describe(value, tag)}`;
  throw new ZmqError("EINVAL", `${kind}: give a string or a Uint8Array${hint}`);
}

/** The built-in kind of a value, from any realm: "Int8Array", "Object". */
function _tag(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** "a number", "an Int8Array", "null": what the value is, for a person. */
function _describe(value: unknown, tag: string): string {
  if (value === null || value === undefined) return String(value);
  // A typed array or a buffer by its kind, from its tag: an object without
  // a prototype has no constructor to name it.
  const name = Array.isArray(value)
    ? "array"
    : ArrayBuffer.isView(value) || tag.endsWith("ArrayBuffer")
    ? tag
    : typeof value;
  return `${/^[aeio]/i.test(name) ? "an" : "a"} ${name}`;
}
