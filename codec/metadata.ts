/**
 * Metadata properties, as carried by READY (and later INITIATE) commands:
 * a 1-byte name length, the name, a 4-byte value length, the value.
 *
 * @module
 */

import { ProtocolError, ZmqError } from "./errors.ts";
import { utf8Bytes, utf8Text } from "./_utf8.ts";
import { provideMetadataViews } from "./_metadata_views.ts";

/** Metadata over validated wire bytes (set by the class's static block). */
let _fromWire: (wire: Uint8Array) => Metadata;

/**
 * A peer's metadata properties. Names compare case-insensitively, as ZMTP
 * says; the names as sent are kept, and unknown properties stay readable.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const metadata = new codec.Metadata([["Socket-Type", "REQ"]]);
 * console.log(metadata.getString("socket-type")); // "REQ"
 * ```
 */
export class Metadata implements Iterable<[string, Uint8Array]> {
  /** Entries made by the constructor. */
  #entries: [string, Uint8Array][] | undefined;
  /**
   * Or, for parsed metadata, its validated wire form: read when asked, so a
   * peer's metadata, kept for every connection, is one buffer, not an array
   * of arrays, names and views.
   */
  #wire: Uint8Array | undefined;

  static {
    _fromWire = (wire) => {
      const metadata = new Metadata();
      metadata.#entries = undefined;
      metadata.#wire = wire;
      return metadata;
    };
    provideMetadataViews((metadata, name) =>
      (metadata as Metadata).#views(name)
    );
  }

  /**
   * Makes metadata from name/value pairs.
   *
   * @param entries Names with string or byte values.
   */
  constructor(entries: Iterable<[string, string | Uint8Array]> = []) {
    this.#entries = [];
    for (const [name, value] of entries) {
      this.#entries.push([
        name,
        typeof value === "string" ? utf8Bytes(value) : value,
      ]);
    }
  }

  /**
   * The value of a property, or `undefined`.
   *
   * @param name The property's name, in any case.
   * @returns The raw value: for a peer's metadata, a copy of its own (the
   * bytes received may be shared by every peer that sent the same).
   */
  get(name: string): Uint8Array | undefined {
    return this.#wire ? this.#view(name)?.slice() : this.#view(name);
  }

  /**
   * Every value of a property, in order: a peer may name one twice, and
   * libzmq checks each Socket-Type it announces.
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const metadata = new codec.Metadata([["X-Tag", "a"], ["x-tag", "b"]]);
   * console.log(metadata.getAll("X-Tag").length); // 2
   * console.log(metadata.getString("X-Tag")); // "a": the first
   * ```
   *
   * @param name The property's name, in any case.
   * @returns The raw values (for a peer's metadata, copies), none if absent.
   */
  getAll(name: string): Uint8Array[] {
    const views = this.#views(name);
    return this.#wire ? views.map((view) => view.slice()) : views;
  }

  /** Every value as kept: views into the wire form, for a peer's. */
  #views(name: string): Uint8Array[] {
    const wanted = name.toLowerCase();
    if (this.#wire) {
      const views: Uint8Array[] = [];
      _wireValue(this.#wire, wanted, views);
      return views;
    }
    return this.#entries!.filter(([key]) => key.toLowerCase() === wanted)
      .map(([, value]) => value);
  }

  /** The value, as kept: a view into the wire form, for a peer's. */
  #view(name: string): Uint8Array | undefined {
    const wanted = name.toLowerCase();
    // A peer's metadata is read this way during every handshake: its wire
    // form is searched without making a string or a view per property.
    if (this.#wire) return _wireValue(this.#wire, wanted);
    for (const [key, value] of this.#entries!) {
      if (key.toLowerCase() === wanted) return value;
    }
    return undefined;
  }

  /**
   * The value of a property as UTF-8 text, or `undefined`.
   *
   * @param name The property's name, in any case.
   * @returns The decoded value.
   */
  getString(name: string): string | undefined {
    const value = this.#view(name);
    return value === undefined ? undefined : utf8Text(value);
  }

  /** The properties as sent, in order. */
  [Symbol.iterator](): Iterator<[string, Uint8Array]> {
    return this.#entries?.[Symbol.iterator]() ?? _wireEntries(this.#wire!);
  }
}

/**
 * Encodes properties in ZMTP's metadata format.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const bytes = codec.encodeMetadata(new codec.Metadata([["Socket-Type", "REQ"]]));
 * console.log(bytes.length); // 1 + 11 + 4 + 3
 * ```
 *
 * @param metadata The properties to encode.
 * @returns The encoded bytes.
 * @throws {ZmqError} `EINVAL` for a name that is empty or over 255 bytes.
 */
export function encodeMetadata(metadata: Metadata): Uint8Array {
  const names: Uint8Array[] = [];
  let size = 0;
  for (const [name, value] of metadata) {
    const nameBytes = utf8Bytes(name);
    if (nameBytes.length === 0 || nameBytes.length > 255) {
      throw new ZmqError(
        "EINVAL",
        `metadata name "${name}" must be 1 to 255 bytes long as UTF-8`,
      );
    }
    names.push(nameBytes);
    size += 1 + nameBytes.length + 4 + value.length;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  let index = 0;
  for (const [, value] of metadata) {
    const name = names[index++];
    out[offset] = name.length;
    out.set(name, offset + 1);
    offset += 1 + name.length;
    const length = value.length;
    out[offset] = length >>> 24;
    out[offset + 1] = (length >>> 16) & 0xff;
    out[offset + 2] = (length >>> 8) & 0xff;
    out[offset + 3] = length & 0xff;
    out.set(value, offset + 4);
    offset += 4 + length;
  }
  return out;
}

/**
 * Parses ZMTP metadata.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const bytes = codec.encodeMetadata(new codec.Metadata([["Identity", "abc"]]));
 * console.log(codec.parseMetadata(bytes).getString("identity")); // "abc"
 * ```
 *
 * @param bytes The encoded properties.
 * @returns The properties, kept as one copy of `bytes` (no larger buffer
 * `bytes` may be a view of is kept), their values read out as copies.
 * Small metadata met before (every peer of one kind sends the same) is
 * that of the last time, the same object.
 * @throws {ProtocolError} If a length runs past the end.
 */
export function parseMetadata(bytes: Uint8Array): Metadata {
  const key = bytes.length <= _SHARED_MAX_BYTES
    ? String.fromCharCode.apply(null, bytes as unknown as number[])
    : undefined;
  const known = key === undefined ? undefined : _shared.get(key);
  if (known) return known;
  const metadata = _parse(bytes.slice());
  if (key !== undefined) {
    if (_shared.size >= _SHARED_MOST) _shared.clear();
    _shared.set(key, metadata);
  }
  return metadata;
}

/**
 * Metadata parsed lately, by its wire bytes as a string: a server's peers
 * send the same READY properties, and each peer kept its own copy (an
 * object, a view, a buffer: 300 bytes of each of 10,000 connections).
 * Cleared when full, so peers that each send their own (an Identity)
 * cost no more than before.
 */
const _shared = new Map<string, Metadata>();
const _SHARED_MOST = 64;
/** Longer metadata is rarely the same twice: not worth its key. */
const _SHARED_MAX_BYTES = 256;

function _parse(bytes: Uint8Array): Metadata {
  let offset = 0;
  while (offset < bytes.length) {
    const nameLength = bytes[offset];
    if (nameLength === 0 || offset + 1 + nameLength + 4 > bytes.length) {
      throw new ProtocolError("protocol", "malformed metadata property name");
    }
    offset += 1 + nameLength;
    const valueLength = _readLength(bytes, offset);
    offset += 4;
    if (offset + valueLength > bytes.length) {
      const name = utf8Text(
        bytes.subarray(offset - 4 - nameLength, offset - 4),
      );
      throw new ProtocolError(
        "protocol",
        `metadata property "${name}" runs past the end of its command`,
      );
    }
    offset += valueLength;
  }
  return _fromWire(bytes);
}

function _readLength(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] * 0x1000000) + (bytes[offset + 1] << 16) +
    (bytes[offset + 2] << 8) + bytes[offset + 3];
}

/**
 * The value of the property named `wanted` (lower case) in validated wire
 * bytes; with `all`, every such value is put there instead. ASCII names
 * are compared byte by byte, folding case; a name with other characters
 * is decoded and lowered as {@linkcode Metadata.get} does.
 */
function _wireValue(
  wire: Uint8Array,
  wanted: string,
  all?: Uint8Array[],
): Uint8Array | undefined {
  let offset = 0;
  while (offset < wire.length) {
    const nameLength = wire[offset];
    const nameAt = offset + 1;
    offset = nameAt + nameLength;
    const valueLength = _readLength(wire, offset);
    offset += 4;
    if (_nameIs(wire, nameAt, nameLength, wanted)) {
      const value = wire.subarray(offset, offset + valueLength);
      if (!all) return value;
      all.push(value);
    }
    offset += valueLength;
  }
  return undefined;
}

/** Whether the name at `at` of `length` bytes, lowered, is `wanted`. */
function _nameIs(
  wire: Uint8Array,
  at: number,
  length: number,
  wanted: string,
): boolean {
  for (let i = 0; i < length; i++) {
    if (wire[at + i] > 0x7f) {
      const name = utf8Text(wire.subarray(at, at + length));
      return name.toLowerCase() === wanted;
    }
  }
  if (length !== wanted.length) return false;
  for (let i = 0; i < length; i++) {
    const byte = wire[at + i];
    const lower = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
    if (lower !== wanted.charCodeAt(i)) return false;
  }
  return true;
}

/** The entries of validated wire bytes, made as they are read. */
function* _wireEntries(wire: Uint8Array): Generator<[string, Uint8Array]> {
  let offset = 0;
  while (offset < wire.length) {
    const nameLength = wire[offset];
    const name = utf8Text(wire.subarray(offset + 1, offset + 1 + nameLength));
    offset += 1 + nameLength;
    const valueLength = _readLength(wire, offset);
    offset += 4;
    yield [name, wire.slice(offset, offset + valueLength)];
    offset += valueLength;
  }
}
