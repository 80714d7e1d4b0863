/** inproc:// within one Context: any start order, frames by reference, HWM, the patterns on top. */
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  Context,
  Dealer,
  Gather,
  Pair,
  proxy,
  ProxyControl,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Scatter,
  Subscriber,
  ZmqError,
} from "../../mod.ts";
import { deadline } from "@std/async/deadline";
import {
  decode,
  runPython,
  sendUntilReceived,
  timeout,
  until,
} from "../_helpers.ts";
import { coreOf } from "../../patterns/_core.ts";

const text = new TextEncoder();

Deno.test("inproc: bind then connect, connect then bind, frames by reference", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://pipeline");
  const push = new Push({ context });
  push.connect("inproc://pipeline");
  const frame = text.encode("by reference");
  await push.send([frame, new Uint8Array()]);
  const [received, empty] = await pull.receive(timeout());
  assert(
    received === frame,
    "the frame arrives as the same object, not a copy",
  );
  assertEquals(empty.length, 0);

  const late = new Push({ context });
  late.connect("inproc://later");
  await late.send("queued before bind");
  const binder = new Pull({ context });
  await binder.bind("inproc://later");
  assertEquals(
    decode((await binder.receive(timeout()))[0]),
    "queued before bind",
  );
});

Deno.test("inproc: request-reply, routing ids, pub-sub and pair", async () => {
  await using context = new Context();
  const rep = new Reply({ context });
  await rep.bind("inproc://rr");
  const req = new Request({ context });
  req.connect("inproc://rr");
  await req.send("ping");
  assertEquals(decode((await rep.receive(timeout()))[0]), "ping");
  await rep.send("pong");
  assertEquals(decode((await req.receive(timeout()))[0]), "pong");

  const router = new Router({ context });
  await router.bind("inproc://router");
  const dealer = new Dealer({ context, routingId: "worker-1" });
  dealer.connect("inproc://router");
  await dealer.send("ready");
  const [id, body] = await router.receive(timeout());
  assertEquals([decode(id), decode(body)], ["worker-1", "ready"]);
  await router.send([id, "task"]);
  assertEquals(decode((await dealer.receive(timeout()))[0]), "task");

  const pub = new Publisher({ context });
  await pub.bind("inproc://news");
  const sub = new Subscriber({ context });
  sub.subscribe("sport");
  sub.connect("inproc://news");
  await sendUntilReceived(
    () => pub.send(["sport", "goal"]),
    sub.receive(timeout()),
  );
  await pub.send(["weather", "rain"]);
  await pub.send(["sport", "second goal"]);
  assertEquals((await sub.receive(timeout())).map(decode), [
    "sport",
    "second goal",
  ]);

  const a = new Pair({ context });
  await a.bind("inproc://pair");
  const b = new Pair({ context });
  b.connect("inproc://pair");
  await b.send("hi");
  await a.send("hello");
  assertEquals(decode((await a.receive(timeout()))[0]), "hi");
  assertEquals(decode((await b.receive(timeout()))[0]), "hello");
});

Deno.test("inproc: the receive high-water mark holds the sender back, nothing lost", async () => {
  await using context = new Context();
  const pull = new Pull({ context, receiveHighWaterMark: 5 });
  await pull.bind("inproc://slow");
  const push = new Push({ context, sendHighWaterMark: 5 });
  push.connect("inproc://slow");
  let sent = 0;
  const sending = (async () => {
    for (let i = 0; i < 100; i++) {
      await push.send(String(i));
      sent++;
    }
  })();
  // Let the sender run as far as it can while nobody reads.
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert(sent < 100, `the sender should be held back, sent ${sent}`);
  for (let i = 0; i < 100; i++) {
    assertEquals(decode((await pull.receive(timeout()))[0]), String(i));
  }
  await sending;
});

Deno.test("inproc: a name binds once; incompatible sockets are refused; a rebind reconnects", async () => {
  await using context = new Context();
  const first = new Pull({ context });
  await first.bind("inproc://name");
  const second = new Pull({ context });
  const error = await assertRejects(
    () => second.bind("inproc://name"),
    ZmqError,
  );
  assertEquals((error as ZmqError).code, "EADDRINUSE");

  const wrong = new Publisher({ context });
  wrong.connect("inproc://name");
  const refused = await wrong.events.wait(
    "handshake-failed",
    AbortSignal.timeout(5000),
  );
  assertEquals(refused.kind, "incompatible");

  const push = new Push({ context });
  push.connect("inproc://name");
  await push.send("to the first");
  assertEquals(decode((await first.receive(timeout()))[0]), "to the first");
  await first.close();
  await second.bind("inproc://name");
  await push.send("to the second");
  assertEquals(decode((await second.receive(timeout()))[0]), "to the second");
});

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

/** A PULL → PUSH streamer's sockets, and a PUSH and a PULL at its ends. */
async function streamer(context: Context) {
  const frontend = new Pull({ context });
  await frontend.bind("inproc://in");
  const backend = new Push({ context });
  await backend.bind("inproc://out");
  const source = new Push({ context });
  source.connect("inproc://in");
  const sink = new Pull({ context });
  sink.connect("inproc://out");
  return { frontend, backend, source, sink };
}

Deno.test("proxy: a ProxyControl pauses, resumes and terminates it", async () => {
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context);
  const control = new ProxyControl();
  const running = proxy(frontend, backend, { control });
  await source.send("one");
  assertEquals(decode((await sink.receive(timeout()))[0]), "one");
  control.pause();
  await source.send("two");
  const early = await sink.receive({ signal: AbortSignal.timeout(100) }).catch(
    () => "nothing",
  );
  assertEquals(early, "nothing", "paused: nothing is forwarded");
  control.resume();
  assertEquals(decode((await sink.receive(timeout()))[0]), "two");
  control.terminate();
  await running;
});

Deno.test("proxy: paused, it stops for an abort, a terminate or a closed socket, and the message it was waiting for stays in the socket", async () => {
  for (const stop of ["abort", "terminate", "close"] as const) {
    await using context = new Context();
    const { frontend, backend, source } = await streamer(context);
    const control = new ProxyControl();
    const abort = new AbortController();
    const running = proxy(frontend, backend, { control, signal: abort.signal });
    control.pause();
    await source.send("held");
    if (stop === "abort") abort.abort();
    else if (stop === "terminate") control.terminate();
    else await backend.close();
    await deadline(running, 5000);
    if (stop !== "close") {
      // Paused, it took nothing: the message waits in the frontend.
      assertEquals(decode((await frontend.receive(timeout()))[0]), "held");
    }
  }
});

Deno.test("proxy: GATHER to SCATTER forwards one way (a SCATTER cannot receive)", async () => {
  await using context = new Context();
  const gather = new Gather({ context });
  await gather.bind("inproc://gather");
  const scatter = new Scatter({ context });
  await scatter.bind("inproc://scatter");
  const source = new Scatter({ context });
  source.connect("inproc://gather");
  const sink = new Gather({ context });
  sink.connect("inproc://scatter");
  const stop = new AbortController();
  const running = proxy(gather, scatter, { signal: stop.signal });
  await source.send("through");
  assertEquals(decode((await sink.receive(timeout()))[0]), "through");
  stop.abort();
  await running;
});

Deno.test("proxy: a pause and a resume in one turn leave it running; a message taken as it pauses waits for the resume", async () => {
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context);
  const control = new ProxyControl();
  const running = proxy(frontend, backend, { control });
  await new Promise((resolve) => setTimeout(resolve)); // waiting in receive
  control.pause();
  control.resume();
  await source.send("after a blink");
  assertEquals(decode((await sink.receive(timeout()))[0]), "after a blink");
  // Queued before the proxy's next receive, which resolves at once: paused
  // meanwhile, it holds the message instead of forwarding it.
  await source.send("held");
  control.pause();
  const early = await sink.receive({ signal: AbortSignal.timeout(100) }).catch(
    () => "nothing",
  );
  assertEquals(early, "nothing", "paused: nothing is forwarded");
  control.resume();
  assertEquals(decode((await sink.receive(timeout()))[0]), "held");
  control.terminate();
  await running;
});

Deno.test("proxy: two ways, a pause and a resume in one turn leave it running", async () => {
  await using context = new Context();
  const frontend = new Router({ context });
  await frontend.bind("inproc://front");
  const backend = new Dealer({ context });
  await backend.bind("inproc://back");
  const control = new ProxyControl();
  const running = proxy(frontend, backend, { control });
  await new Promise((resolve) => setTimeout(resolve)); // both receiving
  control.pause();
  control.resume();
  const client = new Request({ context });
  client.connect("inproc://front");
  const service = new Reply({ context });
  service.connect("inproc://back");
  await client.send("ping");
  await service.send(await service.receive(timeout()));
  assertEquals(decode((await client.receive(timeout()))[0]), "ping");
  control.terminate();
  await running;
});

Deno.test("proxy: a message held through a pause goes on when a resume and a terminate come in one turn", async () => {
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context);
  const control = new ProxyControl();
  control.pause();
  const running = proxy(frontend, backend, { control });
  await source.send("held");
  await new Promise((resolve) => setTimeout(resolve));
  // A blink of running: the message is taken, then held by the pause.
  control.resume();
  await Promise.resolve();
  control.pause();
  await new Promise((resolve) => setTimeout(resolve));
  control.resume();
  control.terminate();
  await running;
  assertEquals(decode((await sink.receive(timeout()))[0]), "held");
});

Deno.test("proxy: stopped while its backend cannot take a message, it gives the capture that message once", async () => {
  await using context = new Context();
  const frontend = new Pull({ context });
  await frontend.bind("inproc://capture-in");
  const source = new Push({ context });
  source.connect("inproc://capture-in");
  // A backend nobody connects to: its send waits.
  const backend = new Push({ context, linger: 0 });
  await backend.bind("inproc://capture-out");
  const capture = new Push({ context });
  await capture.bind("inproc://capture");
  const copies = new Pull({ context });
  copies.connect("inproc://capture");
  const stop = new AbortController();
  const running = proxy(frontend, backend, { capture, signal: stop.signal });
  await source.send("once");
  assertEquals(decode((await copies.receive(timeout()))[0]), "once");
  stop.abort();
  await running;
  // Whatever reached the capture by now: no second copy.
  await new Promise((resolve) => setTimeout(resolve));
  assertEquals(copies.readable, false);
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
    await using one = new Pull({ context, receiveHighWaterMark: 10 });
    await one.bind("inproc://one");
    await using two = new Pull({ context, receiveHighWaterMark: 10 });
    await two.bind("inproc://two");
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
    await Promise.all(waiting);
    const count = async (pull: Pull) => {
      let n = 0;
      while (pull.readable) {
        await pull.receive();
        n++;
      }
      return n;
    };
    // What each peer got beyond its half of what went at once (libzmq's
    // goes at once as far as both high-water marks, ours as far as ours).
    const beyond = (line: string) => {
      const [all, first, second] = line.split(" ").map(Number);
      return [first - all / 2, second - all / 2];
    };
    const got = beyond(`${sent} ${await count(one)} ${await count(two)}`);
    assertEquals([linger, got], [linger, beyond(native)]);
    assertEquals(got, [0, 10]);
    assertEquals((await push.close()).dropped, 0);
  }
});
