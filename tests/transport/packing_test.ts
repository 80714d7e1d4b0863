/** How messages are packed to cross between isolates. */
import { assertEquals, assertStrictEquals } from "@std/assert";
import {
  batchSize,
  giveUp,
  keptFrame,
  packedSize,
  packMessages,
  TRANSFER_MIN_BYTES,
  TransferredFrame,
  unpackMessages,
} from "../../transport/_packing.ts";

const frame = (length: number, fill: number) =>
  new Uint8Array(length).fill(fill);

Deno.test("packing: a batch with frames given up unpacks to the same frames, counted as if all were copied", () => {
  const shared = new ArrayBuffer(2 * TRANSFER_MIN_BYTES);
  const messages = [
    [frame(3, 1), frame(0, 0), frame(TRANSFER_MIN_BYTES, 2)],
    [
      new Uint8Array(shared, 0, TRANSFER_MIN_BYTES).fill(3),
      new Uint8Array(shared, TRANSFER_MIN_BYTES).fill(4),
    ],
    [frame(TRANSFER_MIN_BYTES - 1, 5)],
  ];
  const expected = messages.map((frames) =>
    frames.map((frame) => Uint8Array.from(frame))
  );
  for (const frames of messages) giveUp(frames);
  // The frames long enough are marked; the rest stay as they were.
  assertEquals(
    messages.map((frames) =>
      frames.map((frame) => frame instanceof TransferredFrame)
    ),
    [[false, false, true], [true, true], [false]],
  );
  const counted = messages.reduce((sum, m) => sum + packedSize(m), 0);
  const packed = messages.reduce((sum, m) => sum + batchSize(m), 0);
  const transfers: ArrayBuffer[] = [];
  const buffer = packMessages(messages, packed, transfers);
  assertEquals(buffer.byteLength, packed + 4);
  // Two buffers cross: the one frame's own, and the one two frames share.
  assertEquals(transfers.length, 2);
  const unpacked = unpackMessages(buffer, transfers);
  assertEquals(
    unpacked.messages.map((frames) =>
      frames.map((frame) => Uint8Array.from(frame))
    ),
    expected,
  );
  assertEquals(unpacked.bytes, counted + 4);
  assertStrictEquals(unpacked.messages[1][0].buffer, shared);
});

Deno.test("packing: without a transfer list every frame is copied, given up or not", () => {
  const messages = [[frame(TRANSFER_MIN_BYTES, 6), frame(5, 7)]];
  giveUp(messages[0]);
  const counted = packedSize(messages[0]);
  const buffer = packMessages(messages, counted);
  const unpacked = unpackMessages(buffer);
  assertEquals(unpacked.bytes, counted + 4);
  assertEquals(unpacked.messages[0][0], frame(TRANSFER_MIN_BYTES, 6));
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
