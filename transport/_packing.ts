/**
 * How a burst of messages crosses between isolates: packed into one buffer,
 * which is transferred, not copied; on the other side the frames are views
 * into it. Frames whose sender gave up their memory (`send` with
 * `transfer`) cross in their own buffers instead, transferred beside it.
 *
 * @module
 */

/**
 * Frames this long or longer, when their sender gives them up, cross in
 * their own transferred buffer; shorter ones are copied into the batch,
 * which costs less than a transfer does.
 */
export const TRANSFER_MIN_BYTES = 16 * 1024;
/** A frame's entry in a batch when its buffer crosses on its own. */
const _TRANSFERRED = 0xffff_ffff;
/** That entry: the marker, the buffer's index, the offset, the length. */
const _TRANSFERRED_ENTRY = 16;

/**
 * A frame whose sender gave up its memory: between isolates its
 * `ArrayBuffer` is transferred (and detached here), not copied.
 */
export class TransferredFrame extends Uint8Array {}

/**
 * Marks the frames of a message its sender gives up: those long enough to
 * be worth a transfer and spanning the whole of an `ArrayBuffer`. A frame
 * that is a view into a larger buffer (a received frame, a slice) shares
 * that buffer with other bytes, which a transfer would take too: it is
 * copied. The array must be the sender's own copy.
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
      frame.byteOffset !== 0 || frame.byteLength !== buffer.byteLength ||
      frame instanceof TransferredFrame
    ) {
      continue;
    }
    frames[i] = new TransferredFrame(buffer, 0, frame.length);
  }
}

/**
 * The frame as an ordinary view: what a receiver in the sender's own
 * isolate gets, so that passing the message on does not give it up again.
 */
export function keptFrame(frame: Uint8Array): Uint8Array {
  return frame instanceof TransferredFrame
    ? new Uint8Array(frame.buffer, frame.byteOffset, frame.length)
    : frame;
}

/**
 * The bytes a message takes in a batch, every frame copied: what flow
 * control counts, however the frames cross.
 */
export function packedSize(frames: readonly Uint8Array[]): number {
  let size = 4;
  for (let i = 0; i < frames.length; i++) size += 4 + frames[i].length;
  return size;
}

/** Whether a frame crosses in its own buffer, given a transfer list. */
function _crossesAlone(frame: Uint8Array): boolean {
  // A frame given up is whole and long enough when sent; a buffer detached
  // since (given up again, or by its owner) has no bytes left: packed empty.
  return frame instanceof TransferredFrame &&
    frame.length >= TRANSFER_MIN_BYTES;
}

/**
 * The bytes a message takes in a batch with a transfer list: less than
 * {@linkcode packedSize} by what crosses in buffers of its own.
 */
function _batchSize(frames: readonly Uint8Array[]): number {
  let size = 4;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    size += _crossesAlone(frame) ? _TRANSFERRED_ENTRY : 4 + frame.length;
  }
  return size;
}

/** The bytes messages take packed, as their frames are now. */
function _sizeOf(
  messages: readonly Uint8Array[][],
  transfers?: ArrayBuffer[],
): number {
  let size = 4;
  for (const frames of messages) {
    size += transfers ? _batchSize(frames) : packedSize(frames);
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
 * @param size The packed size, if known; a frame that grew since it was
 * counted (over a resizable buffer) makes the packing fail with a
 * `RangeError`, and without `size` the frames are measured as they are.
 */
export function packMessages(
  messages: readonly Uint8Array[][],
  transfers?: ArrayBuffer[],
  size: number = _sizeOf(messages, transfers),
): ArrayBuffer {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, messages.length, true);
  let offset = 4;
  for (const frames of messages) {
    view.setUint32(offset, frames.length, true);
    offset += 4;
    for (const frame of frames) {
      if (transfers && _crossesAlone(frame)) {
        const buffer = frame.buffer as ArrayBuffer;
        let index = transfers.indexOf(buffer);
        if (index < 0) index = transfers.push(buffer) - 1;
        view.setUint32(offset, _TRANSFERRED, true);
        view.setUint32(offset + 4, index, true);
        view.setUint32(offset + 8, frame.byteOffset, true);
        view.setUint32(offset + 12, frame.length, true);
        offset += _TRANSFERRED_ENTRY;
        continue;
      }
      view.setUint32(offset, frame.length, true);
      if (frame.length > 0) bytes.set(frame, offset + 4);
      offset += 4 + frame.length;
    }
  }
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
  /** Packs the same messages again, every frame copied. */
  copied(): ArrayBuffer;
}

/** The messages of the next batch, their frames not yet copied. */
export class Batch {
  #messages: Uint8Array[][] = [];
  /** Its size as flow control counts it, every frame copied. */
  #bytes = 0;
  /** Its size in the buffer it is packed into: less by the frames given up. */
  #packed = 4;

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
    this.#messages.push(frames as Uint8Array[]);
    const size = packedSize(frames);
    this.#bytes += size;
    // Too short to hold a frame worth transferring: packed whole.
    this.#packed += size < TRANSFER_MIN_BYTES ? size : _batchSize(frames);
  }

  /** Packs the messages, and starts a new batch. */
  take(): PackedBatch {
    const messages = this.#messages;
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
      // A frame grew since it was counted: measured again as it is now.
      transfers.length = 0;
      buffer = packMessages(messages, listed);
    }
    return { buffer, transfers, bytes, copied: () => packMessages(messages) };
  }
}

/** The messages of a packed buffer and the buffers transferred with it. */
export function unpackMessages(
  buffer: ArrayBuffer,
  transfers: readonly ArrayBuffer[] = [],
): Uint8Array[][] {
  const view = new DataView(buffer);
  const messages: Uint8Array[][] = [];
  const count = view.getUint32(0, true);
  let offset = 4;
  for (let m = 0; m < count; m++) {
    const frames: Uint8Array[] = [];
    const frameCount = view.getUint32(offset, true);
    offset += 4;
    for (let f = 0; f < frameCount; f++) {
      const length = view.getUint32(offset, true);
      if (length === _TRANSFERRED) {
        frames.push(
          new Uint8Array(
            transfers[view.getUint32(offset + 4, true)],
            view.getUint32(offset + 8, true),
            view.getUint32(offset + 12, true),
          ),
        );
        offset += _TRANSFERRED_ENTRY;
        continue;
      }
      // The constructor, not subarray(): a third less time, as subarray()
      // looks up the species first.
      frames.push(new Uint8Array(buffer, offset + 4, length));
      offset += 4 + length;
    }
    messages.push(frames);
  }
  return messages;
}
