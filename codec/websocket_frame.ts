/**
 * WebSocket (RFC 6455) frames: encoding one, and a decoder that reads
 * them from the bytes of a stream. No I/O.
 *
 * @module
 */

import { Gathered } from "./_gathered.ts";
import { ProtocolError } from "./errors.ts";
import { applyMask } from "./_websocket_mask.ts";

export { applyMask, randomMask } from "./_websocket_mask.ts";

/** WebSocket opcodes. */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** A complete WebSocket message (its fragments joined) or control frame. */
export interface WebSocketMessage {
  /** `OPCODE.binary`, `OPCODE.text`, or a control opcode. */
  opcode: number;
  /** The payload, unmasked. */
  payload: Uint8Array;
}

/**
 * Encodes one unfragmented frame: the header, then the payload, masked in
 * place when a mask is given (a client's frames must be; the payload must
 * then be a buffer the caller owns).
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const [header] = codec.encodeWebSocketFrame(codec.OPCODE.binary, new Uint8Array([0, 104, 105]));
 * console.log(header); // Uint8Array(2) [ 130, 3 ]
 * ```
 *
 * @returns The header and the payload, to write in order.
 */
export function encodeWebSocketFrame(
  opcode: number,
  payload: Uint8Array,
  mask?: Uint8Array,
): [Uint8Array, Uint8Array] {
  const header = new Uint8Array(MAX_HEADER_SIZE);
  const length = writeWebSocketHeader(header, 0, opcode, payload.length, mask);
  if (mask) applyMask(payload, mask);
  return [header.subarray(0, length), payload];
}

/** The longest frame header: 2 bytes, an 8-byte length, a 4-byte key. */
export const MAX_HEADER_SIZE = 14;

/**
 * Writes a final frame's header (with the masking key, if any) at `at`.
 *
 * @example A binary frame of 300 bytes, unmasked
 * ```ts
 * import { writeWebSocketHeader } from "@zmtp/zmq/codec";
 *
 * const header = new Uint8Array(14);
 * console.log(writeWebSocketHeader(header, 0, 0x2, 300)); // 4
 * ```
 *
 * @param buffer Where the header goes.
 * @param at Its offset there.
 * @param opcode The frame's opcode (0x2: binary).
 * @param size The payload's length.
 * @param mask The 4-byte masking key a client frame carries.
 * @returns The header's length.
 */
export function writeWebSocketHeader(
  buffer: Uint8Array,
  at: number,
  opcode: number,
  size: number,
  mask?: Uint8Array,
): number {
  const start = at;
  buffer[at++] = 0x80 | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (size < 126) {
    buffer[at++] = maskBit | size;
  } else if (size <= 0xffff) {
    buffer[at++] = maskBit | 126;
    buffer[at++] = size >> 8;
    buffer[at++] = size & 0xff;
  } else {
    buffer[at++] = maskBit | 127;
    new DataView(buffer.buffer, buffer.byteOffset).setBigUint64(
      at,
      BigInt(size),
    );
    at += 8;
  }
  if (mask) {
    buffer[at] = mask[0];
    buffer[at + 1] = mask[1];
    buffer[at + 2] = mask[2];
    buffer[at + 3] = mask[3];
    at += 4;
  }
  return at - start;
}

/** Payloads at least this large may be read straight into their own buffer. */
const DIRECT_READ_BYTES = 16 * 1024;
/** Nor larger: allocated whole for a length only declared (longer ones grow). */
const DIRECT_READ_MAX = 4 * 1024 * 1024;

/** Options of a {@linkcode WebSocketDecoder}. */
export interface WebSocketDecoderOptions {
  /** Whether frames must be masked (a server reading a client) or must not. */
  masked: boolean;
  /** The message size limit, in bytes; -1 for none. */
  maxMessageSize?: number | undefined;
  /** Bytes a message may run past it (default 1: a ZWS body's flags byte);
   * a caller that allows more holds messages to the limit once decoded. */
  allowance?: number | undefined;
}

/**
 * Reads WebSocket frames from the bytes of a stream: messages come whole
 * (fragments joined, payload unmasked in place), control frames as they
 * arrive.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const decoder = new codec.WebSocketDecoder({ masked: false });
 * const messages: codec.WebSocketMessage[] = [];
 * decoder.decode(new Uint8Array([0x82, 2, 0, 7]), messages);
 * console.log(messages[0].payload); // Uint8Array(2) [ 0, 7 ]
 * ```
 */
export class WebSocketDecoder {
  #masked: boolean;
  #maxMessageSize: number;
  #allowance: number;
  #header = new Uint8Array(18);
  #headerLength = 0;
  /** The fragments of a message so far, made at the first. */
  #fragments: Gathered | undefined;
  /**
   * What the fragments held cost against maxMessageSize: their bytes, each
   * at least {@linkcode _FRAGMENT_COST}, so that many tiny fragments are
   * bounded too.
   */
  #partsCost = 0;
  #fragmentOpcode = -1;
  // The frame being read: its opcode, FIN bit, mask and payload so far.
  #frameLength = -1;
  #payloadRead = 0;
  /** The frame in progress is larger than memory could hold at once. */
  #unallocatable = false;
  /** The payload of a frame split across reads, made at the first split. */
  #gathered: Gathered | undefined;
  #opcode = 0;
  #fin = false;
  #hasMask = false;
  #mask = this.#header.subarray(14); // past the 14 bytes a header takes
  /** A large payload's own buffer, which the transport may read into. */
  #direct: Uint8Array<ArrayBuffer> | undefined;

  /**
   * Makes a decoder for one side of a connection.
   *
   * @param options Whether frames come masked, and the size limit.
   */
  constructor(options: WebSocketDecoderOptions) {
    this.#masked = options.masked;
    this.#maxMessageSize = options.maxMessageSize ?? -1;
    this.#allowance = options.allowance ?? 1;
  }

  /** The declared size of the frame being read, 0 between frames. */
  get partialFrameSize(): number {
    return this.#frameLength < 0 ? 0 : this.#frameLength;
  }

  /**
   * Where the rest of a large payload may be read directly (over 4 MiB, once
   * 4 MiB have come), then passed to `decode` as is; else `undefined`.
   */
  directReadTarget(): Uint8Array<ArrayBuffer> | undefined {
    const remaining = this.#frameLength - this.#payloadRead;
    if (
      this.#frameLength < 0 || remaining < DIRECT_READ_BYTES ||
      this.#frameLength > DIRECT_READ_MAX &&
        (this.#payloadRead < DIRECT_READ_MAX || this.#unallocatable)
    ) {
      return undefined;
    }
    if (!this.#direct) {
      let direct: Uint8Array<ArrayBuffer>;
      try {
        direct = new Uint8Array(this.#frameLength);
      } catch { // more than memory holds: its next bytes end the connection
        this.#unallocatable = true;
        return undefined;
      }
      this.#gathered?.moveInto(direct);
      this.#gathered = undefined;
      this.#direct = direct;
    }
    return this.#direct.subarray(this.#payloadRead);
  }

  /**
   * Decodes what the bytes complete. The chunk is not to be modified
   * afterwards: payloads may be views into it.
   *
   * @throws {ProtocolError} For a frame that breaks RFC 6455 or a limit.
   */
  decode(chunk: Uint8Array, out: WebSocketMessage[]): void {
    const direct = this.#direct;
    if (
      direct && chunk.buffer === direct.buffer &&
      chunk.byteOffset === direct.byteOffset + this.#payloadRead
    ) {
      // Read straight into the payload's own buffer.
      this.#payloadRead += chunk.length;
      if (this.#payloadRead === this.#frameLength) this.#finishFrame(out);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#frameLength < 0) {
        offset = this.#readHeader(chunk, offset);
        if (this.#frameLength < 0) return;
        // A whole payload in the chunk: a view of it, no parts to join.
        const length = this.#frameLength;
        if (length <= chunk.length - offset && !this.#direct) {
          const payload = new Uint8Array(
            chunk.buffer,
            chunk.byteOffset + offset,
            length,
          );
          offset += length;
          this.#finishFrame(out, payload);
          continue;
        }
      }
      const take = Math.min(
        this.#frameLength - this.#payloadRead,
        chunk.length - offset,
      );
      const part = chunk.subarray(offset, offset + take);
      if (this.#direct) this.#direct.set(part, this.#payloadRead);
      else if (!this.#unallocatable) {
        (this.#gathered ??= new Gathered()).add(part, this.#frameLength);
      } else throw new ProtocolError("protocol", "a frame beyond memory");
      this.#payloadRead += take;
      offset += take;
      if (this.#payloadRead === this.#frameLength) this.#finishFrame(out);
    }
  }

  #readHeader(chunk: Uint8Array, offset: number): number {
    const header = this.#header;
    if (this.#headerLength === 0 && chunk.length - offset >= 2) {
      // The usual case: the whole header in the chunk, sized from its
      // second byte, copied at once.
      const size = _headerSize(chunk[offset + 1]);
      if (chunk.length - offset >= size) {
        for (let i = 0; i < size; i++) header[i] = chunk[offset + i];
        this.#headerLength = size;
        this.#startFrame();
        return offset + size;
      }
    }
    while (offset < chunk.length) {
      header[this.#headerLength++] = chunk[offset++];
      const needed = this.#headerSize();
      if (needed > 0 && this.#headerLength === needed) {
        this.#startFrame();
        return offset;
      }
    }
    return offset;
  }

  /** The header's size once its first two bytes are known, else 0. */
  #headerSize(): number {
    return this.#headerLength < 2 ? 0 : _headerSize(this.#header[1]);
  }

  #startFrame(): void {
    const header = this.#header;
    this.#headerLength = 0;
    if (header[0] & 0x70) {
      throw new ProtocolError(
        "protocol",
        "the peer set WebSocket reserved bits",
      );
    }
    this.#fin = (header[0] & 0x80) !== 0;
    this.#opcode = header[0] & 0x0f;
    const masked = (header[1] & 0x80) !== 0;
    if (masked !== this.#masked) {
      throw new ProtocolError(
        "protocol",
        this.#masked
          ? "a WebSocket client must mask its frames"
          : "a WebSocket server must not mask its frames",
      );
    }
    let length = header[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      length = (header[2] << 8) | header[3];
      at = 4;
    } else if (length === 127) {
      const big = new DataView(header.buffer).getBigUint64(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new ProtocolError(
          "protocol",
          "the peer sent an absurd WebSocket frame size",
        );
      }
      length = Number(big);
      at = 10;
    }
    this.#hasMask = masked;
    if (masked) {
      const mask = this.#mask;
      mask[0] = header[at];
      mask[1] = header[at + 1];
      mask[2] = header[at + 2];
      mask[3] = header[at + 3];
    }
    const control = this.#opcode >= 0x8;
    if (control && (length > 125 || !this.#fin)) {
      throw new ProtocolError(
        "protocol",
        "the peer sent a malformed WebSocket control frame",
      );
    }
    if (!control) this.#checkSize(this.#partsCost + length);
    this.#frameLength = length;
    this.#payloadRead = 0;
  }

  #checkSize(size: number): void {
    const max = this.#maxMessageSize;
    if (max >= 0 && size > max + this.#allowance) {
      throw new ProtocolError(
        "protocol",
        `the peer sent a message over the limit of ${this.#maxMessageSize} bytes`,
      );
    }
  }

  #finishFrame(out: WebSocketMessage[], whole?: Uint8Array): void {
    const payload = whole ?? this.#direct ??
      this.#gathered!.take(this.#frameLength);
    // Made again at the next split: an idle connection holds none.
    this.#gathered = undefined;
    this.#direct = undefined;
    this.#frameLength = -1;
    this.#unallocatable = false;
    if (this.#hasMask) applyMask(payload, this.#mask);
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      if (
        opcode !== OPCODE.close && opcode !== OPCODE.ping &&
        opcode !== OPCODE.pong
      ) {
        throw new ProtocolError(
          "protocol",
          `the peer sent WebSocket opcode ${opcode}`,
        );
      }
      out.push({ opcode, payload });
      return;
    }
    if (opcode === OPCODE.continuation) {
      if (this.#fragmentOpcode < 0) {
        throw new ProtocolError(
          "protocol",
          "the peer continued a WebSocket message it never began",
        );
      }
    } else if (opcode === OPCODE.binary || opcode === OPCODE.text) {
      if (this.#fragmentOpcode >= 0) {
        throw new ProtocolError(
          "protocol",
          "the peer began a WebSocket message inside another",
        );
      }
      this.#fragmentOpcode = opcode;
    } else {
      throw new ProtocolError(
        "protocol",
        `the peer sent WebSocket opcode ${opcode}`,
      );
    }
    if (this.#fin && opcode !== OPCODE.continuation) {
      out.push({ opcode, payload });
      this.#fragmentOpcode = -1;
      return;
    }
    // Gathered as a payload split across reads is: a peer sending its
    // message a byte a fragment holds twice what it sent, not a view each.
    const fragments = this.#fragments ??= new Gathered();
    // An empty fragment adds nothing: none is kept.
    if (payload.length > 0) {
      fragments.add(payload, Infinity);
      this.#partsCost += Math.max(payload.length, _FRAGMENT_COST);
    }
    if (!this.#fin) return;
    out.push({
      opcode: this.#fragmentOpcode,
      payload: fragments.take(fragments.length),
    });
    this.#fragments = undefined;
    this.#partsCost = 0;
    this.#fragmentOpcode = -1;
  }
}

/** What a fragment held counts at least, against the limit (a view's cost). */
const _FRAGMENT_COST = 64;

/** A frame header's size, from its second byte (mask bit and length). */
function _headerSize(second: number): number {
  const length = second & 0x7f;
  const extra = length < 126 ? 0 : length === 126 ? 2 : 8;
  return 2 + extra + (second & 0x80 ? 4 : 0);
}
