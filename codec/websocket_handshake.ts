/**
 * The WebSocket (RFC 6455) opening handshake as pure functions: a
 * client's upgrade request, a server's answer, and the HTTP heads they
 * travel in. For ZWS over a byte stream; no I/O.
 *
 * @module
 */

import { sha1 } from "@noble/hashes/legacy.js";
import { ProtocolError } from "./errors.ts";

/** The GUID RFC 6455 appends to the key before hashing it. */
const _GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** The most an upgrade request or response may take: a head, no body. */
const MAX_HEADER_BYTES = 8192;
const _encoder = new TextEncoder();
const _decoder = new TextDecoder();

/**
 * The `Sec-WebSocket-Accept` value for a key.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * console.log(codec.websocketAccept("dGhlIHNhbXBsZSBub25jZQ==")); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function websocketAccept(key: string): string {
  return _base64(sha1(_encoder.encode(key + _GUID)));
}

/** What a client asks for in its upgrade request. */
export interface UpgradeRequest {
  /** The request path, such as `/zmq`. */
  path: string;
  /** The `Host` header. */
  host: string;
  /** The `Sec-WebSocket-Key`: 16 random bytes, base64. */
  key: string;
  /** The sub-protocols offered, in order of preference. */
  protocols: string[];
}

/**
 * Encodes a client's upgrade request.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const request = codec.encodeUpgradeRequest({
 *   path: "/", host: "127.0.0.1:8080", key: codec.websocketKey(), protocols: ["ZWS2.0/NULL"],
 * });
 * console.log(new TextDecoder().decode(request).split("\r\n")[0]); // "GET / HTTP/1.1"
 * ```
 */
export function encodeUpgradeRequest(request: UpgradeRequest): Uint8Array {
  return _encoder.encode(
    `GET ${request.path} HTTP/1.1\r\n` +
      `Host: ${request.host}\r\n` +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${request.key}\r\n` +
      `Sec-WebSocket-Protocol: ${request.protocols.join(", ")}\r\n` +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
}

/**
 * A fresh `Sec-WebSocket-Key`.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * console.log(codec.websocketKey().length); // 24
 * ```
 */
export function websocketKey(): string {
  return _base64(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * Encodes a server's acceptance of an upgrade, with the chosen sub-protocol.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const response = codec.encodeUpgradeResponse("dGhlIHNhbXBsZSBub25jZQ==", "ZWS2.0/NULL");
 * console.log(new TextDecoder().decode(response).split("\r\n")[0]); // "HTTP/1.1 101 Switching Protocols"
 * ```
 */
export function encodeUpgradeResponse(
  key: string,
  protocol: string,
): Uint8Array {
  return _encoder.encode(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${websocketAccept(key)}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
}

/**
 * Encodes a refusal (an HTTP error response that closes the connection).
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const refusal = codec.encodeHttpRefusal(400, "speak ZWS2.0/NULL");
 * console.log(new TextDecoder().decode(refusal).split("\r\n")[0]); // "HTTP/1.1 400 Bad Request"
 * ```
 */
export function encodeHttpRefusal(
  status: 400 | 403 | 404 | 426,
  text: string,
): Uint8Array {
  const reason = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    426: "Upgrade Required",
  }[status];
  const body = _encoder.encode(`${text}\n`);
  return _encoder.encode(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      "Content-Type: text/plain\r\n" +
      `Content-Length: ${body.length}\r\n` +
      (status === 426
        ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        : "") +
      "Connection: close\r\n\r\n" + _decoder.decode(body),
  );
}

/** An HTTP head: the first line and the headers (names in lower case). */
export interface HttpHead {
  /** The request or status line. */
  line: string;
  /** Header values by lower-case name; repeated headers joined with ", ". */
  headers: Map<string, string>;
}

/**
 * Gathers an HTTP head from the bytes of a stream.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const reader = new codec.HttpHeadReader();
 * const [head] = reader.push(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) ?? [];
 * console.log(head?.headers.get("host")); // "x"
 * ```
 */
export class HttpHeadReader {
  /**
   * What came of a head not yet whole (its first `#length` bytes), in a
   * buffer that doubles as it fills: a head trickled in a byte at a time
   * is copied a few times over, not once per byte. Shared empty between
   * heads.
   */
  #bytes = _NO_BYTES;
  #length = 0;

  /**
   * Takes bytes; once the head is whole, returns it and what followed it.
   *
   * @throws {ProtocolError} When the head is over 8 KiB or malformed.
   */
  push(chunk: Uint8Array): [HttpHead, Uint8Array] | undefined {
    const had = this.#length;
    // While nothing waits, the chunk is searched where it is.
    let bytes = chunk;
    if (had > 0) {
      this.#append(chunk);
      bytes = this.#bytes.subarray(0, this.#length);
    }
    const end = _findHeadEnd(bytes, Math.max(0, had - 3));
    if (end < 0 || end + 4 > MAX_HEADER_BYTES) {
      if (bytes.length > MAX_HEADER_BYTES) {
        this.#bytes = _NO_BYTES;
        this.#length = 0;
        throw new ProtocolError("protocol", "the peer's HTTP head is too long");
      }
      if (had === 0) this.#append(chunk);
      return undefined;
    }
    // Whole (or refused below): the reader is ready for the next head.
    this.#bytes = _NO_BYTES;
    this.#length = 0;
    const [line, ...fields] = _decoder.decode(bytes.subarray(0, end)).split(
      "\r\n",
    );
    const headers = new Map<string, string>();
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon <= 0) {
        throw new ProtocolError(
          "protocol",
          "the peer sent a malformed HTTP header",
        );
      }
      const name = field.slice(0, colon).trim().toLowerCase();
      const value = field.slice(colon + 1).trim();
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    return [{ line, headers }, bytes.subarray(end + 4)];
  }

  #append(chunk: Uint8Array): void {
    const length = this.#length + chunk.length;
    if (length > this.#bytes.length) {
      // No more room than the longest head takes, but for a last piece
      // that brings its end and what follows it.
      const grown = new Uint8Array(Math.max(
        length,
        Math.min(
          Math.max(2 * this.#bytes.length, _FIRST_BYTES),
          MAX_HEADER_BYTES,
        ),
      ));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(chunk, this.#length);
    this.#length = length;
  }
}

/** The buffer a head in pieces starts in: a browser's is about 500 B. */
const _FIRST_BYTES = 512;

/** No bytes: one for every idle reader, as each empty array costs ~200 B. */
const _NO_BYTES = new Uint8Array(0);

function _findHeadEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.length; i++) {
    if (
      bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 &&
      bytes[i + 3] === 10
    ) return i;
  }
  return -1;
}

function _base64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
