/**
 * `xpubNoDrop` on a plain PUB, as libzmq takes ZMQ_XPUB_NODROP on a PUB
 * too (its PUB is its XPUB without the notices): a send waits at a full
 * subscriber instead of skipping it.
 */
import { assert, assertEquals } from "@std/assert";
import { Publisher, Subscriber, ZmqError } from "../mod.ts";
import { decode, sendUntilReceived, timeout, until } from "./_helpers.ts";
import { coreOf } from "../patterns/_core.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** Sends until EAGAIN (sendTimeout 0), at most `most`: how many went. */
async function sendsUntilRefused(
  publisher: Publisher,
  body: Uint8Array,
  most: number,
): Promise<number> {
  for (let sent = 0; sent < most; sent++) {
    try {
      await publisher.send(body);
    } catch (error) {
      if (!(error instanceof ZmqError)) throw error;
      assertEquals(error.code, "EAGAIN");
      return sent;
    }
  }
  return most;
}

for (const ours of ["binds", "connects"] as const) {
  Deno.test(`PUB: xpubNoDrop makes sends to a libzmq SUB that reads nothing wait at its high-water mark, where without it they are dropped (ours ${ours})`, async () => {
    await using peer = new LibzmqPeer();
    for (const xpubNoDrop of [true, false]) {
      const sub = await peer.open("Subscriber", { receiveHighWaterMark: 5 });
      await sub.subscribe("");
      await using publisher = new Publisher({
        xpubNoDrop,
        sendHighWaterMark: 5,
        sendTimeout: 0,
        linger: 0,
      });
      if (ours === "binds") {
        await publisher.bind("tcp://127.0.0.1:0");
        await sub.connect(publisher.lastEndpoint!);
      } else {
        publisher.connect(await sub.bind("tcp://127.0.0.1:0"));
      }
      // The subscription has reached us once a message gets through.
      const first = await sendUntilReceived(
        () => publisher.send("hello").catch(() => {}),
        sub.receive(),
      );
      assertEquals(first.map(decode), ["hello"]);
      const body = new Uint8Array(200 * 1024);
      const sent = await sendsUntilRefused(publisher, body, 400);
      if (xpubNoDrop) {
        // The kernel's buffers take some: the rest waits, refused at once.
        assert(sent < 400, `${sent} sends, none refused`);
      } else {
        assertEquals(sent, 400, "a send was refused without xpubNoDrop");
      }
      await sub.close();
    }
  });
}

Deno.test("PUB: a send held back by xpubNoDrop goes on once the full subscriber unsubscribes", async () => {
  await using publisher = new Publisher({
    xpubNoDrop: true,
    sendHighWaterMark: 1,
    sendTimeout: 0,
  });
  // inproc: no kernel buffer drains the pipe behind the test's back.
  await publisher.bind("inproc://pub-nodrop");
  await using sub = new Subscriber({ receiveHighWaterMark: 1 });
  sub.subscribe("");
  sub.connect("inproc://pub-nodrop");
  await sendUntilReceived(
    () => publisher.send("hello").catch(() => {}),
    sub.receive(timeout()),
  );
  const body = new Uint8Array(1024);
  // Until the subscriber, which reads nothing now, and the pipe are full:
  // refused at once turn after turn of the loop.
  for (let refused = 0, tries = 0; refused < 20; tries++) {
    assert(tries < 10_000, "no send refused: xpubNoDrop ignored");
    if (await sendsUntilRefused(publisher, body, 1) === 0) {
      refused++;
      await new Promise((resolve) => setTimeout(resolve));
    } else refused = 0;
  }
  publisher.sendTimeout = -1;
  let sent = false;
  const held = publisher.send(body, timeout()).then(() => sent = true);
  await new Promise((resolve) => setTimeout(resolve));
  assertEquals(sent, false);
  sub.unsubscribe("");
  await held;
});

Deno.test("xpubNoDrop over inproc: sends that waited go once each, in order, to every subscriber, as a subscription and room come meanwhile", async () => {
  await using pub = new Publisher({
    xpubNoDrop: true,
    sendHighWaterMark: 2,
    linger: 0,
  });
  await pub.bind("inproc://nodrop-once");
  await using slow = new Subscriber({ receiveHighWaterMark: 2, linger: 0 });
  await using fast = new Subscriber({ linger: 0 });
  for (const sub of [slow, fast]) {
    sub.subscribe("");
    sub.connect("inproc://nodrop-once");
    await sendUntilReceived(() => pub.send("ping"), sub.receive(timeout()));
  }
  const pipes = [...coreOf(pub).pipes];
  await until(() => pipes.every((pipe) => pipe.outbound.length === 0), "pings");
  for (const sub of [slow, fast]) while (sub.readable) await sub.receive();
  const sends = [1, 2, 3, 4, 5].map((i) => pub.send(`m${i}`, timeout()));
  // Settled: the slow one holds two and its pipe two, m5 waits for room.
  await until(
    () =>
      coreOf(pub).sendPending &&
      pipes.every((p) => p.outbound.length === (p === pipes[0] ? 2 : 0)),
    "a send waiting",
  );
  fast.subscribe("zzz"); // the subscription retries the waiting send
  await slow.receive(timeout());
  await slow.receive(timeout());
  await Promise.all(sends);
  await pub.send("end", timeout());
  const rest = async (sub: Subscriber) => {
    const got: string[] = [];
    for (;;) {
      const [frame] = await sub.receive(timeout());
      if (decode(frame) === "end") return got;
      got.push(decode(frame));
    }
  };
  assertEquals(await rest(slow), ["m3", "m4", "m5"]);
  assertEquals(await rest(fast), ["m1", "m2", "m3", "m4", "m5"]);
});
