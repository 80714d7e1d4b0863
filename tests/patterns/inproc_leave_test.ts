/**
 * What happens to an inproc peer's queue when a socket leaves it (close,
 * disconnect, unbind), against libzmq's inproc (pyzmq, one process).
 */
import { assert, assertEquals } from "@std/assert";
import { Context, Pull, Push } from "../../mod.ts";
import { coreOf } from "../../patterns/_core.ts";
import { decode, runPython, timeout, until } from "../_helpers.ts";

Deno.test("inproc: unbind frees the name and keeps the peers connected, as libzmq's pipes; a dialer waiting for the name is accepted after listening", async () => {
  await using context = new Context();
  await using pull = new Pull({ context });
  await using early = new Push({ context });
  early.connect("inproc://kept");
  await pull.bind("inproc://kept");
  const seen: string[] = [];
  for await (const event of pull.events) {
    seen.push(event.type);
    if (event.type === "handshake-succeeded") break;
  }
  assertEquals(seen, ["listening", "accepted", "handshake-succeeded"]);
  await pull.unbind("inproc://kept");
  await early.send("after the unbind", timeout());
  assertEquals(decode((await pull.receive(timeout()))[0]), "after the unbind");
  // The name is free: another binds it, and the kept peer stays with us.
  await using other = new Pull({ context });
  await other.bind("inproc://kept");
  await early.send("still ours", timeout());
  assertEquals(decode((await pull.receive(timeout()))[0]), "still ours");
  assert(!other.readable);
});

/** libzmq's inproc: 20 sent to a PULL that has room for 10, then the PUSH closes or disconnects (argv: linger, "close" or "disconnect"). */
const INPROC_LEAVE_PY = `
import sys, zmq
linger, how = int(sys.argv[1]), sys.argv[2]
context = zmq.Context()
pull = context.socket(zmq.PULL)
pull.set_hwm(10)
pull.bind("inproc://leave")
push = context.socket(zmq.PUSH)
push.set_hwm(10)
push.setsockopt(zmq.LINGER, linger)
push.connect("inproc://leave")
for i in range(20):
    push.send(b"m%d" % i, zmq.NOBLOCK)
if how == "close":
    push.close()
else:
    push.disconnect("inproc://leave")
got = 0
while pull.poll(200):
    pull.recv()
    got += 1
print(got)
`;

Deno.test("inproc: what a socket queued for its peer is the peer's when it closes or disconnects, whatever the linger, as in libzmq's one pipe (linger 0 dropped what the peer had no room for)", async () => {
  for (const how of ["close", "disconnect"]) {
    for (const linger of [0, 100]) {
      const native = Number(
        await runPython(INPROC_LEAVE_PY, String(linger), how),
      );
      await using context = new Context();
      await using pull = new Pull({ context, receiveHighWaterMark: 10 });
      await pull.bind("inproc://leave");
      await using push = new Push({ context, sendHighWaterMark: 10, linger });
      push.connect("inproc://leave");
      for (let i = 0; i < 20; i++) await push.send(`m${i}`, timeout());
      if (how === "disconnect") await push.disconnect("inproc://leave");
      assertEquals((await push.close()).dropped, 0);
      let got = 0;
      while (pull.readable) {
        assertEquals(decode((await pull.receive())[0]), `m${got}`);
        got++;
      }
      assertEquals([how, linger, got], [how, linger, native]);
    }
  }
});

const INPROC_DISCONNECT_WAITING_PY = `
import sys, zmq, threading, time
context = zmq.Context()
pulls = []
for name in ("inproc://one", "inproc://two"):
    pull = context.socket(zmq.PULL)
    pull.set_hwm(10)
    pull.bind(name)
    pulls.append(pull)
push = context.socket(zmq.PUSH)
push.set_hwm(10)
push.setsockopt(zmq.LINGER, int(sys.argv[1]))
push.connect("inproc://one")
push.connect("inproc://two")
sent = 0
while True:
    try:
        push.send(b"m", zmq.NOBLOCK)
        sent += 1
    except zmq.Again:
        break
# The rest wait for room in a thread, as our sends wait.
waiting = threading.Thread(target=lambda: [push.send(b"m") for _ in range(10)])
waiting.start()
time.sleep(0.2)
push.disconnect("inproc://one")
got = []
for pull in pulls:
    n = 0
    while pull.poll(200):
        pull.recv()
        n += 1
    got.append(n)
waiting.join(2)
print(sent, got[0], got[1])
push.close(0)
`;

Deno.test("inproc: sends waiting for room when a peer is disconnected go to the other peers, as libzmq's (they went into the leaving pipe and were dropped)", async () => {
  for (const linger of [0, 100]) {
    const native = await runPython(
      INPROC_DISCONNECT_WAITING_PY,
      String(linger),
    );
    await using context = new Context();
    await using first = new Pull({ context, receiveHighWaterMark: 10 });
    await first.bind("inproc://one");
    await using second = new Pull({ context, receiveHighWaterMark: 10 });
    await second.bind("inproc://two");
    const push = new Push({ context, sendHighWaterMark: 10, linger });
    push.connect("inproc://one");
    push.connect("inproc://two");
    await until(
      () => [...coreOf(push).pipes].filter((pipe) => pipe.ready).length === 2,
      "both peers",
    );
    let sent = 0;
    while (!coreOf(push).sendPending) {
      push.send("m").then(() => {}, () => {});
      sent++;
    }
    sent--; // the last one waits
    const waiting = [];
    for (let i = 1; i < 10; i++) waiting.push(push.send("m"));
    await push.disconnect("inproc://one");
    const count = async (pull: Pull) => {
      let n = 0;
      while (pull.readable) {
        await pull.receive();
        n++;
      }
      return n;
    };
    // A burst goes at once as far as both high-water marks, as libzmq's;
    // the peer still there then reads what libzmq's did, making room for
    // the sends that wait, and nothing more comes.
    const [nativeSent, nativeOne, nativeTwo] = native.split(" ").map(Number);
    assertEquals([linger, sent], [linger, nativeSent]);
    const one = await count(first);
    const all = Promise.all(waiting);
    for (let i = 0; i < nativeTwo; i++) await second.receive(timeout());
    await all;
    const [pipe] = coreOf(push).pipes;
    await until(() => pipe.outbound.length === 0, "the queue written");
    assertEquals([linger, one, nativeTwo + await count(second)], [
      linger,
      nativeOne,
      nativeTwo,
    ]);
    // What each peer got beyond its half of what went at once.
    assertEquals([nativeOne - nativeSent / 2, nativeTwo - nativeSent / 2], [
      0,
      10,
    ]);
    assertEquals((await push.close()).dropped, 0);
  }
});
