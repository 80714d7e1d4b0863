/** How messages are packed to cross between isolates. */
import {
  assert,
  assertEquals,
  assertFalse,
  assertNotStrictEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Buffer } from "node:buffer";
import {
  Batch,
  giveUp,
  keptFrame,
  LONGEST_INLINE_BYTES,
  packMessages,
  TRANSFER_MIN_BYTES,
  TransferredFrame,
  unpackMessages,
} from "../../transport/_packing.ts";

const frame = (length: number, fill: number) =>
  new Uint8Array(length).fill(fill);
const copies = (messages: Uint8Array[][]) =>
  messages.map((frames) => frames.map((frame) => Uint8Array.from(frame)));

Deno.test("packing: frames given up cross in their own buffers, the rest copied, and unpack to the same bytes", () => {
  const messages = [
    [frame(3, 1), frame(0, 0), frame(TRANSFER_MIN_BYTES, 2)],
    [frame(2 * TRANSFER_MIN_BYTES, 3)],
    [frame(TRANSFER_MIN_BYTES - 1, 5)],
  ];
  const expected = copies(messages);
  for (const frames of messages) giveUp(frames);
  assertEquals(
    messages.map((frames) =>
      frames.map((frame) => frame instanceof TransferredFrame)
    ),
    [[false, false, true], [true], [false]],
  );
  const batch = new Batch();
  for (const frames of messages) batch.add(frames);
  const { buffer, transfers, bytes } = batch.take();
  assertEquals(transfers.length, 2);
  // Flow control counts every frame as copied, however it crosses.
  assertEquals(
    bytes,
    4 + (4 + 15 + TRANSFER_MIN_BYTES) +
      (8 + 2 * TRANSFER_MIN_BYTES) + (8 + TRANSFER_MIN_BYTES - 1),
  );
  assertEquals(copies(unpackMessages(buffer, transfers)), expected);
  assertEquals(batch.length, 0);
});

Deno.test("packing: a frame that is a view into a larger buffer (a received frame, a slice) is copied, not given up", () => {
  const shared = new ArrayBuffer(3 * TRANSFER_MIN_BYTES);
  const frames = [
    new Uint8Array(shared, 0, TRANSFER_MIN_BYTES).fill(6),
    new Uint8Array(shared, TRANSFER_MIN_BYTES, 2 * TRANSFER_MIN_BYTES),
  ];
  giveUp(frames);
  assertEquals(frames.map((frame) => frame instanceof TransferredFrame), [
    false,
    false,
  ]);
  const batch = new Batch();
  batch.add(frames);
  assertEquals(batch.take().transfers, []);
});

Deno.test("packing: a frame whose buffer was detached after its send packs as empty, and the batch still crosses", () => {
  const frames = [frame(100, 8), frame(5, 9)];
  const batch = new Batch();
  batch.add(frames);
  const buffer = frames[0].buffer;
  structuredClone(buffer, { transfer: [buffer] });
  const { buffer: packed, transfers, copied } = batch.take();
  assertEquals(transfers, []);
  const expected = [[new Uint8Array(0), frame(5, 9)]];
  assertEquals(copies(unpackMessages(packed)), expected);
  const copy = copied();
  assertEquals(copy.transfers, []);
  assertEquals(copies(unpackMessages(copy.buffer)), expected);
});

Deno.test("packing: without a transfer list every frame is copied, given up or not", () => {
  const messages = [[frame(TRANSFER_MIN_BYTES, 6), frame(5, 7)]];
  giveUp(messages[0]);
  const unpacked = unpackMessages(packMessages(messages));
  assertEquals(unpacked[0][0], frame(TRANSFER_MIN_BYTES, 6));
  assertEquals(unpacked[0][1], frame(5, 7));
});

Deno.test("packing: a frame kept in the sender's isolate is an ordinary view of the same bytes", () => {
  const frames = [frame(TRANSFER_MIN_BYTES, 8)];
  const original = frames[0];
  giveUp(frames);
  const kept = keptFrame(frames[0]);
  assertEquals(kept.constructor, Uint8Array);
  assertStrictEquals(kept.buffer, original.buffer);
  assertEquals(kept.length, original.length);
  const plain = frame(4, 9);
  assertStrictEquals(keptFrame(plain), plain);
});

Deno.test("packing: a frame of shared memory or of a resizable buffer is kept as a copy, a Node Buffer's too, and is not given up", () => {
  const shared = new SharedArrayBuffer(TRANSFER_MIN_BYTES);
  const resizable = new ArrayBuffer(TRANSFER_MIN_BYTES, {
    maxByteLength: 2 * TRANSFER_MIN_BYTES,
  });
  for (
    const original of [
      new Uint8Array(shared),
      new Uint8Array(resizable),
      // Its slice() shares memory: a copy made so would still be shared.
      Buffer.from(shared),
    ]
  ) {
    original.fill(5);
    const frames = [original];
    giveUp(frames);
    assertStrictEquals(frames[0], original);
    const kept = keptFrame(original);
    assert(kept.buffer instanceof ArrayBuffer);
    assertEquals(kept.buffer.resizable, false);
    assertNotStrictEquals(kept.buffer, original.buffer);
    assertEquals(kept, new Uint8Array(TRANSFER_MIN_BYTES).fill(5));
  }
});

Deno.test("packing: a frame over a resizable buffer that grew after its send packs as it is now", () => {
  const buffer = new ArrayBuffer(8, { maxByteLength: 64 });
  const growing = new Uint8Array(buffer).fill(1);
  const batch = new Batch();
  batch.add([growing, frame(3, 2)]);
  buffer.resize(40);
  growing.fill(3);
  const { buffer: packed } = batch.take();
  assertEquals(copies(unpackMessages(packed)), [[frame(40, 3), frame(3, 2)]]);
});

Deno.test("packing: a small last frame that grew after its send packs as it is now", () => {
  // Copied byte by byte, past the batch's end, it must not be cut short.
  const buffer = new ArrayBuffer(8, { maxByteLength: 64 });
  const growing = new Uint8Array(buffer).fill(1);
  const batch = new Batch();
  batch.add([frame(3, 2), growing]);
  buffer.resize(20);
  growing.fill(5);
  const { buffer: packed } = batch.take();
  assertEquals(copies(unpackMessages(packed)), [[frame(3, 2), frame(20, 5)]]);
});

Deno.test("packing: frames of 0 to 40 bytes, views at an offset too, cross whole", () => {
  const batch = new Batch();
  const sent: Uint8Array[][] = [];
  const backing = new Uint8Array(100).map((_, i) => i);
  for (let length = 0; length <= 40; length++) {
    const message = [frame(length, length), backing.subarray(7, 7 + length)];
    sent.push(message.map((part) => part.slice()));
    batch.add(message);
  }
  const received = unpackMessages(batch.take().buffer);
  assertEquals(copies(received), sent);
  assertEquals(received.map((frames) => frames.length), sent.map(() => 2));
});

Deno.test("packing: a frame too long to pack inline crosses alone in a copy of its own, and the sender keeps its frame", () => {
  // A batch whose inline limit is 100 bytes stands in for the 4 GiB one.
  const batch = new Batch(100);
  const long = frame(101, 4);
  const messages = [[frame(3, 1), long], [frame(100, 2)]];
  for (const frames of messages) batch.add(frames);
  const { buffer, transfers, bytes, copied } = batch.take();
  assertEquals(transfers.length, 1);
  assertFalse(transfers[0] === long.buffer);
  // Flow control counts it as copied, as any frame.
  assertEquals(bytes, 4 + (4 + 7 + 105) + (4 + 104));
  const expected = [[frame(3, 1), frame(101, 4)], [frame(100, 2)]];
  // Its entry in the batch, not its bytes: exactly.
  assertEquals(buffer.byteLength, 4 + (4 + 7 + 16) + (4 + 104));
  assertEquals(copies(unpackMessages(buffer, transfers)), expected);
  // The fallback that copies every frame still sends it alone.
  const copy = copied();
  assertEquals(copy.transfers.length, 1);
  assertEquals(copy.buffer.byteLength, 4 + (4 + 7 + 16) + (4 + 104));
  assertEquals(copies(unpackMessages(copy.buffer, copy.transfers)), expected);
  assertEquals(long, frame(101, 4));
});

Deno.test("packing: a frame given up that is too long to pack inline crosses alone, and the copying fallback copies it alone", () => {
  const batch = new Batch(100);
  const frames = [frame(TRANSFER_MIN_BYTES + 1, 5)];
  giveUp(frames);
  batch.add(frames);
  const { transfers, copied } = batch.take();
  assertStrictEquals(transfers[0], frames[0].buffer);
  const copy = copied();
  assertFalse(copy.transfers[0] === frames[0].buffer);
  assertEquals(copies(unpackMessages(copy.buffer, copy.transfers)), [
    [frame(TRANSFER_MIN_BYTES + 1, 5)],
  ]);
});

Deno.test("packing: a frame of more than 4 GiB given up keeps its length across (a 64-bit count), and one to pack inline is refused, not cut", () => {
  // Allocated but never written: the memory is not touched.
  const length = 2 ** 32 + 16;
  const frames = [new Uint8Array(length)];
  giveUp(frames);
  const batch = new Batch();
  batch.add(frames);
  const { buffer, transfers } = batch.take();
  const [[arrived]] = unpackMessages(buffer, transfers);
  assertEquals(arrived.length, length);
  assertStrictEquals(arrived.buffer, frames[0].buffer);
  // Refused before the batch is made, for what the frame is.
  assertThrows(
    () => packMessages([[new Uint8Array(LONGEST_INLINE_BYTES + 1)]]),
    RangeError,
    "too long to pack inline",
  );
});
