/**
 * Received frames are typed `Uint8Array<ArrayBuffer>`: each views an
 * `ArrayBuffer`, never shared memory, so it goes wherever the platform
 * wants a `BufferSource` (`crypto.subtle`, `Blob`, `Response`) without a
 * cast or a copy. That these calls type-check is half of what this file
 * tests (`deno check` runs on it); the other half is that the frames hold
 * up the type at run time, over each transport, whatever buffer the
 * sender's frames viewed.
 */
import {
  assert,
  assertEquals,
  assertNotStrictEquals,
  assertStrictEquals,
} from "@std/assert";
import { Buffer } from "node:buffer";
import { Context, Dealer, type Message, Pull, Push, Router } from "../mod.ts";
import { timeout } from "./_helpers.ts";

/** A frame of `size` bytes in shared memory, each byte its index. */
function sharedFrame(size: number): Uint8Array {
  const frame = new Uint8Array(new SharedArrayBuffer(size));
  for (let i = 0; i < size; i++) frame[i] = i & 0xff;
  return frame;
}

/** What a frame is good for as a BufferSource: its digest, and a Blob's size. */
async function useAsBufferSource(frame: Uint8Array<ArrayBuffer>): Promise<{
  digest: number;
  blob: number;
  response: number;
}> {
  const digest = await crypto.subtle.digest("SHA-256", frame);
  const blob = new Blob([frame]);
  const response = await new Response(frame).arrayBuffer();
  return {
    digest: digest.byteLength,
    blob: blob.size,
    response: response.byteLength,
  };
}

async function exchange(
  endpoint: string,
  frames: Uint8Array[],
  context?: Context,
): Promise<Message> {
  await using pull = new Pull({ context });
  await using push = new Push({ context });
  await pull.bind(endpoint);
  push.connect(pull.lastEndpoint!);
  await push.send(frames);
  return await pull.receive(timeout());
}

for (const transport of ["tcp", "inproc"] as const) {
  Deno.test(`received frames view ArrayBuffers and go where a BufferSource does, over ${transport}, from frames the sender kept in shared memory`, async () => {
    await using context = new Context();
    const endpoint = transport === "tcp"
      ? "tcp://127.0.0.1:0"
      : "inproc://received-frames";
    // Small and large (large bodies go out by reference over tcp), and an
    // empty frame.
    const sent = [sharedFrame(16), sharedFrame(300), sharedFrame(64 * 1024)];
    sent.push(new Uint8Array(new SharedArrayBuffer(0)));
    const message = await exchange(endpoint, sent, context);
    assertEquals(message.length, sent.length);
    for (let i = 0; i < sent.length; i++) {
      const frame = message[i];
      assert(frame.buffer instanceof ArrayBuffer, `frame ${i}`);
      assertEquals([...frame], [...sent[i]]);
      assertEquals(await useAsBufferSource(frame), {
        digest: 32,
        blob: sent[i].length,
        response: sent[i].length,
      });
    }
  });
}

Deno.test("inproc hands on the sender's own frame when it views an ArrayBuffer, and a copy of one in shared memory", async () => {
  await using context = new Context();
  const plain = new Uint8Array([1, 2, 3]);
  const shared = sharedFrame(3);
  const [first, second] = await exchange(
    "inproc://by-reference",
    [plain, shared],
    context,
  );
  assertStrictEquals(first, plain);
  assertNotStrictEquals(second.buffer, shared.buffer);
  assertEquals([...second], [0, 1, 2]);
  // The copy is the receiver's: the sender's shared bytes change nothing.
  shared[0] = 9;
  assertEquals(second[0], 0);
});

Deno.test("inproc copies a frame of a resizable buffer, and a Node Buffer's of shared memory, whose slice() would share it", async () => {
  await using context = new Context();
  const resizable = new Uint8Array(new ArrayBuffer(4, { maxByteLength: 8 }));
  resizable.set([1, 2, 3, 4]);
  const buffer = Buffer.from(new SharedArrayBuffer(4));
  buffer.set([5, 6, 7, 8]);
  const message = await exchange(
    "inproc://copied",
    [resizable, buffer],
    context,
  );
  for (const [i, frame] of message.entries()) {
    assert(frame.buffer instanceof ArrayBuffer, `frame ${i}`);
    assertEquals(frame.buffer.resizable, false, `frame ${i}`);
  }
  buffer[0] = 9;
  assertEquals([...message[0], ...message[1]], [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("a ROUTER's routing id frame is a BufferSource too, announced or generated", async () => {
  await using context = new Context();
  await using router = new Router({ context });
  await router.bind("inproc://router-ids");
  await using named = new Dealer({ context, routingId: "named" });
  await using anonymous = new Dealer({ context });
  named.connect("inproc://router-ids");
  await named.send(sharedFrame(4));
  const [id, body] = await router.receive(timeout());
  assertEquals(new TextDecoder().decode(id), "named");
  assertEquals((await useAsBufferSource(id)).blob, 5);
  assertEquals((await useAsBufferSource(body)).blob, 4);
  anonymous.connect("inproc://router-ids");
  await anonymous.send("hi");
  const [generated] = await router.receive(timeout());
  assertEquals((await useAsBufferSource(generated)).blob, 5);
});
