/**
 * How libzmq frames messages inside PGM data: a byte stream of ZMTP/1.0
 * frames (a length counting the flags byte, 1 byte or 0xff and 8 bytes;
 * a flags byte whose bit 0 is MORE; the body) cut into TSDUs, each led by
 * 2 bytes giving where the first message starting in it begins (0xffff:
 * none does), so that a receiver joining mid-stream starts at a whole
 * message.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import { MAX_MESSAGE_FRAMES, pastMaxFrames } from "./_message_assembler.ts";

const NO_MESSAGE_STARTS = 0xffff;
const MORE = 0x01;

/** Cuts messages into TSDUs as libzmq's PGM sender does. */
export class PgmFrameEncoder {
  #size: number;
  #buffer: Uint8Array | undefined;
  #length = 0;
  #firstMessage = -1;
  #ready: Uint8Array[] = [];
  #readyBytes = 0;

  /** @param tsduBytes The size of a TSDU, its 2-byte offset included. */
  constructor(tsduBytes: number) {
    this.#size = tsduBytes;
  }

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.#readyBytes + this.#length;
  }

  /** Appends a message. */
  encode(frames: readonly Uint8Array[]): void {
    this.#room();
    if (this.#firstMessage < 0) this.#firstMessage = this.#length - 2;
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
      const body = frames[i];
      const length = body.length + 1;
      const flags = i < last ? MORE : 0;
      if (length < 0xff) {
        this.#write(new Uint8Array([length, flags]));
      } else {
        const header = new Uint8Array(10);
        const view = new DataView(header.buffer);
        header[0] = 0xff;
        view.setUint32(1, Math.floor(length / 2 ** 32));
        view.setUint32(5, length >>> 0);
        header[9] = flags;
        this.#write(header);
      }
      this.#write(body);
    }
  }

  /** Closes the TSDU being filled, so that {@linkcode take} has it. */
  flush(): void {
    if (this.#buffer && this.#length > 2) this.#close();
  }

  /** The next whole TSDU, left in place. */
  peek(): Uint8Array | undefined {
    return this.#ready[0];
  }

  /** The next whole TSDU, oldest first. */
  take(): Uint8Array | undefined {
    const tsdu = this.#ready.shift();
    if (tsdu) this.#readyBytes -= tsdu.length;
    return tsdu;
  }

  #room(): void {
    if (this.#buffer && this.#length < this.#size) return;
    if (this.#buffer) this.#close();
    this.#buffer = new Uint8Array(this.#size);
    this.#length = 2;
    this.#firstMessage = -1;
  }

  #write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      this.#room();
      const count = Math.min(bytes.length - done, this.#size - this.#length);
      this.#buffer!.set(bytes.subarray(done, done + count), this.#length);
      this.#length += count;
      done += count;
    }
  }

  #close(): void {
    const tsdu = this.#buffer!.subarray(0, this.#length);
    const offset = this.#firstMessage < 0
      ? NO_MESSAGE_STARTS
      : this.#firstMessage;
    tsdu[0] = offset >>> 8;
    tsdu[1] = offset & 0xff;
    this.#ready.push(tsdu);
    this.#readyBytes += tsdu.length;
    this.#buffer = undefined;
    this.#length = 0;
    this.#firstMessage = -1;
  }
}

/**
 * Reads the messages of one source's TSDUs, in order. Until it has joined
 * the stream it skips to the first message that starts in a TSDU; after a
 * {@linkcode reset} (data lost) it joins again.
 */
export class PgmFrameDecoder {
  #maxMessageSize: number;
  #joined = false;
  #header = new Uint8Array(10);
  #headerFill = 0;
  #bodyLeft = -1;
  #flags = 0;
  #pieces: Uint8Array[] = [];
  #frames: Uint8Array[] = [];

  /** @param maxMessageSize The longest frame taken (each frame of a message alone, as libzmq's); -1: no limit. */
  constructor(maxMessageSize = -1) {
    this.#maxMessageSize = maxMessageSize;
  }

  /** Whether the decoder has found a message start since it last reset. */
  get joined(): boolean {
    return this.#joined;
  }

  /** Forgets any partial message: the next one read starts a TSDU's offset. */
  reset(): void {
    this.#joined = false;
    this.#headerFill = 0;
    this.#bodyLeft = -1;
    this.#pieces = [];
    this.#frames = [];
  }

  /**
   * Reads one TSDU; frames may be views into it, so it must not be
   * written to afterwards.
   *
   * @returns The messages it completes.
   * @throws {ProtocolError} For framing that breaks the rules (the decoder
   * has then reset).
   */
  push(tsdu: Uint8Array): Uint8Array[][] {
    try {
      return this.#push(tsdu);
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  #push(tsdu: Uint8Array): Uint8Array[][] {
    if (tsdu.length < 2) _broken(`a TSDU of ${tsdu.length} bytes`);
    let at = 2;
    if (!this.#joined) {
      const offset = (tsdu[0] << 8) | tsdu[1];
      if (offset === NO_MESSAGE_STARTS) return [];
      at += offset;
      if (at > tsdu.length) _broken(`a message offset past the TSDU`);
      this.#joined = true;
    }
    const messages: Uint8Array[][] = [];
    for (;;) {
      if (this.#bodyLeft < 0) {
        if (at >= tsdu.length) break;
        at = this.#readHeader(tsdu, at);
        if (this.#bodyLeft < 0) break;
      }
      const count = Math.min(this.#bodyLeft, tsdu.length - at);
      if (count > 0) this.#pieces.push(tsdu.subarray(at, at + count));
      at += count;
      this.#bodyLeft -= count;
      if (this.#bodyLeft > 0) break;
      const message = this.#endFrame();
      if (message) messages.push(message);
    }
    return messages;
  }

  /** Reads as much of a frame's header as the TSDU holds. */
  #readHeader(tsdu: Uint8Array, at: number): number {
    const header = this.#header;
    while (at < tsdu.length) {
      header[this.#headerFill++] = tsdu[at++];
      const need = header[0] === 0xff ? 10 : 2;
      if (this.#headerFill < need) continue;
      let length = header[0];
      if (need === 10) {
        const view = new DataView(header.buffer);
        const high = view.getUint32(1);
        if (high >= 2 ** 21) _broken("a frame longer than 2⁵³ bytes");
        length = high * 2 ** 32 + view.getUint32(5);
      }
      if (length === 0) _broken("a frame length of 0");
      this.#flags = header[need - 1];
      this.#headerFill = 0;
      const size = length - 1;
      // Each frame alone, as libzmq's v1_decoder_t checks ZMQ_MAXMSGSIZE.
      if (this.#maxMessageSize >= 0 && size > this.#maxMessageSize) {
        _broken(
          `a frame longer than maxMessageSize (${this.#maxMessageSize} bytes)`,
        );
      }
      this.#bodyLeft = size;
      return at;
    }
    return at;
  }

  #endFrame(): Uint8Array[] | undefined {
    const pieces = this.#pieces;
    this.#pieces = [];
    this.#bodyLeft = -1;
    let frame: Uint8Array;
    if (pieces.length === 1) frame = pieces[0];
    else {
      let total = 0;
      for (const piece of pieces) total += piece.length;
      frame = new Uint8Array(total);
      let at = 0;
      for (const piece of pieces) {
        frame.set(piece, at);
        at += piece.length;
      }
    }
    this.#frames.push(frame);
    if (this.#flags & MORE) {
      // A source that never ends a message would fill the heap (see
      // MAX_MESSAGE_FRAMES).
      if (pastMaxFrames(this.#frames.length)) {
        this.#frames = [];
        _broken(`a message of more than ${MAX_MESSAGE_FRAMES} frames`);
      }
      return undefined;
    }
    const message = this.#frames;
    this.#frames = [];
    return message;
  }
}

function _broken(what: string): never {
  throw new ProtocolError("protocol", `PGM data with ${what}`);
}
