/**
 * How a burst of messages crosses between isolates: packed into one buffer,
 * which is transferred, not copied; on the other side the frames are views
 * into it.
 *
 * @module
 */

/**
 * Packs messages into one buffer: per message a frame count, then per
 * frame its length and bytes (32-bit little-endian counts).
 */
export function packMessages(
  messages: readonly Uint8Array[][],
  size = _packedSize(messages),
): ArrayBuffer {
  size += 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, messages.length, true);
  let offset = 4;
  for (const frames of messages) {
    view.setUint32(offset, frames.length, true);
    offset += 4;
    for (const frame of frames) {
      view.setUint32(offset, frame.length, true);
      bytes.set(frame, offset + 4);
      offset += 4 + frame.length;
    }
  }
  return bytes.buffer;
}

/** The messages of a packed buffer, their frames views into it. */
export function unpackMessages(buffer: ArrayBuffer): Uint8Array[][] {
  const bytes = new Uint8Array(buffer);
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
      frames.push(bytes.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    messages.push(frames);
  }
  return messages;
}

/** The packed size of messages, but for the leading count. */
function _packedSize(messages: readonly Uint8Array[][]): number {
  let size = 0;
  for (const frames of messages) {
    size += 4;
    for (const frame of frames) size += 4 + frame.length;
  }
  return size;
}
