/**
 * How a burst of messages crosses between isolates: packed into one buffer,
 * which is transferred, not copied; on the other side the frames are views
 * into it. Frames whose sender gave up their memory (`send` with
 * `transfer`) cross in their own buffers instead, transferred beside it.
 *
 * @module
 */

import { copyBytes } from "../codec/_output_buffer.ts";

/**
 * Frames this long or longer, when their sender gives them up, cross in
 * their own transferred buffer; shorter ones are copied into the batch,
 * which costs less than a transfer does.
 */
export const TRANSFER_MIN_BYTES = 16 * 1024;
/**
 * The version of this packing, which both ends of a link must share: a
 * peer isolate that loaded another version of the library is refused.
 */
export const PACKING_VERSION = 2;

/** Why a peer that packs as `version` is refused, if it is. */
export function packingRefusal(version: unknown): string | undefined {
  return version === PACKING_VERSION
    ? undefined
    : `the peer packs messages as version ${version}, not ${PACKING_VERSION}`;
}
/** A frame's entry in a batch when its buffer crosses on its own. */
const _TRANSFERRED = 0xffff_ffff;
/**
 * That entry: the marker, the buffer's index, and the frame's length as a
 * 64-bit float (exact to 2^53), from the buffer's start: a frame crosses
 * alone only when it spans its buffer from there.
 */
const _TRANSFERRED_ENTRY = 16;
/**
 * The longest frame a batch holds inline: its length is a 32-bit count,
 * whose largest value marks a frame that crosses alone. A longer frame
 * (4 GiB) crosses alone too, in a copy of its own if not given up.
 */
export const LONGEST_INLINE_BYTES = 0xffff_fffe;

/**
 * A frame whose sender gave up its memory: between isolates its
 * `ArrayBuffer` is transferred (and detached here), not copied.
 */
export class TransferredFrame extends Uint8Array {}

/**
 * A copy made of a frame too long to pack inline: ours to transfer, given
 * up or not, and whatever else the batch may have to copy.
 */
class _OwnCopy extends TransferredFrame {}

/**
 * The frame, or an own copy of it if too long to pack inline, unless it is
 * a `crossing` frame, which crosses alone as it is.
 */
function _ownIfLong(
  frame: Uint8Array,
  longest: number,
  crossing: typeof TransferredFrame = TransferredFrame,
): Uint8Array {
  return frame.length > longest && !(frame instanceof crossing)
    // The constructor copies: a Node Buffer's slice() shares its memory.
    ? new _OwnCopy(new Uint8Array(frame).buffer)
    : frame;
}

/**
 * Marks the frames of a message its sender gives up: those long enough to
 * be worth a transfer and spanning the whole of an `ArrayBuffer`. A frame
 * that is a view into a larger buffer (a received frame, a slice) shares
 * that buffer with other bytes, which a transfer would take too: it is
 * copied; so is one of a resizable buffer, which stays resizable across a
 * transfer, and which a browser refuses as a `BufferSource`. The array
 * must be the sender's own copy.
 *
 * Nothing is recorded: a buffer given up twice goes with the first message
 * that leaves, and a later send finds it detached, empty, and sends an
 * empty frame, as for any frame whose buffer is detached.
 */
export function giveUp(frames: Uint8Array[]): void {
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    const buffer = frame.buffer;
    if (
      frame.length < TRANSFER_MIN_BYTES || !(buffer instanceof ArrayBuffer) ||
      buffer.resizable || frame.byteOffset !== 0 ||
      frame.byteLength !== buffer.byteLength ||
      frame instanceof TransferredFrame
    ) {
      continue;
    }
    frames[i] = new TransferredFrame(buffer, 0, frame.length);
  }
}

/**
 * The frame as a receiver in the sender's own isolate gets it: an ordinary
 * view, so that passing the message on does not give it up again; the
 * frame itself if it views a fixed-length `ArrayBuffer`; else (shared
 * memory, a resizable buffer, which a browser refuses as a
 * `BufferSource`) a copy, as any other transport hands out.
 */
export function keptFrame(frame: Uint8Array): Uint8Array<ArrayBuffer> {
  const buffer = frame.buffer;
  // The constructor copies: a Node Buffer's slice() shares its memory.
  if (!(buffer instanceof ArrayBuffer) || buffer.resizable) {
    return new Uint8Array(frame);
  }
  return frame instanceof TransferredFrame
    ? new Uint8Array(buffer, frame.byteOffset, frame.length)
    : frame as Uint8Array<ArrayBuffer>;
}

/**
 * The bytes a message takes in a batch, every frame copied: what flow
 * control counts, however the frames cross.
 */
function packedSize(frames: readonly Uint8Array[]): number {
  let size = 4;
  for (let i = 0; i < frames.length; i++) size += 4 + frames[i].length;
  return size;
}

/** Which frames cross in buffers of their own. */
type _Alone = (frame: Uint8Array) => boolean;

/** With the frames given up: those, and the own copies of long frames. */
const _crossesAlone: _Alone = (frame) =>
  // A frame given up is whole and long enough when sent; a buffer detached
  // since (given up again, or by its owner) has no bytes left: packed empty.
  frame instanceof _OwnCopy ||
  (frame instanceof TransferredFrame && frame.length >= TRANSFER_MIN_BYTES);

/** Every frame copied: only the own copies of long frames cross alone. */
const _ownCopy: _Alone = (frame) => frame instanceof _OwnCopy;

/**
 * The bytes a message takes in a batch with a transfer list: less than
 * {@linkcode packedSize} by what crosses in buffers of its own.
 */
function _batchSize(
  frames: readonly Uint8Array[],
  alone: _Alone = _crossesAlone,
): number {
  let size = 4;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    size += alone(frame) ? _TRANSFERRED_ENTRY : 4 + frame.length;
  }
  return size;
}

/** The bytes messages take packed, as their frames are now. */
function _sizeOf(
  messages: readonly Uint8Array[][],
  transfers: ArrayBuffer[] | undefined,
  alone: _Alone,
): number {
  let size = 4;
  for (const frames of messages) {
    size += transfers ? _batchSize(frames, alone) : packedSize(frames);
  }
  return size;
}

/**
 * Packs messages into one buffer: per message a frame count, then per
 * frame its length and bytes (32-bit little-endian counts). With
 * `transfers`, the buffers of frames given up go there instead (each
 * once), and their entries name them. A frame whose buffer was detached
 * since its send has no bytes left, and packs as empty.
 *
 * @param transfers Where the buffers that cross alone go.
 * @param size The packed size, if known; a frame that grew since it was
 * counted (over a resizable buffer) makes the packing fail with a
 * `RangeError`, and without `size` the frames are measured as they are.
 * @param alone Which frames cross alone, given `transfers`: by default
 * those given up (and own copies of long frames).
 * @throws {RangeError} For a frame to pack inline that is longer than
 * {@linkcode LONGEST_INLINE_BYTES}, whose length a batch cannot hold.
 */
export function packMessages(
  messages: readonly Uint8Array[][],
  transfers?: ArrayBuffer[],
  size?: number,
  alone: _Alone = _crossesAlone,
): ArrayBuffer {
  size ??= _sizeOf(messages, transfers, alone);
  // Only a batch this long can hold a frame too long for it.
  if (size > LONGEST_INLINE_BYTES) _refuseLong(messages, transfers, alone);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, messages.length, true);
  let offset = 4;
  for (const frames of messages) {
    view.setUint32(offset, frames.length, true);
    offset += 4;
    for (const frame of frames) {
      if (transfers && alone(frame)) {
        const buffer = frame.buffer as ArrayBuffer;
        let index = transfers.indexOf(buffer);
        if (index < 0) index = transfers.push(buffer) - 1;
        view.setUint32(offset, _TRANSFERRED, true);
        view.setUint32(offset + 4, index, true);
        view.setFloat64(offset + 8, frame.length, true);
        offset += _TRANSFERRED_ENTRY;
        continue;
      }
      const length = frame.length;
      view.setUint32(offset, length, true);
      copyBytes(bytes, offset + 4, frame);
      offset += 4 + length;
    }
  }
  // Bytes copied one by one past the end are dropped where `set` throws:
  // a small last frame that grew since it was counted ends here.
  if (offset > size) throw new RangeError("a frame grew since it was counted");
  return bytes.buffer;
}

/** A batch packed: what crosses, and what flow control counts of it. */
export interface PackedBatch {
  /** The batch, packed. */
  buffer: ArrayBuffer;
  /** The buffers of the frames given up, which cross beside it. */
  transfers: ArrayBuffer[];
  /** Its {@linkcode packedSize}s summed when sent, and 4: what flow control counts. */
  bytes: number;
  /**
   * Packs the same messages again, every frame copied: into the batch, or
   * if too long for it, into a buffer of its own, which crosses beside it.
   */
  copied(): { buffer: ArrayBuffer; transfers: ArrayBuffer[] };
}

/** The messages of the next batch, their frames not yet copied. */
export class Batch {
  #longest: number;
  #messages: Uint8Array[][] = [];
  /** Its size as flow control counts it, every frame copied. */
  #bytes = 0;
  /** Its size in the buffer it is packed into: less by the frames given up. */
  #packed = 4;

  /**
   * @param longestInline The longest frame packed inline; longer ones cross
   * alone ({@linkcode LONGEST_INLINE_BYTES}; less only in tests).
   */
  constructor(longestInline: number = LONGEST_INLINE_BYTES) {
    this.#longest = longestInline;
  }

  /** The size flow control counts so far, every frame copied. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many messages it holds. */
  get length(): number {
    return this.#messages.length;
  }

  /** Adds a message; its frames are read when the batch is packed. */
  add(frames: readonly Uint8Array[]): void {
    const size = packedSize(frames);
    const longest = this.#longest;
    // Only a message this long can hold a frame too long to pack inline.
    if (size > longest) frames = frames.map((f) => _ownIfLong(f, longest));
    const messages = this.#messages;
    // An indexed store, which V8 inlines, where `push` is a builtin call.
    messages[messages.length] = frames as Uint8Array[];
    this.#bytes += size;
    // Too short to hold a frame that crosses alone: packed whole.
    this.#packed += size < TRANSFER_MIN_BYTES && size <= longest
      ? size
      : _batchSize(frames);
  }

  /** Packs the messages, and starts a new batch. */
  take(): PackedBatch {
    const longest = this.#longest;
    let messages = this.#messages;
    const bytes = this.#bytes + 4;
    const packed = this.#packed;
    this.#messages = [];
    this.#bytes = 0;
    this.#packed = 4;
    const transfers: ArrayBuffer[] = [];
    const listed = packed === bytes ? undefined : transfers;
    let buffer: ArrayBuffer;
    try {
      buffer = packMessages(messages, listed, packed);
    } catch {
      // A frame grew since it was counted (over a resizable buffer):
      // measured again as it is now, copied to cross alone if too long.
      transfers.length = 0;
      messages = messages.map((frames) =>
        frames.map((frame) => _ownIfLong(frame, longest))
      );
      buffer = packMessages(messages, transfers);
    }
    const copied = () => {
      const own: ArrayBuffer[] = [];
      // Given up or not, a frame too long for the batch needs its own copy.
      const copies = messages.map((frames) =>
        frames.map((frame) => _ownIfLong(frame, longest, _OwnCopy))
      );
      const buffer = packMessages(copies, own, undefined, _ownCopy);
      return { buffer, transfers: own };
    };
    return { buffer, transfers, bytes, copied };
  }
}

/** Throws for a frame that would pack inline and is too long to. */
function _refuseLong(
  messages: readonly Uint8Array[][],
  transfers: ArrayBuffer[] | undefined,
  alone: _Alone,
): void {
  for (const frames of messages) {
    for (const frame of frames) {
      if (frame.length > LONGEST_INLINE_BYTES && !(transfers && alone(frame))) {
        throw new RangeError("a frame too long to pack inline");
      }
    }
  }
}

/**
 * The last buffer {@linkcode unpackMessages} allocated: kept, a precaution
 * lest a bundler or an engine ever drop an allocation left unused.
 */
const _allocated: { buffer?: ArrayBuffer } = {};

/** The messages of a packed buffer and the buffers transferred with it. */
export function unpackMessages(
  buffer: ArrayBuffer,
  transfers: readonly ArrayBuffer[] = [],
): Uint8Array<ArrayBuffer>[][] {
  // V8 weighs an isolate's young array buffers, to collect them while
  // young, only when the isolate allocates one, and a buffer transferred in
  // is not allocated here: a reader that allocated none kept every batch
  // until a full collection (64 KiB between two Workers: 46-48k messages/s
  // and 450 MB resident; with this byte 60-61k and 230 MB; a reader
  // holding 30-40 MB of its own, 30-40k and 1.7-2.7 GB, now 55-65k and
  // 260-275 MB; frames given up, 40-42k and 1.9 GB, now 60-62k and 350 MB).
  // One byte: an empty buffer allocates nothing, and is not weighed.
  _allocated.buffer = new ArrayBuffer(1);
  const view = new DataView(buffer);
  const count = view.getUint32(0, true);
  // Sized up front: growing an array from empty made room for 17.
  const messages: Uint8Array<ArrayBuffer>[][] = new Array(count);
  let offset = 4;
  for (let m = 0; m < count; m++) {
    const frameCount = view.getUint32(offset, true);
    offset += 4;
    let frames: Uint8Array<ArrayBuffer>[] | undefined;
    for (let f = 0; f < frameCount; f++) {
      const length = view.getUint32(offset, true);
      let frame: Uint8Array<ArrayBuffer>;
      if (length === _TRANSFERRED) {
        frame = new Uint8Array(
          transfers[view.getUint32(offset + 4, true)],
          0,
          view.getFloat64(offset + 8, true),
        );
        offset += _TRANSFERRED_ENTRY;
      } else {
        // The constructor, not subarray(): a third less time, as subarray()
        // looks up the species first.
        frame = new Uint8Array(buffer, offset + 4, length);
        offset += 4 + length;
      }
      // A literal of one, exactly sized and packed as received frames
      // are elsewhere: pushing onto `[]` made room for 17.
      if (frames === undefined) frames = [frame];
      else frames.push(frame);
    }
    messages[m] = frames ?? [];
  }
  return messages;
}
