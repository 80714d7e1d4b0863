/** Socket semantics between our own sockets: states, waiting, order, linger, endpoints. */
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Context,
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  ZmqError,
} from "../../mod.ts";
import { decode, sendUntilReceived, timeout } from "../_helpers.ts";
import { coreOf } from "../../patterns/_core.ts";

Deno.test("REQ: a second send, or a receive before sending, fails at once with EFSM", async () => {
  await using context = new Context();
  const rep = new Reply({ context });
  await rep.bind("tcp://127.0.0.1:0");
  const req = new Request({ context });
  req.connect(rep.lastEndpoint!);
  // Each wrong call is given a deadline: if it waited instead of failing,
  // the deadline's TimeoutError would fail assertRejects.
  const early = await assertRejects(() => req.receive(timeout()), ZmqError);
  assertEquals((early as ZmqError).code, "EFSM");
  await req.send("one", timeout());
  const error = await assertRejects(
    () => req.send("two", timeout()),
    ZmqError,
    "receive the reply",
  );
  assertEquals((error as ZmqError).code, "EFSM");
  await rep.receive(timeout());
  await assertRejects(
    () => rep.receive(timeout()),
    ZmqError,
    "send the reply",
  );
  await rep.send("reply", timeout());
  assertEquals(decode((await req.receive(timeout()))[0]), "reply");
  await req.send("three", timeout()); // alternation restored
});

Deno.test("REQ: a receive waiting on a send that times out or is aborted fails with EFSM (it waited for ever), and so does the next", async () => {
  for (const relaxed of [false, true]) {
    for (const how of ["timeout", "abort"]) {
      await using request = new Request({
        sendTimeout: how === "timeout" ? 50 : -1,
        requestRelaxed: relaxed,
      });
      const abort = new AbortController();
      const sending = request.send("x", { signal: abort.signal }); // no peer
      const receiving = request.receive();
      if (how === "abort") abort.abort();
      await assertRejects(() => deadline(sending, 5000));
      const error = await assertRejects(
        () => deadline(receiving, 5000),
        ZmqError,
      );
      assertEquals(error.code, "EFSM", `${how}, relaxed ${relaxed}`);
      const next = await assertRejects(() => request.receive(), ZmqError);
      assertEquals(next.code, "EFSM");
    }
  }
});

Deno.test("REP: sending before receiving fails with EFSM", async () => {
  await using context = new Context();
  const rep = new Reply({ context });
  const error = await assertRejects(() => rep.send("x", timeout()), ZmqError);
  assertEquals((error as ZmqError).code, "EFSM");
});

Deno.test("sockets that cannot send or receive say so with ENOTSUP", async () => {
  await using context = new Context();
  for (
    const attempt of [
      () => new Subscriber({ context }).send("x", timeout()),
      () => new Pull({ context }).send("x", timeout()),
      () => new Push({ context }).receive(timeout()),
      () => new Publisher({ context }).receive(timeout()),
    ]
  ) {
    const error = await assertRejects(attempt, ZmqError);
    assertEquals((error as ZmqError).code, "ENOTSUP");
  }
});

Deno.test("iterating a socket: queued and later messages in order, break, a signal or close ends it quietly, ENOTSUP throws", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://iterated");
  const push = new Push({ context });
  push.connect("inproc://iterated");
  for (const text of ["one", "two", "three"]) await push.send(text);
  const seen: string[] = [];
  for await (const [frame] of pull) {
    seen.push(decode(frame));
    // Queued ones first, then one that arrives while the iterator waits.
    if (seen.length === 3) setTimeout(() => push.send("four"), 10);
    if (seen.length === 4) break;
  }
  assertEquals(seen, ["one", "two", "three", "four"]);

  // Overlapping calls of next settle in order, as a generator's do.
  const overlapping = pull.messages();
  const first = overlapping.next();
  const second = overlapping.next();
  await push.send("five");
  await push.send("six");
  const results: IteratorResult<Uint8Array[], void>[] = await deadline(
    Promise.all([first, second]),
    5000,
  );
  assertEquals(
    results.map((result) => result.done ? "done" : decode(result.value[0])),
    ["five", "six"],
  );
  // What async generators inherit, `await using` among it.
  const generator = (async function* () {})();
  const disposer = (value: object) =>
    typeof (value as Record<symbol, unknown>)[Symbol.asyncDispose];
  assertEquals(disposer(overlapping), disposer(generator));

  const controller = new AbortController();
  const waiting = pull.messages({ signal: controller.signal }).next();
  controller.abort();
  assertEquals(await deadline(waiting, 5000), { value: undefined, done: true });

  const iterator = pull.messages();
  const pending = iterator.next();
  await pull.close();
  assertEquals(await deadline(pending, 5000), { value: undefined, done: true });
  assertEquals(await iterator.next(), { value: undefined, done: true });

  const error = await assertRejects(
    () => new Push({ context }).messages().next(),
    ZmqError,
  );
  assertEquals(error.code, "ENOTSUP");
});

Deno.test("PUSH with no peer waits, then delivers once a peer connects", async () => {
  await using context = new Context();
  const push = new Push({ context });
  await push.bind("tcp://127.0.0.1:0");
  let settled = false;
  const sending = push.send("queued", timeout()).then(() => settled = true);
  await Promise.resolve();
  assertEquals(settled, false);
  const pull = new Pull({ context });
  pull.connect(push.lastEndpoint!);
  await sending;
  assertEquals(decode((await pull.receive(timeout()))[0]), "queued");
});

Deno.test("concurrent sends and receives are served in order", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("tcp://127.0.0.1:0");
  const receives = Array.from({ length: 5 }, () => pull.receive(timeout()));
  const push = new Push({ context, sendHighWaterMark: 2 });
  await push.bind("tcp://127.0.0.1:0");
  const { signal } = timeout();
  const sends = Array.from(
    { length: 5 },
    (_, i) => push.send(String(i), { signal }),
  );
  pull.connect(push.lastEndpoint!);
  await Promise.all(sends);
  assertEquals((await Promise.all(receives)).map(([f]) => decode(f)), [
    "0",
    "1",
    "2",
    "3",
    "4",
  ]);
});

Deno.test("a receive can be abandoned with an AbortSignal", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  const controller = new AbortController();
  const receiving = pull.receive({ signal: controller.signal });
  controller.abort(new Error("gave up"));
  await assertRejects(() => receiving, Error, "gave up");
});

Deno.test("connect before bind: queued messages arrive once the peer binds (ipc)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using context = new Context();
    const endpoint = `ipc://${dir}/late.sock`;
    const push = new Push({ context });
    push.connect(endpoint);
    await push.send(["early", "bird"], timeout());
    const pull = new Pull({ context });
    await pull.bind(endpoint);
    assertEquals((await pull.receive(timeout())).map(decode), [
      "early",
      "bird",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PUSH load-balances and PULL fair-queues", async () => {
  await using context = new Context();
  const pulls = [new Pull({ context }), new Pull({ context })];
  const push = new Push({ context });
  for (const pull of pulls) {
    await pull.bind("tcp://127.0.0.1:0");
    push.connect(pull.lastEndpoint!);
  }
  for (let i = 0; i < 4; i++) await push.send(String(i), timeout());
  const first = (await pulls[0].receive(timeout())).map(decode);
  const second = (await pulls[1].receive(timeout())).map(decode);
  assertEquals([first, second].flat().sort(), ["0", "1"]);
  assertEquals(
    [
      (await pulls[0].receive(timeout()))[0],
      (await pulls[1].receive(timeout()))[0],
    ].map(decode).sort(),
    ["2", "3"],
  );

  const sink = new Pull({ context });
  await sink.bind("tcp://127.0.0.1:0");
  const a = new Push({ context });
  const b = new Push({ context });
  a.connect(sink.lastEndpoint!);
  b.connect(sink.lastEndpoint!);
  for (let i = 0; i < 3; i++) {
    await a.send("a", timeout());
    await b.send("b", timeout());
  }
  const got: string[] = [];
  for (let i = 0; i < 6; i++) {
    got.push(decode((await sink.receive(timeout()))[0]));
  }
  assertEquals(got.filter((s) => s === "a").length, 3);
});

Deno.test("SUB: subscriptions are counted; the last cancel stops delivery", async () => {
  await using context = new Context();
  const pub = new Publisher({ context });
  await pub.bind("tcp://127.0.0.1:0");
  const sub = new Subscriber({ context });
  sub.subscribe("A", "A", "B", "sync");
  sub.connect(pub.lastEndpoint!);
  // Wait for the subscriptions to reach the publisher, then drain the markers.
  await sendUntilReceived(() => pub.send("sync"), sub.receive(timeout()));
  await pub.send("B0");
  while (decode((await sub.receive(timeout()))[0]) !== "B0") { /* markers */ }
  sub.unsubscribe("A");
  await pub.send("A1");
  await pub.send("B1");
  assertEquals((await sub.receive(timeout())).map(decode), ["A1"]);
  assertEquals((await sub.receive(timeout())).map(decode), ["B1"]);
  sub.unsubscribe("A");
  await pub.send("A2");
  await pub.send("B2");
  assertEquals((await sub.receive(timeout())).map(decode), ["B2"]);
});

Deno.test("ROUTER drops unroutable messages; DEALER talks to it by routing id", async () => {
  await using context = new Context();
  const router = new Router({ context });
  await router.bind("tcp://127.0.0.1:0");
  await router.send(["nobody", "lost"]);
  const dealer = new Dealer({ context, routingId: "D1" });
  dealer.connect(router.lastEndpoint!);
  await dealer.send(["hi"], timeout());
  const [id, body] = await router.receive(timeout());
  assertEquals([decode(id), decode(body)], ["D1", "hi"]);
  await router.send([id, "back"]);
  assertEquals(decode((await dealer.receive(timeout()))[0]), "back");
});

Deno.test("PAIR keeps a second peer connected but unheard, as libzmq's PAIR", async () => {
  await using context = new Context();
  const pair = new Pair({ context });
  await pair.bind("tcp://127.0.0.1:0");
  const first = new Pair({ context });
  first.connect(pair.lastEndpoint!);
  await first.send("one", timeout());
  assertEquals(decode((await pair.receive(timeout()))[0]), "one");
  const second = new Pair({ context });
  second.connect(pair.lastEndpoint!);
  await second.events.wait("handshake-succeeded", timeout().signal);
  await second.send("unheard", timeout());
  await first.send("still one", timeout());
  assertEquals(decode((await pair.receive(timeout()))[0]), "still one");
  await pair.send("to the first", timeout());
  assertEquals(decode((await first.receive(timeout()))[0]), "to the first");
  // Refused, it reconnected every interval; kept, it stays put.
  assertEquals(
    [...coreOf(pair).pipes].filter((pipe) => pipe.ready).length,
    2,
  );
  assert(!pair.readable);
});

Deno.test("PAIR: an unheard second peer feels backpressure, as libzmq's session stops reading it: its sends stop at its high-water mark", async () => {
  await using context = new Context();
  const pair = new Pair({ context });
  await pair.bind("inproc://unheard");
  const first = new Pair({ context });
  first.connect("inproc://unheard");
  await first.send("one", timeout());
  assertEquals(decode((await pair.receive(timeout()))[0]), "one");
  const second = new Pair({
    context,
    sendHighWaterMark: 10,
    sendTimeout: 0,
    linger: 0,
  });
  second.connect("inproc://unheard");
  await second.events.wait("handshake-succeeded", timeout().signal);
  // Until refused twenty times in a row, a turn of the loop apart: a peer
  // that reads drains the queue meanwhile, one that does not, not.
  let sent = 0;
  for (let refused = 0; refused < 20 && sent < 10_000;) {
    try {
      await second.send("unheard");
      sent++;
      refused = 0;
    } catch (error) {
      assertEquals((error as ZmqError).code, "EAGAIN");
      refused++;
      await new Promise((resolve) => setTimeout(resolve));
    }
  }
  // Read and dropped, it went on for ever (186,171 sends in a second).
  assert(sent < 100, `${sent} sends went through`);
});

Deno.test("close() flushes queued messages within linger", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("tcp://127.0.0.1:0");
  const push = new Push({ context });
  push.connect(pull.lastEndpoint!);
  for (let i = 0; i < 100; i++) await push.send(String(i), timeout());
  await deadline(push.close(), 5000);
  for (let i = 0; i < 100; i++) {
    assertEquals(decode((await pull.receive(timeout()))[0]), String(i));
  }
});

Deno.test("close() gives up after linger when the peer never reads", async () => {
  await using context = new Context();
  const pull = new Pull({ context, receiveHighWaterMark: 1 });
  await pull.bind("tcp://127.0.0.1:0");
  const push = new Push({ context, linger: 200 });
  push.connect(pull.lastEndpoint!);
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < 64; i++) await push.send(chunk, timeout()); // far more than the TCP buffers hold
  const started = Date.now();
  await deadline(push.close(), 5000);
  const elapsed = Date.now() - started;
  assert(
    elapsed >= 150 && elapsed < 3000,
    `close took ${elapsed} ms with linger 200`,
  );
});

Deno.test("Context.close() closes every socket; pending receives end with ETERM", async () => {
  const context = new Context();
  const pull = new Pull({ context });
  await pull.bind("tcp://127.0.0.1:0");
  // With a deadline: a receive left waiting ends with its TimeoutError, not ETERM.
  const receiving = pull.receive(timeout()).catch((error) => error);
  const iterating = (async () => {
    for await (const _ of new Pull({ context })) { /* never */ }
    return "ended";
  })();
  await deadline(context.close(), 5000);
  const error = await receiving;
  assert(error instanceof ZmqError);
  assertEquals(error.code, "ETERM");
  assertEquals(await deadline(iterating, 5000), "ended");
  assertEquals(context.sockets.size, 0);
  assert(pull.closed);
});

Deno.test("endpoints: IPv6, wildcard, localhost, and typed errors", async (t) => {
  await using context = new Context();
  await t.step("tcp://[::1]:0", async () => {
    const pull = new Pull({ context });
    await pull.bind("tcp://[::1]:0");
    assert(pull.lastEndpoint!.startsWith("tcp://[::1]:"));
    const push = new Push({ context });
    push.connect(pull.lastEndpoint!);
    await push.send("v6", timeout());
    assertEquals(decode((await pull.receive(timeout()))[0]), "v6");
  });
  await t.step("tcp://*:0 and tcp://localhost", async () => {
    const pull = new Pull({ context });
    await pull.bind("tcp://*:0");
    const port = pull.lastEndpoint!.split(":").at(-1);
    assert(port !== "0");
    const push = new Push({ context });
    push.connect(`tcp://localhost:${port}`);
    await push.send("any", timeout());
    assertEquals(decode((await pull.receive(timeout()))[0]), "any");
  });
  await t.step("address in use, malformed, unknown transport", async () => {
    const pull = new Pull({ context });
    await pull.bind("tcp://127.0.0.1:0");
    const other = new Pull({ context });
    const inUse = await assertRejects(
      () => other.bind(pull.lastEndpoint!),
      ZmqError,
    );
    assertEquals((inUse as ZmqError).code, "EADDRINUSE");
    const malformed = await assertRejects(
      () => other.bind("tcp://nowhere"),
      ZmqError,
    );
    assertEquals((malformed as ZmqError).code, "EINVAL");
    const unknown = await assertRejects(
      () => other.bind("sctp://127.0.0.1:1"),
      ZmqError,
    );
    assertEquals((unknown as ZmqError).code, "EPROTONOSUPPORT");
  });
  await t.step(
    "ipc: a stale socket file is replaced, the file is removed on close",
    async () => {
      const dir = await Deno.makeTempDir();
      const path = `${dir}/stale.sock`;
      const stale = Deno.listen({ transport: "unix", path });
      stale.close(); // leaves the file behind, like a crashed process
      const pull = new Pull({ context });
      await pull.bind(`ipc://${path}`);
      assert((await Deno.lstat(path)).isSocket);
      await pull.close();
      await assertRejects(() => Deno.lstat(path), Deno.errors.NotFound);
      await Deno.remove(dir, { recursive: true });
    },
  );
});

Deno.test("unbind drops the peers accepted there; disconnect stops a connect", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("tcp://127.0.0.1:0");
  const endpoint = pull.lastEndpoint!;
  const push = new Push({ context, reconnectInterval: 20 });
  push.connect(endpoint);
  await push.send("before", timeout());
  assertEquals(decode((await pull.receive(timeout()))[0]), "before");
  await pull.unbind(endpoint);
  await push.events.wait("disconnected", timeout().signal);
  await assertRejects(() => pull.unbind(endpoint), ZmqError);
  await push.disconnect(endpoint);
  const error = await assertRejects(() => push.disconnect(endpoint), ZmqError);
  assertEquals((error as ZmqError).code, "ENOENT");
});

Deno.test("binding port 0 twice and connecting twice to one endpoint leak nothing", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("tcp://127.0.0.1:0");
  const first = pull.lastEndpoint!;
  await pull.bind("tcp://127.0.0.1:0");
  assert(pull.lastEndpoint !== first);
  const push = new Push({ context });
  push.connect(first);
  push.connect(first);
  await push.send("a", timeout());
  await push.send("b", timeout());
  const got = [await pull.receive(timeout()), await pull.receive(timeout())];
  assertEquals(got.map(([f]) => decode(f)).sort(), ["a", "b"]);
  // Port 0 names no one listener (libzmq: ENOENT); its endpoint does.
  await assertRejects(() => pull.unbind("tcp://127.0.0.1:0"), ZmqError);
  await pull.unbind(first);
  await push.disconnect(first); // both connections
});

Deno.test("an abandoned events.wait() leaves the next event for the next reader", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  const controller = new AbortController();
  const waiting = pull.events.wait("accepted", controller.signal);
  controller.abort(new Error("stop"));
  await assertRejects(() => waiting, Error, "stop");
  await pull.bind("tcp://127.0.0.1:0");
  const event = await pull.events.wait("listening", timeout().signal);
  assertEquals(event.endpoint, pull.lastEndpoint);
});

Deno.test("high-water marks: PUSH waits at the mark, PUB never waits", async (t) => {
  await using context = new Context();
  const dir = await Deno.makeTempDir();
  await t.step(
    "PUSH queues up to sendHighWaterMark for an absent peer, then waits",
    async () => {
      const endpoint = `ipc://${dir}/absent.sock`;
      const push = new Push({
        context,
        sendHighWaterMark: 3,
        reconnectInterval: 10,
      });
      push.connect(endpoint);
      for (let i = 0; i < 3; i++) await push.send(String(i), timeout());
      let fourthSettled = false;
      const fourth = push.send("3", timeout()).then(() => fourthSettled = true);
      await new Promise((resolve) => setTimeout(resolve, 0));
      assertEquals(fourthSettled, false);
      const pull = new Pull({ context });
      await pull.bind(endpoint);
      await fourth;
      for (let i = 0; i < 4; i++) {
        assertEquals(decode((await pull.receive(timeout()))[0]), String(i));
      }
    },
  );
  await t.step(
    "PUB keeps sending to a subscriber that reads nothing",
    async () => {
      const pub = new Publisher({ context, sendHighWaterMark: 10, linger: 0 });
      await pub.bind("tcp://127.0.0.1:0");
      const sub = new Subscriber({ context, receiveHighWaterMark: 1 });
      sub.subscribe();
      sub.connect(pub.lastEndpoint!);
      await sendUntilReceived(() => pub.send("sync"), sub.receive(timeout()));
      const megabyte = new Uint8Array(1024 * 1024);
      // 200 MiB would never fit the subscriber's buffers: the surplus is
      // dropped, no send waits. One deadline for all 200 sends: a PUB that
      // waited for the subscriber would wait for ever.
      const { signal } = timeout();
      for (let i = 0; i < 200; i++) await pub.send(megabyte, { signal });
      // Now the subscriber reads what reached it, up to a marker sent after
      // the 200 (sent again until one is not dropped).
      let delivered = 0;
      await sendUntilReceived(
        () => pub.send("end"),
        (async () => {
          while (true) {
            const [frame] = await sub.receive(timeout());
            if (frame.length === megabyte.length) delivered++;
            else if (decode(frame) === "end") return;
          }
        })(),
      );
      assert(delivered < 200, `${delivered} of 200 were delivered`);
    },
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("timeouts and routerMandatory fail with typed errors", async () => {
  await using context = new Context();
  const pull = new Pull({ context, receiveTimeout: 30 });
  // receiveTimeout/sendTimeout fire first; the deadlines only stop a hang.
  const timedOut = await assertRejects(() => pull.receive(timeout()), ZmqError);
  assertEquals((timedOut as ZmqError).code, "EAGAIN");
  const now = new Pull({ context, receiveTimeout: 0 });
  const notNow = await assertRejects(() => now.receive(timeout()), ZmqError);
  assertEquals((notNow as ZmqError).code, "EAGAIN");
  const push = new Push({ context, sendTimeout: 30 });
  await push.bind("tcp://127.0.0.1:0"); // no peer: send must wait, then time out
  const unsent = await assertRejects(() => push.send("x", timeout()), ZmqError);
  assertEquals((unsent as ZmqError).code, "EAGAIN");

  const router = new Router({ context, routerMandatory: true });
  await router.bind("tcp://127.0.0.1:0");
  const unroutable = await assertRejects(
    () => router.send(["nobody", "x"], timeout()),
    ZmqError,
    "routing id",
  );
  assertEquals((unroutable as ZmqError).code, "EHOSTUNREACH");
  const dealer = new Dealer({ context, routingId: "known" });
  dealer.connect(router.lastEndpoint!);
  await dealer.send("hello", timeout());
  const [id] = await router.receive(timeout());
  await router.send([id, "routed"]);
  assertEquals(decode((await dealer.receive(timeout()))[0]), "routed");
});

Deno.test("an already-aborted signal sends and takes nothing", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://aborted");
  const push = new Push({ context });
  push.connect("inproc://aborted");
  const aborted = AbortSignal.abort(new Error("abandoned"));
  await assertRejects(
    () => push.send("dropped", { signal: aborted }),
    Error,
    "abandoned",
  );
  await push.send("kept");
  await assertRejects(
    () => pull.receive({ signal: aborted }),
    Error,
    "abandoned",
  );
  // The abandoned receive took nothing; the abandoned send sent nothing.
  assertEquals(decode((await pull.receive(timeout()))[0]), "kept");
  assertEquals(pull.readable, false);
});

Deno.test("a closed context takes no new socket (ETERM); the default one is made anew", async () => {
  const context = new Context();
  await context.close();
  assertEquals(context.closed, true);
  const error = assertThrows(() => new Pull({ context }), ZmqError);
  assertEquals(error.code, "ETERM");
  const old = Context.default;
  await old.close();
  const fresh = new Pull(); // joins a new default context
  assert(fresh.context !== old && !fresh.context.closed);
  await fresh.close();
});
