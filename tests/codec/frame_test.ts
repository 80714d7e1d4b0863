import { assert, assertEquals, assertThrows } from "@std/assert";
import { concat } from "@std/bytes";
import * as codec from "../../codec/mod.ts";

const text = new TextEncoder();

Deno.test("frame: short and long headers are byte-exact", () => {
  assertEquals(
    codec.encodeFrame(text.encode("hi"), codec.FLAG_MORE),
    new Uint8Array([0x01, 2, 0x68, 0x69]),
  );
  const long = codec.encodeFrame(new Uint8Array(300), 0);
  assertEquals(
    long.subarray(0, 9),
    new Uint8Array([2, 0, 0, 0, 0, 0, 0, 1, 44]),
  );
  assertEquals(long.length, 309);
  const empty = codec.encodeFrame(new Uint8Array(), 0);
  assertEquals(empty, new Uint8Array([0, 0]));
});

Deno.test("frame: a stream split at every byte boundary decodes the same", () => {
  const bodies = [
    new Uint8Array(),
    text.encode("a"),
    new Uint8Array(255).fill(7),
    new Uint8Array(256).fill(8),
    new Uint8Array(1000).map((_, i) => i),
  ];
  const wire = concat(
    bodies.map((body, i) =>
      codec.encodeFrame(body, i < bodies.length - 1 ? codec.FLAG_MORE : 0)
    ),
  );
  for (let split = 0; split <= wire.length; split++) {
    const decoder = new codec.FrameDecoder();
    const frames = [
      ...decoder.decode(wire.subarray(0, split)),
      ...decoder.decode(wire.subarray(split)),
    ];
    assertEquals(frames.map((f) => f.body), bodies, `split at ${split}`);
    assertEquals(frames.map((f) => f.flags), [1, 1, 1, 1, 0]);
    assertEquals(decoder.idle, true);
  }
  // And one byte at a time.
  const decoder = new codec.FrameDecoder();
  const frames = [];
  for (let i = 0; i < wire.length; i++) {
    frames.push(...decoder.decode(wire.subarray(i, i + 1)));
  }
  assertEquals(frames.map((f) => f.body), bodies);
});

Deno.test("frame: a frame inside one chunk is a view, not a copy", () => {
  const wire = codec.encodeFrame(text.encode("zero-copy"), 0);
  const [frame] = new codec.FrameDecoder().decode(wire);
  assertEquals(frame.body.buffer, wire.buffer);
});

Deno.test("frame: reserved bits are a protocol error", () => {
  const error = assertThrows(
    () => new codec.FrameDecoder().decode(new Uint8Array([0x08, 0])),
    codec.ProtocolError,
  );
  assertEquals(error.kind, "protocol");
});

Deno.test("frame: a declared size over the limit fails before the body arrives", () => {
  const decoder = new codec.FrameDecoder({ maxFrameSize: 100 });
  assertThrows(
    () => decoder.decode(new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0, 0])),
    codec.ProtocolError,
    "over the limit",
  );
});

Deno.test("frame: frames before a malformed one are still returned", () => {
  const frames: codec.Frame[] = [];
  const wire = concat([
    codec.encodeFrame(text.encode("ok"), 0),
    new Uint8Array([0xff, 0]),
  ]);
  assertThrows(
    () => new codec.FrameDecoder().decode(wire, frames),
    codec.ProtocolError,
  );
  assertEquals(frames.length, 1);
});

Deno.test("frame: a large body read straight into its own buffer is not copied again", () => {
  const body = new Uint8Array(100_000).map((_, i) => i % 256);
  const wire = codec.encodeFrame(body, 0);
  for (const firstChunk of [9, 1000, 50_000]) {
    const decoder = new codec.FrameDecoder();
    assertEquals(decoder.decode(wire.subarray(0, firstChunk)), []);
    const target = decoder.directReadTarget()!;
    assertEquals(target.length, 100_009 - firstChunk);
    // Fill it in two reads, as a socket would.
    target.set(wire.subarray(firstChunk, firstChunk + 10));
    assertEquals(decoder.decode(target.subarray(0, 10)), []);
    const rest = decoder.directReadTarget()!;
    assertEquals(rest.buffer, target.buffer);
    rest.set(wire.subarray(firstChunk + 10));
    const [frame] = decoder.decode(rest);
    assertEquals(frame.body, body);
    assertEquals(frame.body.buffer, target.buffer);
    assertEquals(decoder.directReadTarget(), undefined);
  }
  // Small frames gather their bytes instead, and frames over 4 MiB until 4
  // MiB of them have come: a size only declared allocates nothing.
  const small = new codec.FrameDecoder();
  small.decode(codec.encodeFrame(new Uint8Array(1000), 0).subarray(0, 20));
  assertEquals(small.directReadTarget(), undefined);
  const huge = new codec.FrameDecoder();
  huge.decode(new Uint8Array([2, 0, 0, 0, 0, 0x10, 0, 0, 0]));
  assertEquals(huge.directReadTarget(), undefined);
});

Deno.test("frame: a body over 4 MiB is read in place once 4 MiB of it have come, not joined from pieces at its end (half the peak)", () => {
  const size = 6 * 1024 * 1024;
  const body = new Uint8Array(size).map((_, i) => (i * 7) % 251);
  const wire = codec.encodeFrame(body, 0);
  const decoder = new codec.FrameDecoder();
  const step = 256 * 1024;
  let at = 0;
  // Gathered in reads of its own until 4 MiB have come.
  for (; decoder.directReadTarget() === undefined; at += step) {
    assertEquals(decoder.decode(wire.subarray(at, at + step)), []);
    assert(at < 9 + 4 * 1024 * 1024, "gathered past 4 MiB");
  }
  assert(at >= 4 * 1024 * 1024);
  const target = decoder.directReadTarget()!;
  assertEquals(target.length, wire.length - at);
  target.set(wire.subarray(at));
  const [frame] = decoder.decode(target);
  assertEquals(frame.body, body);
  assertEquals(frame.body.buffer, target.buffer);
  // A size that no memory holds is not thrown at the reader; the next
  // bytes end the connection, as libzmq's failed allocation does.
  const impossible = new codec.FrameDecoder();
  impossible.decode(new Uint8Array([2, 0, 0, 0x10, 0, 0, 0, 0, 0]));
  impossible.decode(new Uint8Array(4 * 1024 * 1024 + 1));
  assertEquals(impossible.directReadTarget(), undefined);
  assertThrows(
    () => impossible.decode(new Uint8Array(100)),
    codec.ProtocolError,
    "more than memory holds",
  );
});

Deno.test("frame: a body in pieces of 1 to 3,000 bytes decodes the same, its bytes held in one buffer past the first few", () => {
  const body = new Uint8Array(100 * 1024).map((_, i) => (i * 13) % 251);
  const wire = codec.encodeFrame(body, 0);
  const decoder = new codec.FrameDecoder();
  const frames = [];
  const steps = [1, 2, 5, 17, 300, 3000];
  for (let at = 0, i = 0; at < wire.length; i++) {
    const step = steps[i % steps.length];
    frames.push(...decoder.decode(wire.subarray(at, at + step)));
    at += step;
  }
  assertEquals(frames.map((f) => f.body), [body]);
});

Deno.test("frame: a body sent a byte at a time costs its bytes, not an object per read (a peer could make 1 MB of wire hold 100 MB)", () => {
  const decoder = new codec.FrameDecoder();
  // 64 MiB declared: under 4 MiB come, the body is gathered from its reads.
  decoder.decode(new Uint8Array([2, 0, 0, 0, 0, 4, 0, 0, 0]));
  const byte = new Uint8Array([7]);
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) decoder.decode(byte);
  const grown = Deno.memoryUsage().heapUsed - before;
  // A view per read held 70 MB and more; the copy is outside the heap.
  assert(grown < 32 * 1024 * 1024, `heap grew ${grown} bytes`);
  assertEquals(decoder.idle, false);
});
