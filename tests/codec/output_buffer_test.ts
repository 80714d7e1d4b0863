/**
 * The write batch: frames coalesced into shared buffers, large bodies by
 * reference, and, for a link that writes each batch before it takes the
 * next, buffers filled again instead of allocated per message (what bounds
 * a CURVE sender's memory).
 */
import { assert, assertEquals, assertLessOrEqual } from "@std/assert";
import * as codec from "../../codec/mod.ts";
import { OutputBuffer, WriteBatch } from "../../codec/_output_buffer.ts";
import { parseZwsFrame, WebSocketFrameOutput } from "../../codec/_zws.ts";
import { CLIENT, SERVER } from "../_keys.ts";
import { expectEvent } from "./_helpers.ts";

/** Fills a batch with `count` records of `size` bytes of `value`. */
function fill(batch: WriteBatch, count: number, size: number, value: number) {
  for (let i = 0; i < count; i++) {
    batch.reserve(size).fill(value, batch.end, batch.end + size);
    batch.advance(size);
  }
}

Deno.test("write batch: small writes share a buffer, large bodies go by reference", () => {
  const output = new OutputBuffer();
  const large = new Uint8Array(8192).fill(7);
  output.writeFrame(new Uint8Array([1, 2, 3]), 0);
  output.writeFrame(large, codec.FLAG_MORE);
  output.writeFrame(new Uint8Array([4]), 0);
  const chunks = output.take();
  assertEquals(chunks.length, 3);
  assertEquals([...chunks[0]], [
    0,
    3,
    1,
    2,
    3,
    codec.FLAG_MORE | 2,
    0,
    0,
    0,
    0,
    0,
    0,
    0x20,
    0,
  ]);
  assertEquals(chunks[1], large, "the body itself, not a copy");
  assert(chunks[1] === large);
  assertEquals([...chunks[2]], [0, 1, 4]);
  assertEquals(output.pendingBytes, 0);
});

Deno.test("write batch: with reuse, two or more bodies by reference in one take go out joined, a lone one by reference", () => {
  const output = new OutputBuffer(true);
  const body = new Uint8Array(64 * 1024).fill(9);
  output.writeFrame(body, 0);
  // A lone one: its header, then the body itself (a copy costs more).
  let chunks = output.take();
  assertEquals(chunks.map((chunk) => chunk.length), [9, 64 * 1024]);
  assert(chunks[1] === body);
  // Three in one take: one chunk, one write, where six were.
  for (let i = 0; i < 3; i++) output.writeFrame(body, 0);
  chunks = output.take();
  assertEquals(chunks.map((chunk) => chunk.length), [3 * (9 + 64 * 1024)]);
  const frames = new codec.FrameDecoder().decode(chunks[0]);
  assertEquals(frames.length, 3);
  for (const frame of frames) assertEquals(frame.body, body);
  // The next take joins into the same buffer: the last was written.
  const first = chunks[0].buffer;
  for (let i = 0; i < 2; i++) output.writeFrame(body, 0);
  assert(output.take()[0].buffer === first);
  // Two 4 KiB bodies: joined into 64 KiB, not 256 (a burst to many peers
  // takes one each).
  const small = new Uint8Array(4096).fill(3);
  for (let i = 0; i < 2; i++) output.writeFrame(small, 0);
  const [joinedSmall] = output.take();
  assertEquals(joinedSmall.buffer.byteLength, 64 * 1024);
  assertEquals(joinedSmall.length, 2 * (9 + 4096));
  // Idle: nothing held.
  assertEquals(output.take(), []);
});

Deno.test("write batch with reuse: what was taken stays intact until the next take, then its buffers fill again", () => {
  const batch = new WriteBatch(true);
  fill(batch, 10, 30_000, 1); // over four 64 KiB buffers
  const first = batch.take();
  const firstBuffers = new Set(first.map((chunk) => chunk.buffer));
  // While the first take is being written, new bytes never land in it.
  fill(batch, 10, 30_000, 2);
  for (const chunk of first) assert(chunk.every((byte) => byte === 1));
  const second = batch.take();
  for (const chunk of second) {
    assert(
      !firstBuffers.has(chunk.buffer),
      "a taken buffer was refilled early",
    );
  }
  // The first take has been written by now: its buffers come back.
  fill(batch, 10, 30_000, 3);
  for (const chunk of second) assert(chunk.every((byte) => byte === 2));
  const third = batch.take();
  assert(third.some((chunk) => firstBuffers.has(chunk.buffer)));
});

Deno.test("write batch without reuse: taken chunks are never written over", () => {
  const batch = new WriteBatch();
  const taken: [Uint8Array, number][] = [];
  for (let round = 1; round <= 5; round++) {
    fill(batch, 5, 30_000, round);
    for (const chunk of batch.take()) taken.push([chunk, round]);
  }
  for (const [chunk, round] of taken) {
    assert(chunk.every((byte) => byte === round));
  }
});

Deno.test("CURVE seals boxes straight into a reused batch: the peer opens them all, and the sender's buffers stay few", () => {
  const client = new codec.Connection({
    socketType: "PUSH",
    reuseOutput: true,
    mechanism: (metadata) =>
      new codec.CurveClientMechanism(metadata, {
        serverKey: SERVER.publicKey,
        ...CLIENT,
      }),
  });
  const server = new codec.Connection({
    socketType: "PULL",
    mechanism: (metadata) => new codec.CurveServerMechanism(metadata, SERVER),
  });
  // A link writes (here: copies) each take before the next one.
  const toServer = () =>
    client.takeOutput().flatMap((chunk) => server.receive(chunk.slice()));
  for (let round = 0; round < 5; round++) {
    for (const event of toServer()) {
      if (event.type !== "authenticate") continue;
      server.authenticated({ statusCode: 200, statusText: "", userId: "" });
    }
    for (const c of server.takeOutput()) client.receive(c);
  }
  assertEquals([client.state, server.state], ["ready", "ready"]);

  const buffers = new Set<ArrayBufferLike>();
  let received = 0;
  for (let round = 0; round < 50; round++) {
    const size = [0, 17, 300, 4096, 65536][round % 5];
    client.sendMessage([
      new Uint8Array(size).fill(round),
      new Uint8Array([round]),
    ]);
    client.sendMessage([new Uint8Array(size).fill(round + 1)]);
    const chunks = client.takeOutput();
    for (const chunk of chunks) buffers.add(chunk.buffer);
    const events = chunks.flatMap((chunk) => server.receive(chunk.slice()));
    assertEquals(events.length, 2);
    for (const [index, event] of events.entries()) {
      const { frames } = expectEvent(event, "message");
      const value = round + index;
      assertEquals(frames[0].length, size);
      assert(frames[0].every((byte) => byte === (value & 0xff)));
      received++;
    }
  }
  assertEquals(received, 100);
  assert(buffers.size <= 8, `${buffers.size} buffers for 100 sealed messages`);
});

Deno.test("ZWS over a stream: a frame written into place by reserveFrame is masked once written, between plain frames", () => {
  for (const masked of [true, false]) {
    const output = new WebSocketFrameOutput(masked, true);
    output.writeFrame(new Uint8Array([1, 2]), codec.FLAG_MORE);
    output.reserveFrame!(70_000, 0).fill(9);
    output.writeFrame(new Uint8Array([3]), codec.FLAG_COMMAND);
    output.reserveFrame!(5, 0).set([4, 5, 6, 7, 8]);
    const decoder = new codec.WebSocketDecoder({ masked });
    const messages: codec.WebSocketMessage[] = [];
    for (const chunk of output.take()) decoder.decode(chunk.slice(), messages);
    const frames = messages.map((message) => parseZwsFrame(message.payload));
    assertEquals(frames.map((frame) => frame.flags), [
      codec.FLAG_MORE,
      0,
      codec.FLAG_COMMAND,
      0,
    ]);
    assertEquals([...frames[0].body], [1, 2]);
    assertEquals(frames[1].body.length, 70_000);
    assert(frames[1].body.every((byte) => byte === 9), `masked: ${masked}`);
    assertEquals([...frames[2].body], [3]);
    assertEquals([...frames[3].body], [4, 5, 6, 7, 8]);
  }
});

Deno.test("write batch: nothing is allocated before the first write, then a small buffer", () => {
  const batch = new WriteBatch(true);
  assertEquals(batch.retainedBytes, 0);
  fill(batch, 1, 30, 1);
  assertLessOrEqual(batch.retainedBytes, 4096);
  assertEquals(batch.take().map((chunk) => chunk.length), [30]);
});

Deno.test("write batch: a batch that outgrows the small buffer goes on in 64 KiB ones", () => {
  const batch = new WriteBatch(true);
  fill(batch, 100, 1000, 2);
  const chunks = batch.take();
  assertEquals(chunks.reduce((sum, chunk) => sum + chunk.length, 0), 100_000);
  assertLessOrEqual(chunks.length, 3, "few writes for 100 kB");
  assert(chunks.every((chunk) => chunk.every((byte) => byte === 2)));
});

Deno.test("write batch: a burst of small frames that outgrows the small buffer comes out as one chunk, in order", () => {
  for (const reuse of [true, false]) {
    const batch = new WriteBatch(reuse);
    // 5,000 bytes: past the 4 KiB buffer a burst starts in.
    for (let i = 0; i < 250; i++) {
      batch.reserve(20).fill(i, batch.end, batch.end + 20);
      batch.advance(20);
    }
    const chunks = batch.take();
    assertEquals(chunks.length, 1, `one write, reuse: ${reuse}`);
    const [chunk] = chunks;
    assertEquals(chunk.length, 5000);
    for (let i = 0; i < 250; i++) {
      assert(chunk.subarray(i * 20, i * 20 + 20).every((byte) => byte === i));
    }
  }
});

Deno.test("write batch: bytes carried to the next buffer leave what was taken before them intact", () => {
  for (const reuse of [true, false]) {
    const batch = new WriteBatch(reuse);
    fill(batch, 1, 3000, 1);
    const [taken] = batch.take();
    // Not written yet: the carried bytes and the next go to a new buffer.
    fill(batch, 1, 1000, 2);
    fill(batch, 1, 1000, 3);
    assert(taken.every((byte) => byte === 1), `reuse: ${reuse}`);
    const [chunk, ...more] = batch.take();
    assertEquals(more, []);
    assert(chunk.buffer !== taken.buffer);
    assertEquals([chunk[0], chunk[999], chunk[1000], chunk[1999]], [
      2,
      2,
      3,
      3,
    ]);
  }
});

Deno.test("write batch: many bytes not taken yet go out as their own chunk rather than being copied", () => {
  const batch = new WriteBatch(true);
  fill(batch, 1, 255_000, 1);
  fill(batch, 1, 10_000, 2);
  assertEquals(batch.take().map((chunk) => chunk.length), [255_000, 10_000]);
});

Deno.test("write batch: an idle batch holds no more after a burst than before it", () => {
  for (const reuse of [true, false]) {
    const batch = new WriteBatch(reuse);
    fill(batch, 1, 30, 1);
    batch.take();
    assertEquals(batch.take(), [], "idle");
    const idleBefore = batch.retainedBytes;
    for (let round = 0; round < 3; round++) {
      fill(batch, 500, 1000, round);
      batch.take();
    }
    assert(batch.retainedBytes >= 64 * 1024, "busy: large buffers");
    assertEquals(batch.take(), [], "idle again");
    assertLessOrEqual(batch.retainedBytes, idleBefore, `reuse: ${reuse}`);
    assertLessOrEqual(batch.retainedBytes, 4096);
  }
});

Deno.test("write batch: with reuse, an idle batch holds nothing and takes a written small buffer back, allocating nothing", () => {
  const batch = new WriteBatch(true);
  fill(batch, 1, 30, 1);
  const [first] = batch.take();
  assertEquals(batch.take(), []);
  assertEquals(batch.retainedBytes, 0);
  fill(batch, 1, 30, 2);
  const [second] = batch.take();
  assertEquals(second.buffer, first.buffer, "the same buffer, from the start");
  assertEquals(second.byteOffset, 0);
  assert(second.every((byte) => byte === 2));
});

Deno.test("write batch: without reuse, bytes taken are never overwritten", () => {
  const batch = new WriteBatch(false);
  fill(batch, 1, 30, 1);
  const [first] = batch.take();
  assertEquals(batch.take(), []);
  fill(batch, 1, 30, 2);
  batch.take();
  assert(first.every((byte) => byte === 1), "the first chunk is intact");
});

Deno.test("write batch: with reuse, a batch busy again after idling takes its large buffers back from the pool", () => {
  const batch = new WriteBatch(true);
  fill(batch, 100, 1000, 1);
  const first = new Set(batch.take().map((chunk) => chunk.buffer));
  assertEquals(batch.take(), []);
  assertEquals(batch.retainedBytes, 0, "idle: all given back");
  fill(batch, 100, 1000, 2);
  const again = batch.take();
  assert(again.every((chunk) => first.has(chunk.buffer)), "none allocated");
  assert(again.every((chunk) => chunk.every((byte) => byte === 2)));
});
