/**
 * ZWS 2.0 framing (RFC 45): ZMTP over WebSocket, where each ZMTP frame is
 * one binary WebSocket message, a flags byte and the body, and there is no
 * greeting (the WebSocket sub-protocol names the mechanism).
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import { FLAG_COMMAND, FLAG_MORE, type Frame } from "./frame.ts";
import type { ConnectionOptions } from "./connection_options.ts";
import { Metadata } from "./metadata.ts";
import {
  type FrameOutput,
  OutputBuffer,
  WriteBatch,
  ZERO_COPY_THRESHOLD,
} from "./_output_buffer.ts";
import {
  applyMask,
  MAX_HEADER_SIZE,
  OPCODE,
  randomMask,
  writeWebSocketHeader,
} from "./websocket_frame.ts";

/** ZWS flag bits: not ZMTP's (there, COMMAND is 0x04). */
const ZWS_MORE = 0x01;
const ZWS_COMMAND = 0x02;

/**
 * Reads one ZWS message as a ZMTP frame; the body is a view into it.
 *
 * @throws {ProtocolError} For an empty message or unknown flag bits.
 */
export function parseZwsFrame(message: Uint8Array): Frame {
  if (message.length === 0) {
    throw new ProtocolError("protocol", "the peer sent an empty ZWS message");
  }
  const flags = message[0];
  if (flags & ~(ZWS_MORE | ZWS_COMMAND) || flags === (ZWS_MORE | ZWS_COMMAND)) {
    throw new ProtocolError(
      "protocol",
      `the peer sent a ZWS frame with flags 0x${flags.toString(16)}`,
    );
  }
  return {
    flags: (flags & ZWS_MORE ? FLAG_MORE : 0) |
      (flags & ZWS_COMMAND ? FLAG_COMMAND : 0),
    // The constructor, not subarray(), which looks up the species first.
    body: new Uint8Array(
      message.buffer,
      message.byteOffset + 1,
      message.length - 1,
    ),
  };
}

/** Queues frames as ZWS messages: one message (flags byte, body) each. */
export class ZwsOutput implements FrameOutput {
  #messages: Uint8Array[] = [];
  #pendingBytes = 0;

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  writeFrame(body: Uint8Array, flags: number): void {
    const message = new Uint8Array(body.length + 1);
    message[0] = _zwsFlags(flags);
    message.set(body, 1);
    this.#messages.push(message);
    this.#pendingBytes += message.length;
  }

  reserveFrame(size: number, flags: number): Uint8Array {
    const message = new Uint8Array(size + 1);
    message[0] = _zwsFlags(flags);
    this.#messages.push(message);
    this.#pendingBytes += message.length;
    return message.subarray(1);
  }

  writeRaw(): void {
    // ZWS has no greeting: the WebSocket handshake stands for it.
  }

  take(): Uint8Array[] {
    const messages = this.#messages;
    this.#messages = [];
    this.#pendingBytes = 0;
    return messages;
  }
}

function _zwsFlags(flags: number): number {
  return (flags & FLAG_MORE ? ZWS_MORE : 0) |
    (flags & FLAG_COMMAND ? ZWS_COMMAND : 0);
}

/** A client's bodies up to this long are masked as they are copied. */
const SMALL_MASKED = 64;

/**
 * Queues frames as ZWS messages inside WebSocket frames, for ZWS over a
 * byte stream: headers and small bodies are copied into a shared batch
 * (many frames, one write), masked in place there by a client; a server's
 * large bodies go by reference. A sealed (CURVE) frame is written straight
 * into the batch by `reserveFrame`, and a client masks it once written.
 */
export class WebSocketFrameOutput implements FrameOutput {
  #masked: boolean;
  #batch: WriteBatch;

  /**
   * @param masked Whether to mask every frame (a client's).
   * @param reuse See {@linkcode WriteBatch}: taken chunks are written by the next take.
   */
  constructor(masked: boolean, reuse = false) {
    this.#masked = masked;
    this.#batch = new WriteBatch(reuse);
  }

  /** A client's payload written by the caller of `reserveFrame`, to mask. */
  #unmasked: { payload: Uint8Array; mask: Uint8Array } | undefined;

  get pendingBytes(): number {
    return this.#batch.pendingBytes;
  }

  reserveFrame(size: number, flags: number): Uint8Array {
    this.#maskReserved();
    const batch = this.#batch;
    const buffer = batch.reserve(MAX_HEADER_SIZE + 1 + size);
    const start = batch.end;
    const mask = this.#masked ? randomMask() : undefined;
    const payload = start +
      writeWebSocketHeader(buffer, start, OPCODE.binary, size + 1, mask);
    buffer[payload] = _zwsFlags(flags);
    const end = payload + 1 + size;
    batch.advance(end - start);
    // The body is not there yet: it is masked before anything follows it.
    if (mask) this.#unmasked = { payload: buffer.subarray(payload, end), mask };
    return buffer.subarray(payload + 1, end);
  }

  writeFrame(body: Uint8Array, flags: number): void {
    this.#maskReserved();
    const batch = this.#batch;
    const size = body.length + 1;
    const copy = this.#masked || body.length < ZERO_COPY_THRESHOLD;
    const buffer = batch.reserve(
      MAX_HEADER_SIZE + 1 + (copy ? body.length : 0),
    );
    const start = batch.end;
    const mask = this.#masked ? randomMask() : undefined;
    let at = start +
      writeWebSocketHeader(buffer, start, OPCODE.binary, size, mask);
    const payload = at;
    buffer[at++] = _zwsFlags(flags);
    if (mask && body.length <= SMALL_MASKED) {
      // Copied and masked in one pass: no view, no call to `set`.
      buffer[payload] ^= mask[0];
      for (let i = 0, j = 1; i < body.length; i++, j++) {
        buffer[at + i] = body[i] ^ mask[j & 3];
      }
      at += body.length;
    } else if (copy) {
      buffer.set(body, at);
      at += body.length;
      if (mask) applyMask(buffer.subarray(payload, at), mask);
    }
    batch.advance(at - start);
    if (!copy) batch.append(body);
  }

  writeRaw(): void {
    // ZWS has no greeting: the WebSocket handshake stands for it.
  }

  take(): Uint8Array[] {
    this.#maskReserved();
    return this.#batch.take();
  }

  #maskReserved(): void {
    const unmasked = this.#unmasked;
    if (!unmasked) return;
    this.#unmasked = undefined;
    applyMask(unmasked.payload, unmasked.mask);
  }
}

/**
 * Where a connection queues its frames: ZMTP's own framing, or ZWS 2.0's,
 * in WebSocket frames of its own where the link does not frame them.
 */
export function frameOutput(options: ConnectionOptions): FrameOutput {
  if (options.framing !== "zws") return new OutputBuffer(options.reuseOutput);
  return options.websocket
    ? new WebSocketFrameOutput(
      options.websocket === "client",
      options.reuseOutput,
    )
    : new ZwsOutput();
}

/**
 * Whether a server takes a peer that asks for ZWS2.0 without a mechanism,
 * as a browser must: not while its NULL authenticates (a domain is set),
 * since such a peer has no handshake a verdict could be asked of, and
 * would come in unasked (libzmq's ws engine lets it).
 */
export function takesZwsWithoutMechanism(options: ConnectionOptions): boolean {
  // Asked of the mechanism itself (NullMechanism's), however it was made.
  const mechanism = options.mechanism?.(new Metadata()) as
    | { authenticates?: boolean }
    | undefined;
  return mechanism?.authenticates !== true;
}

/**
 * A WebSocket's own bytes (HTTP head, PONG) and its inner frames go as one
 * chunk up to this size: a write costs microseconds, such a copy far less.
 */
const JOIN_BYTES = 4096;

/**
 * `ours` then `inner`, as one chunk if small enough.
 *
 * @example
 * ```ts ignore
 * const [chunk] = joinChunks([head], frames);
 * ```
 */
export function joinChunks(
  ours: Uint8Array[],
  inner: Uint8Array[],
): Uint8Array[] {
  if (inner.length === 0 && ours.length === 1) return ours;
  let size = 0;
  for (const chunk of ours) size += chunk.length;
  for (const chunk of inner) size += chunk.length;
  if (size > JOIN_BYTES) return [...ours, ...inner];
  const joined = new Uint8Array(size);
  let at = 0;
  for (const chunk of [...ours, ...inner]) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return [joined];
}
