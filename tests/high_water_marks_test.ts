/**
 * A high-water mark set after `connect` or `bind` applies to the peers the
 * socket has, as libzmq's setsockopt applies it to every existing pipe
 * (libzmq 4.3.4 and 4.3.5, in the same scenarios: 5 sends after 1000 → 5,
 * 50 after 5 → 50, no limit after 5 → 0).
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { Publisher, Pull, Push, Subscriber, ZmqError } from "../mod.ts";
import { coreOf } from "../patterns/_core.ts";
import {
  decode,
  freePort,
  runPython,
  sendUntilReceived,
  timeout,
  until,
} from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** Sends until EAGAIN (at most `most`), with a send timeout of 0: how many went. */
async function sendsUntilFull(
  push: Push,
  most: number,
  body: string | Uint8Array = "m",
): Promise<number> {
  for (let sent = 0; sent < most; sent++) {
    try {
      await push.send(body);
    } catch (error) {
      if (error instanceof ZmqError && error.code === "EAGAIN") return sent;
      throw error;
    }
  }
  return most;
}

Deno.test("sendHighWaterMark set after connect applies to the peer's queue already made, as libzmq's (1000 → 5, 5 → 50, 5 → 0)", async () => {
  for (
    const [before, after, expected] of [
      [1000, 5, 5],
      [5, 50, 50],
      [5, 0, 3000],
    ]
  ) {
    await using push = new Push({
      sendHighWaterMark: before,
      sendTimeout: 0,
      linger: 0,
    });
    // Nobody listens there: every message waits in the pipe.
    push.connect(`tcp://127.0.0.1:${freePort()}`);
    push.sendHighWaterMark = after;
    assertEquals(
      await sendsUntilFull(push, 3000),
      expected,
      `${before} → ${after}`,
    );
  }
});

Deno.test("a send waiting at the send mark goes through once the mark is raised", async () => {
  await using push = new Push({ sendHighWaterMark: 1, linger: 0 });
  push.connect(`tcp://127.0.0.1:${freePort()}`);
  await push.send("first", timeout());
  let waited = true;
  const second = push.send("second", timeout()).then(() => waited = false);
  await new Promise((resolve) => setTimeout(resolve));
  assertEquals(waited, true, "sent past the mark");
  push.sendHighWaterMark = 2;
  await second;
  push.sendTimeout = 0;
  await assertRejects(() => push.send("third"), ZmqError);
});

Deno.test("a raised receiveHighWaterMark lets a link paused at the old mark read on, from a libzmq PUSH", async () => {
  await using peer = new LibzmqPeer();
  await using pull = new Pull({ receiveHighWaterMark: 1 });
  await pull.bind("tcp://127.0.0.1:0");
  const push = await peer.open("Push");
  await push.connect(pull.lastEndpoint!);
  // More than a read takes: the link pauses with the rest unread.
  const count = 20_000;
  await push.sendSequence("m", count);
  const queued = () =>
    [...coreOf(pull).pipes].reduce((sum, pipe) => sum + pipe.inbound.length, 0);
  await until(() => queued() > 0, "a first message");
  pull.receiveHighWaterMark = 30_000;
  // Nothing is received meanwhile: the link reads on by itself.
  await until(() => queued() === count, "the other messages read in");
  for (let i = 1; i <= count; i++) {
    assertEquals(new TextDecoder().decode((await pull.receive())[0]), `m${i}`);
  }
});

Deno.test("a mark set while an immediate connect waits for its peer applies once the peer comes, a libzmq PULL that reads nothing", async () => {
  await using peer = new LibzmqPeer();
  const port = freePort();
  await using push = new Push({
    immediate: true,
    sendHighWaterMark: 1000,
    linger: 0,
  });
  push.connect(`tcp://127.0.0.1:${port}`);
  push.sendHighWaterMark = 5;
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  await pull.bind(`tcp://127.0.0.1:${port}`);
  await push.events.wait("handshake-succeeded", timeout().signal);
  push.sendTimeout = 0;
  // The kernel's buffers take a few 64 KiB messages whatever the mark; at
  // the old mark of 1000, over a thousand went.
  const sent = await sendsUntilFull(push, 3000, new Uint8Array(64 * 1024));
  assert(sent < 100, `${sent} sends before EAGAIN`);
});

const INPROC_BURST_PY = `
import zmq
ctx = zmq.Context()
counts = []
for snd, rcv in ((1, 1), (5, 7), (3, 1000)):
    name = "inproc://marks-%d-%d" % (snd, rcv)
    pull = ctx.socket(zmq.PULL); pull.rcvhwm = rcv; pull.bind(name)
    push = ctx.socket(zmq.PUSH); push.sndhwm = snd; push.connect(name)
    sent = 0
    try:
        while sent < 5000:
            push.send(b"m", zmq.NOBLOCK); sent += 1
    except zmq.Again:
        pass
    counts.append(str(sent))
    push.close(0); pull.close(0)
pub = ctx.socket(zmq.PUB); pub.sndhwm = 1; pub.bind("inproc://burst")
sub = ctx.socket(zmq.SUB); sub.rcvhwm = 1000; sub.subscribe(b""); sub.connect("inproc://burst")
for i in range(500):
    pub.send(b"m")
sub.rcvtimeo = 200
got = 0
try:
    while True:
        sub.recv(); got += 1
except zmq.Again:
    pass
counts.append(str(got))
print(" ".join(counts))
pub.close(0); sub.close(0); ctx.term()
`;

Deno.test("inproc: a burst fills both marks at once, as libzmq's one pipe (PUSH: sndhwm + rcvhwm before EAGAIN; PUB at sndhwm 1: none of 500 dropped)", async () => {
  const native = await runPython(INPROC_BURST_PY);
  assertEquals(native, "2 12 1003 500");
  const counts: number[] = [];
  for (const [send, receive] of [[1, 1], [5, 7], [3, 1000]]) {
    await using pull = new Pull({ receiveHighWaterMark: receive, linger: 0 });
    await pull.bind("inproc://marks");
    await using push = new Push({
      sendHighWaterMark: send,
      sendTimeout: 0,
      linger: 0,
    });
    push.connect("inproc://marks");
    await until(
      () => [...coreOf(push).pipes].every((pipe) => pipe.ready),
      "the peer",
    );
    counts.push(await sendsUntilFull(push, 5000));
  }
  await using pub = new Publisher({ sendHighWaterMark: 1, linger: 0 });
  await pub.bind("inproc://burst");
  await using sub = new Subscriber({ receiveHighWaterMark: 1000, linger: 0 });
  sub.subscribe("");
  sub.connect("inproc://burst");
  await sendUntilReceived(() => pub.send("ping"), sub.receive(timeout()));
  for (let i = 0; i < 500; i++) await pub.send("m", timeout());
  await pub.send("end", timeout());
  let received = 0;
  for (;;) {
    const [body] = await sub.receive(timeout());
    if (decode(body) === "end") break;
    if (decode(body) === "m") received++;
  }
  counts.push(received);
  assertEquals(counts.join(" "), native);
});

Deno.test("inproc: a pipe found full as its peer makes room joins the rotation once: the next send goes, in order", async () => {
  await using pull = new Pull({ receiveHighWaterMark: 1, linger: 0 });
  await pull.bind("inproc://drained-once");
  await using push = new Push({
    sendHighWaterMark: 2,
    sendTimeout: 0,
    linger: 0,
  });
  push.connect("inproc://drained-once");
  const [pipe] = coreOf(push).pipes;
  await until(() => pipe.ready, "the peer");
  await push.send("m1");
  await until(() => pipe.outbound.length === 0, "m1 at the peer");
  await push.send("m2");
  await push.send("m3");
  const full = await assertRejects(() => push.send("m4"), ZmqError);
  assertEquals(full.code, "EAGAIN");
  // The peer makes room; the send finds the pipe full, which hands m2 over.
  assertEquals((await pull.receive(timeout())).map(decode), ["m1"]);
  assert(push.writable);
  await push.send("m5");
  for (const expected of ["m2", "m3", "m5"]) {
    assertEquals((await pull.receive(timeout())).map(decode), [expected]);
  }
});
