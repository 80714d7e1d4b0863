/**
 * Subscriptions as libzmq's SUB, XSUB and XPUB tell them: in line with what
 * is sent, bounded while a publisher stops reading, never a cancel of what
 * it does not hold; XPUB's welcome and verbosity.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  Publisher,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import { coreOf } from "../patterns/_core.ts";
import { decode, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("XSUB: a cancel queued behind data still reaches a slow libzmq XPUB when churn overflows its queue (replaced by a snapshot, it was lost), and no cancel of what it never held goes", async () => {
  await using peer = new LibzmqPeer();
  // Verbose, with room for few messages: libzmq stops reading us while
  // its application does not read.
  const xpub = await peer.open("XPublisher", {
    verbosity: "allSubs",
    receiveHighWaterMark: 4,
  });
  const endpoint = await xpub.bind("tcp://127.0.0.1:0");
  await using xsub = new XSubscriber({ sendHighWaterMark: 0 });
  xsub.connect(endpoint);
  await xsub.events.wait("handshake-succeeded", timeout().signal);
  const tell = (flag: number, topic: string) =>
    xsub.send([new Uint8Array([flag, ...new TextEncoder().encode(topic)])]);
  await tell(1, "stale");
  // Enough to fill libzmq's queue and both kernel buffers, so what
  // follows waits in ours.
  const big = new Uint8Array(8 << 20).fill(0x41);
  for (let i = 0; i < 3; i++) await xsub.send(big);
  await tell(0, "stale");
  // Churn that overflows the queue: "t" on and off, never written before.
  for (let i = 0; i < 600; i++) {
    await tell(1, "t");
    await tell(0, "t");
  }
  const seen: string[] = [];
  while (!seen.some((each) => each.endsWith("t"))) {
    const [frame] = await xpub.receive();
    seen.push(frame.length > 100 ? "data" : decode(frame));
  }
  // The cancel its peer needed, and none for "t", which it never held.
  assertEquals(seen, [
    "\x01stale",
    "data",
    "data",
    "data",
    "\x00stale",
    "\x01t",
  ]);
});

Deno.test("XPUB: the welcome goes when a connect's pipe is made, ahead of what is sent before the handshake, as libzmq's (a libzmq XSUB saw it after)", async () => {
  await using peer = new LibzmqPeer();
  const xsub = await peer.open("XSubscriber");
  const endpoint = await xsub.bind("tcp://127.0.0.1:0");
  // Inverted, a peer with no subscription takes every message.
  await using xpub = new XPublisher({
    invertMatching: true,
    xpubWelcomeMessage: "welcome",
  });
  xpub.connect(endpoint);
  await xpub.send("m1");
  await xpub.send("m2");
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(decode((await xsub.receive())[0]));
  assertEquals(seen, ["welcome", "m1", "m2"]);
});

Deno.test("XPUB: xpubVerbose and xpubVerboser set at run time, the last wins, as libzmq's two flags (verbose after verboser passes cancellations as by default)", async () => {
  await using peer = new LibzmqPeer();
  await using xpub = new XPublisher({ xpubVerboser: true });
  xpub.xpubVerbose = true;
  assertEquals([xpub.xpubVerbose, xpub.xpubVerboser], [true, false]);
  await xpub.bind("tcp://127.0.0.1:0");
  const endpoint = xpub.lastEndpoint!;
  const subs = [await peer.open("Subscriber"), await peer.open("Subscriber")];
  for (const sub of subs) {
    await sub.connect(endpoint);
    await sub.subscribe("a");
  }
  const notice = async () => {
    const [frame] = await xpub.receive(timeout());
    return `${frame[0]}${decode(frame.subarray(1))}`;
  };
  // Verbose: both subscriptions told.
  assertEquals([await notice(), await notice()], ["1a", "1a"]);
  // Not verboser: the first peer's cancel is not told, its next word is.
  await subs[0].unsubscribe("a");
  await subs[0].subscribe("b");
  assertEquals(await notice(), "1b");
  xpub.xpubVerboser = false;
  assertEquals([xpub.xpubVerbose, xpub.xpubVerboser], [false, false]);
  for (const sub of subs) await sub.close();
});

Deno.test("subscribe and unsubscribe on a closed SUB, XSUB or manual XPUB are ETERM, as a send is (libzmq: ENOTSOCK), not ignored", async () => {
  for (
    const socket of [
      new Subscriber(),
      new XSubscriber(),
      new XPublisher({ xpubManual: true }),
    ]
  ) {
    await socket.close();
    for (
      const call of [() => socket.subscribe("a"), () => socket.unsubscribe("a")]
    ) {
      const error = assertThrows(call, ZmqError);
      assertEquals(error.code, "ETERM");
    }
  }
});

Deno.test("XSUB: with nothing else queued, subscription changes for a publisher that stopped reading stay bounded too (they grew without limit)", async () => {
  await using peer = new LibzmqPeer();
  const xpub = await peer.open("XPublisher", {
    verbosity: "allSubs",
    receiveHighWaterMark: 2,
  });
  const endpoint = await xpub.bind("tcp://127.0.0.1:0");
  await using xsub = new XSubscriber();
  xsub.connect(endpoint);
  await xsub.events.wait("handshake-succeeded", timeout().signal);
  // Long topics fill libzmq's queue and both kernel buffers; the changes
  // after them wait in ours, with no message queued.
  const long = "x".repeat(60_000);
  const [pipe] = coreOf(xsub).pipes;
  for (let i = 0; pipe.controlLength === 0 && i < 1000; i++) {
    xsub.subscribe(`${long}${i}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert(pipe.controlLength > 0, "the publisher never stopped reading");
  for (let i = 0; i < 5000; i++) {
    xsub.subscribe("t");
    xsub.unsubscribe("t");
  }
  assert(
    pipe.controlLength + pipe.inLineLength <= 1025,
    `${pipe.controlLength} queued`,
  );
});

Deno.test("SUB and XSUB: a subscription's bytes are copied, as libzmq's setsockopt copies: the caller's buffer reused at once changes nothing told", async () => {
  await using peer = new LibzmqPeer();
  const xpub = await peer.open("XPublisher", { verbosity: "allSubs" });
  const endpoint = await xpub.bind("tcp://127.0.0.1:0");
  const notice = async () => {
    const [frame] = await xpub.receive();
    return `${frame[0]}${decode(frame.subarray(1))}`;
  };
  await using sub = new Subscriber();
  await using xsub = new XSubscriber();
  for (const socket of [sub, xsub]) {
    socket.connect(endpoint);
    await socket.events.wait("handshake-succeeded", timeout().signal);
    const reused = new TextEncoder().encode("\x01A");
    if (socket === sub) socket.subscribe(reused.subarray(1));
    else await xsub.send(reused);
    reused.set(new TextEncoder().encode("\x01B"));
    if (socket === sub) socket.unsubscribe("A");
    else await xsub.send("\x00A");
    assertEquals([await notice(), await notice()], ["1A", "0A"]);
  }
});

Deno.test("SUB and XSUB linger 0 unless given, as libzmq's XSUB sets (a close does not wait for subscriptions to reach a peer); PUB keeps the default", async () => {
  const sub = new Subscriber();
  const xsub = new XSubscriber();
  const given = new Subscriber({ linger: 5 });
  const pub = new Publisher();
  assertEquals(
    [sub.linger, xsub.linger, given.linger, pub.linger],
    [0, 0, 5, 1000],
  );
  // Queued for a peer that never answers (the kernel accepts for it):
  // close drops it, and waits for nothing.
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  sub.connect(`tcp://127.0.0.1:${silent.addr.port}`);
  sub.subscribe("topic");
  await sub.close();
  await xsub.close();
  await given.close();
  await pub.close();
});
