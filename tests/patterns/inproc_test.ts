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
  sendUntilReceived,
  timeout,
  until,
  within,
  without,
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

// Both with the runtime's AbortSignal.any and with the fallback of runtimes
// without it (Safari before 17.4), which the proxy's signals go through.
for (const builtin of [true, false]) {
  const given = builtin ? "" : " (no AbortSignal.any: the fallback)";
  const run = (body: () => Promise<void>) =>
    builtin ? body() : without(AbortSignal, "any", body);

  Deno.test(`proxy: a ProxyControl pauses, resumes and terminates it${given}`, () =>
    run(async () => {
      await using context = new Context();
      const { frontend, backend, source, sink } = await streamer(context);
      const control = new ProxyControl();
      const running = proxy(frontend, backend, { control });
      await source.send(["one", "", "x".repeat(300)]);
      const [one, empty, long] = await sink.receive(timeout());
      assertEquals([decode(one), empty.length, long.length], ["one", 0, 300]);
      control.pause();
      await source.send("two");
      const early = await sink.receive({ signal: AbortSignal.timeout(100) })
        .catch(() => "nothing");
      assertEquals(early, "nothing", "paused: nothing is forwarded");
      control.resume();
      assertEquals(decode((await sink.receive(timeout()))[0]), "two");
      control.terminate();
      await running;
    }));

  Deno.test(`proxy: paused, it stops for an abort, a terminate or a closed socket, and the message it was waiting for stays in the socket${given}`, () =>
    run(async () => {
      for (const stop of ["abort", "terminate", "close"] as const) {
        await using context = new Context();
        const { frontend, backend, source } = await streamer(context);
        const control = new ProxyControl();
        const abort = new AbortController();
        const running = proxy(frontend, backend, {
          control,
          signal: abort.signal,
        });
        control.pause();
        await source.send("held");
        if (stop === "abort") abort.abort();
        else if (stop === "terminate") control.terminate();
        else await backend.close();
        // Not @std's deadline, which needs AbortSignal.any itself.
        await within(running, 5000);
        if (stop !== "close") {
          // Paused, it took nothing: the message waits in the frontend.
          assertEquals(decode((await frontend.receive(timeout()))[0]), "held");
        }
      }
    }));
}

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

Deno.test("proxy: a ProxyControl's counting and waiting are the proxy's: its users cannot call them to falsify the statistics", async () => {
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context);
  const control = new ProxyControl();
  for (const name of ["counted", "pausing", "whenRunning"]) {
    assertEquals(name in control, false, name);
  }
  const running = proxy(frontend, backend, { control });
  await source.send("counted");
  assertEquals(decode((await sink.receive(timeout()))[0]), "counted");
  assertEquals(control.statistics().frontend.messagesIn, 1);
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

Deno.test("proxy: stopped while its backend is full, the message it took stays queued there, so a next proxy passes every message on, in order (libzmq's takes none it cannot pass on)", async () => {
  await using context = new Context();
  const frontend = new Pull({ context, receiveHighWaterMark: 1 });
  await frontend.bind("inproc://full-in");
  // Its sendTimeout passes before the sink reads: the held message waits on.
  const backend = new Push({ context, sendHighWaterMark: 1, sendTimeout: 20 });
  await backend.bind("inproc://full-out");
  const source = new Push({ context, sendHighWaterMark: 1 });
  source.connect("inproc://full-in");
  const sink = new Pull({ context, receiveHighWaterMark: 1 });
  sink.connect("inproc://full-out");
  const first = new ProxyControl();
  const running = proxy(frontend, backend, { control: first });
  const sending = (async () => {
    for (let i = 0; i < 20; i++) await source.send(String(i));
  })();
  await until(
    () => coreOf(backend).sendPending,
    "the proxy held at its backend",
  );
  first.terminate();
  await deadline(running, 5000);
  await new Promise((resolve) => setTimeout(resolve, 50)); // past sendTimeout
  const second = new ProxyControl();
  const again = proxy(frontend, backend, { control: second });
  const got: string[] = [];
  for (let i = 0; i < 20; i++) {
    got.push(decode((await sink.receive(timeout()))[0]));
  }
  assertEquals(got, [...Array(20).keys()].map(String));
  await sending;
  second.terminate();
  await again;
});

Deno.test("proxy: a frontend that cannot receive or a backend that cannot send is ENOTSUP before anything is taken", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://nowhere");
  const push = new Push({ context });
  push.connect("inproc://nowhere");
  await push.send("kept");
  const other = new Pull({ context });
  const sub = new Subscriber({ context });
  for (
    const [frontend, backend, capture] of [
      [pull, other, undefined],
      [push, other, undefined],
      [pull, new Push({ context, linger: 0 }), sub], // a capture cannot send
    ] as const
  ) {
    const error = await assertRejects(
      () => proxy(frontend, backend, { capture }),
      ZmqError,
    );
    assertEquals(error.code, "ENOTSUP");
  }
  assertEquals(decode((await pull.receive(timeout()))[0]), "kept");
});
