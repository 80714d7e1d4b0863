/**
 * `linger: 0` against libzmq: messages sent just before `close()` still
 * reach a live peer (libzmq's I/O thread has moved them to the kernel by
 * the time its socket closes), and a close waits for no peer that stopped
 * reading.
 */
import { assert, assertEquals } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Push } from "../mod.ts";
import { decode, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

const LONG = "x".repeat(300);

for (const ours of ["connects", "binds"] as const) {
  Deno.test(`linger 0: what our PUSH sent just before close reaches a libzmq PULL, as from libzmq's own PUSH (ours ${ours})`, async () => {
    await using peer = new LibzmqPeer();
    const pull = await peer.open("Pull");
    const bound = ours === "connects"
      ? await pull.bind("tcp://127.0.0.1:0")
      : undefined;
    for (let round = 0; round < 3; round++) {
      const push = new Push({ linger: 0 });
      try {
        if (bound) push.connect(bound);
        else {
          await push.bind("tcp://127.0.0.1:0");
          await pull.connect(push.lastEndpoint!);
        }
        await push.events.wait("handshake-succeeded", timeout().signal);
        for (let i = 0; i < 10; i++) {
          await push.send([`${round}.${i}`, "", LONG], timeout());
        }
      } catch (error) {
        await push.close();
        throw error;
      }
      assertEquals((await push.close()).dropped, 0, `round ${round}`);
      for (let i = 0; i < 10; i++) {
        const frames = (await pull.receive()).map(decode);
        assertEquals(frames, [`${round}.${i}`, "", LONG]);
      }
    }
  });
}

Deno.test("linger 0: what our PUSH sent just before disconnect() reaches a libzmq PULL, as libzmq's zmq_disconnect delivers it", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull");
  const endpoint = await pull.bind("tcp://127.0.0.1:0");
  await using push = new Push({ linger: 0 });
  for (let round = 0; round < 3; round++) {
    push.connect(endpoint);
    await push.events.wait("handshake-succeeded", timeout().signal);
    for (let i = 0; i < 10; i++) {
      await push.send([`${round}.${i}`, "", LONG], timeout());
    }
    await push.disconnect(endpoint);
    for (let i = 0; i < 10; i++) {
      const frames = (await pull.receive()).map(decode);
      assertEquals(frames, [`${round}.${i}`, "", LONG]);
    }
  }
});

Deno.test("linger 0: a close waits for no libzmq PULL that stopped reading; what the kernel did not take is dropped and counted, and what came is whole and in order", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull", { receiveHighWaterMark: 10 });
  const push = new Push({ linger: 0, sendHighWaterMark: 1000 });
  push.connect(await pull.bind("tcp://127.0.0.1:0"));
  await push.events.wait("handshake-succeeded", timeout().signal);
  const body = "b".repeat(64 * 1024);
  const count = 400;
  peer.kill("SIGSTOP");
  let dropped: number;
  try {
    for (let i = 0; i < count; i++) await push.send([`${i}`, body], timeout());
    // 26 MiB queued; the kernel's buffers hold a few: the rest never goes.
    ({ dropped } = await deadline(push.close(), 5000));
  } finally {
    peer.kill("SIGCONT");
  }
  assert(dropped > 0, "nothing dropped: the close waited for the peer");
  let received = 0;
  while (true) {
    const frames = await pull.receive(500).catch(() => undefined);
    if (!frames) break;
    assertEquals(decode(frames[0]), `${received}`);
    assertEquals(frames[1].length, body.length);
    received++;
  }
  assert(received > 0, "nothing went before the close");
  assert(received + dropped <= count, `${received} + ${dropped} > ${count}`);
});
