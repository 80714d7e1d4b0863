/**
 * Resources and load: reconnect cycles leak nothing, an ipc file deleted
 * under us or a port in use leaves nothing behind, a peer that half-closes
 * is gone, a slow subscriber cannot grow the publisher, a stalled PULL
 * blocks its PUSH, and closing under load says what it dropped.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  Context,
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Router,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import {
  decode,
  freePort,
  handshakeAs,
  sendUntilReceived,
  timeout,
  typesUntil,
  until,
} from "./_helpers.ts";
import { coreOf } from "../patterns/_core.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { deadline } from "@std/async/deadline";

function openFiles(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test("1000 reconnect cycles leave no file descriptor behind", async () => {
  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  const pull = new Pull();
  await pull.bind(endpoint);
  const push = new Push({ reconnectInterval: 1 });
  push.connect(endpoint);
  await push.events.wait("handshake-succeeded", timeout().signal);
  const baseline = openFiles();
  for (let cycle = 0; cycle < 1000; cycle++) {
    // Dropping the listener drops the peer; it reconnects to the new one.
    await pull.unbind(endpoint);
    await pull.bind(endpoint);
    await push.events.wait("handshake-succeeded", timeout().signal);
  }
  await push.send("still works");
  assertEquals(decode((await pull.receive(timeout()))[0]), "still works");
  assertEquals(openFiles(), baseline);
  await push.close();
  await pull.close();
});

Deno.test("a unix socket file deleted under a bound socket: its peers are still served, close is clean", async () => {
  await using peer = new LibzmqPeer();
  const dir = await Deno.makeTempDir();
  const endpoint = `ipc://${dir}/deleted.sock`;
  const baseline = openFiles();
  const pull = new Pull();
  await pull.bind(endpoint);
  const push = await peer.open("Push");
  await push.connect(endpoint);
  await push.send(["before"]);
  assertEquals(decode((await pull.receive(timeout()))[0]), "before");
  await Deno.remove(`${dir}/deleted.sock`);
  await push.send(["after the file went"]);
  assertEquals(
    decode((await pull.receive(timeout()))[0]),
    "after the file went",
  );
  await push.close();
  await pull.close();
  assertEquals(openFiles(), baseline);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("binding a port in use fails with EADDRINUSE and leaves nothing open", async () => {
  const holder = new Pull();
  await holder.bind("tcp://127.0.0.1:0");
  const baseline = openFiles();
  for (let i = 0; i < 20; i++) {
    const other = new Pull();
    const error = await assertRejects(
      () => other.bind(holder.lastEndpoint!),
      ZmqError,
    );
    assertEquals(error.code, "EADDRINUSE");
    await other.close();
  }
  assertEquals(openFiles(), baseline);
  await holder.close();
});

Deno.test("a peer that half-closes after its handshake is gone; the connect side reconnects", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const push = new Push({ reconnectInterval: 10 });
  push.connect(`tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  for (let round = 0; round < 2; round++) {
    const raw = await listener.accept();
    await handshakeAs(raw, "PULL");
    await push.events.wait("handshake-succeeded", timeout().signal);
    await raw.closeWrite(); // FIN: we will send nothing more
    await push.events.wait("disconnected", timeout().signal);
    raw.close();
  }
  await push.close();
  listener.close();
});

Deno.test("a peer that resets the connection (closing with our bytes unread) is gone; the connect side reconnects", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const push = new Push({ reconnectInterval: 10, linger: 0 });
  push.connect(`tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  for (let round = 0; round < 2; round++) {
    const raw = await listener.accept();
    await handshakeAs(raw, "PULL");
    await push.events.wait("handshake-succeeded", timeout().signal);
    await push.send(new Uint8Array(64 * 1024));
    // Read the first bytes only: closing with the rest unread sends an RST.
    await raw.read(new Uint8Array(4096));
    raw.close();
    await push.events.wait("disconnected", timeout().signal);
  }
  await push.close();
  listener.close();
});

Deno.test("a subscriber that stops reading: the publisher drops for it at the high-water mark, stays small, and serves the others", async () => {
  await using peer = new LibzmqPeer();
  const publisher = new Publisher({ sendHighWaterMark: 100 });
  await publisher.bind("tcp://127.0.0.1:0");
  const stalled = await peer.open("Subscriber", { receiveHighWaterMark: 100 });
  await stalled.subscribe("");
  await stalled.connect(publisher.lastEndpoint!);
  const reader = new Subscriber();
  reader.subscribe("");
  reader.connect(publisher.lastEndpoint!);
  await sendUntilReceived(
    () => publisher.send("warm-up"),
    reader.receive(timeout()),
  );
  await sendUntilReceived(async () => {
    await publisher.send("warm-up");
    await stalled.touch();
  }, stalled.receive());
  const payload = new Uint8Array(1024).fill(7);
  const rssBefore = Deno.memoryUsage().rss;
  let received = 0;
  const reading = (async () => {
    for await (const [frame] of reader) {
      if (frame.length === 4 && decode(frame) === "last") return;
      received++;
    }
  })();
  for (let i = 0; i < 100_000; i++) await publisher.send(payload);
  // The reader's queue has the same mark, so "last" may be dropped too.
  await sendUntilReceived(() => publisher.send("last"), reading);
  const grown = Deno.memoryUsage().rss - rssBefore;
  assert(received > 0, "the reading subscriber was served");
  // 100k messages of 1 KiB went out (100 MiB); a queue for the stalled one
  // would have grown by as much.
  assert(grown < 48 * 1024 * 1024, `RSS grew by ${grown} bytes`);
  await reader.close();
  await publisher.close();
  await stalled.close();
});

Deno.test("a PULL that stops reading blocks its PUSH instead of growing a queue", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull", { receiveHighWaterMark: 10 });
  const push = new Push({ sendHighWaterMark: 10, sendTimeout: 200, linger: 0 });
  push.connect(await pull.bind("tcp://127.0.0.1:*"));
  await push.send("first");
  assertEquals(decode((await pull.receive())[0]), "first");
  const payload = new Uint8Array(1024);
  let sent = 0;
  while (true) {
    try {
      await push.send(payload);
      sent++;
    } catch (error) {
      assert(error instanceof ZmqError && error.code === "EAGAIN");
      break;
    }
    assert(sent < 100_000, "the PUSH never blocked");
  }
  // The HWMs (10 + 10) plus what the kernel's socket buffers hold.
  assert(sent > 20, `${sent} sent`);
  const { dropped } = await push.close();
  assertEquals(dropped, 10, "the queue at its mark, dropped by linger 0");
  await pull.close();
});

Deno.test("close counts as dropped what a bound PUSH held for a libzmq PULL that connected and leaves during the linger wait, as for one it connected to", async () => {
  // Before, the accepted pipe left with its link, and its queue uncounted:
  // dropped 0 of the 30 MiB still queued.
  await using peer = new LibzmqPeer();
  const push = new Push({ linger: 10_000, sendHighWaterMark: 1000 });
  await push.bind("tcp://127.0.0.1:0");
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  await pull.connect(push.lastEndpoint!);
  await push.events.wait("handshake-succeeded", timeout().signal);
  const body = new Uint8Array(1 << 20);
  const count = 30;
  for (let i = 0; i < count; i++) await push.send(body, timeout());
  const closing = push.close();
  await pull.close();
  const { dropped } = await deadline(closing, 5000);
  // The kernel's buffers and the PULL's queue take a few MiB at most.
  assert(dropped >= count / 2 && dropped <= count, `${dropped} dropped`);
});

Deno.test("close counts as dropped what a bound PUSH held for an accepted peer that left before the close: sent = the peer's unread + the PUSH's dropped", async () => {
  // Before, its queue went with it uncounted (dropped 0 of 100).
  await using context = new Context();
  const push = new Push({ context, sendHighWaterMark: 100, sendTimeout: 0 });
  await push.bind("inproc://left-before");
  const pull = new Pull({ context, receiveHighWaterMark: 1 });
  pull.connect("inproc://left-before");
  let sent = 0;
  await assertRejects(async () => {
    for (;;) {
      await push.send("queued");
      sent++;
    }
  });
  const gone = push.events.wait("disconnected", timeout().signal);
  const { unread } = await pull.close();
  await gone;
  const { dropped } = await push.close();
  assertEquals(dropped, 100);
  assertEquals(unread + dropped, sent);
});

Deno.test("Context.close() during a full-speed stream resolves within linger and says what it dropped", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  const context = new Context();
  const push = new Push({ context, linger: 200, sendHighWaterMark: 1000 });
  push.connect(await pull.bind("tcp://127.0.0.1:*"));
  const streaming = (async () => {
    try {
      for (let i = 0;; i++) await push.send(new Uint8Array(4096));
    } catch (error) {
      assert(error instanceof ZmqError && error.code === "ETERM");
    }
  })();
  await pull.receive();
  const started = performance.now();
  const summary = await context.close();
  const took = performance.now() - started;
  await streaming;
  assert(took < 1000, `close took ${took} ms`);
  assert(summary.dropped > 0, "the stalled peer left messages queued");
  assert(
    summary.dropped <= 1000,
    `${summary.dropped} dropped, more than the mark`,
  );
  await pull.close();
});

Deno.test("close() counts what an accepted peer sent and nobody read, though its link goes first", async () => {
  const context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://unread");
  const push = new Push({ context });
  push.connect("inproc://unread");
  // Sent in one go, the three cross in one delivery: with "one" read, the
  // other two wait in the accepted pipe.
  await Promise.all(["one", "two", "three"].map((word) => push.send(word)));
  assertEquals(decode((await pull.receive(timeout()))[0]), "one");
  const { unread } = await pull.close();
  assertEquals(unread, 2);
  await context.close();
});

Deno.test("close() counts what a peer that left before sent and nobody read", async () => {
  const pull = new Pull();
  await pull.bind("tcp://127.0.0.1:0");
  const push = new Push();
  push.connect(pull.lastEndpoint!);
  for (let i = 0; i < 5; i++) await push.send(`m${i}`, timeout());
  await push.close(); // after its linger: all written
  // The link reads to the end of the stream before it ends.
  await pull.events.wait("disconnected", timeout().signal);
  assert(pull.readable); // one taken ahead for the next receive
  assertEquals(await pull.close(), { dropped: 0, unread: 5 });
});

Deno.test("close() counts what a live XSUB peer sent an XPUB and nobody read", async () => {
  const context = new Context();
  const xpub = new XPublisher({ context });
  await xpub.bind("inproc://xpub-unread");
  const xsub = new XSubscriber({ context });
  xsub.connect("inproc://xpub-unread");
  // Sent in one go, the three cross in one delivery.
  await Promise.all(["a", "b", "c"].map((word) => xsub.send(word)));
  while (!xpub.readable) await new Promise((resolve) => setTimeout(resolve));
  assertEquals(await xpub.close(), { dropped: 0, unread: 3 });
  await context.close();
});

Deno.test("PAIR: a peer that comes while a departed one's messages are unread is kept connected but unheard, as libzmq's (its pipe ended, its connection not)", async () => {
  await using bound = new Pair({ sendTimeout: 0 });
  await bound.bind("tcp://127.0.0.1:0");
  const first = new Pair();
  first.connect(bound.lastEndpoint!);
  await first.send("from the first", timeout());
  await first.close();
  await bound.events.wait("disconnected", timeout().signal);
  await using second = new Pair({ reconnectInterval: 20 });
  second.connect(bound.lastEndpoint!);
  await bound.events.wait("handshake-succeeded", timeout().signal);
  assertEquals((await bound.receive(timeout())).map(decode), [
    "from the first",
  ]);
  // Not the peer, now or later: what it sends is dropped, and the bound
  // PAIR has no one to send to (libzmq: EAGAIN), as libzmq's PAIR keeps it.
  await second.send("from the second", timeout());
  const error = await assertRejects(() => bound.send("to whom?"));
  assertEquals((error as ZmqError).code, "EAGAIN");
  assertEquals(bound.readable, false);
  assertEquals(
    [...coreOf(bound).pipes].filter((pipe) => pipe.ready).length,
    1,
  );
});

Deno.test("PAIR: an unbind does not free the place of a peer whose messages are unread: a peer at the next bind is unheard, as libzmq's", async () => {
  await using bound = new Pair({ sendTimeout: 0 });
  await bound.bind("tcp://127.0.0.1:0");
  await using first = new Pair();
  first.connect(bound.lastEndpoint!);
  await first.send("a1", timeout());
  await first.send("a2", timeout());
  await until(
    () => [...coreOf(bound).pipes].some((pipe) => pipe.inbound.length === 2),
    "the first peer's messages, unread",
  );
  await bound.unbind(bound.lastEndpoint!);
  await until(() => coreOf(bound).pipes.size === 0, "the first peer's end");
  await bound.bind("tcp://127.0.0.1:0");
  await using second = new Pair();
  second.connect(bound.lastEndpoint!);
  await second.send("b1", timeout());
  await until(
    () => [...coreOf(bound).pipes].some((pipe) => pipe.ready),
    "the second peer's handshake",
  );
  const error = await assertRejects(() => bound.send("to whom?"));
  assertEquals((error as ZmqError).code, "EAGAIN");
  assertEquals((await bound.receive(timeout())).map(decode), ["a1"]);
  assertEquals((await bound.receive(timeout())).map(decode), ["a2"]);
  assertEquals(bound.readable, false);
});

Deno.test("reconnectInterval -1: a connect whose link ends leaves, and its share goes to the peers left", async () => {
  await using live = new Pull();
  await live.bind("tcp://127.0.0.1:0");
  const gone = new Pull();
  await gone.bind("tcp://127.0.0.1:0");
  await using push = new Push({ reconnectInterval: -1 });
  push.connect(live.lastEndpoint!);
  push.connect(gone.lastEndpoint!);
  for (let i = 0; i < 2; i++) {
    await push.events.wait("handshake-succeeded", timeout().signal);
  }
  await gone.close();
  await push.events.wait("disconnected", timeout().signal);
  const abandoned = await push.events.wait(
    "connect-abandoned",
    timeout().signal,
  );
  assertEquals(abandoned.endpoint, gone.lastEndpoint);
  for (let i = 0; i < 10; i++) await push.send(`m${i}`, timeout());
  for (let i = 0; i < 10; i++) {
    assertEquals((await live.receive(timeout())).map(decode), [`m${i}`]);
  }
  await assertRejects(
    () => push.disconnect(gone.lastEndpoint!),
    ZmqError,
    "not connected",
  );
});

Deno.test("reconnectInterval -1: a failed attempt is not tried again, which an event tells (libzmq's monitor tells the attempt's socket closed), and its queue stays until disconnect", async () => {
  await using push = new Push({ reconnectInterval: -1 });
  const endpoint = `tcp://127.0.0.1:${freePort()}`; // nobody listens
  push.connect(endpoint);
  const types: string[] = [];
  for await (const event of push.events) {
    types.push(event.type);
    if (event.type === "connect-abandoned") {
      assertEquals(event.endpoint, endpoint);
      assert(event.reason.includes("reconnection is off"), event.reason);
      break;
    }
  }
  assertEquals(types, ["connect-delayed", "connect-abandoned"]);
  // Its queue stays, as libzmq's connecter that never connected keeps its
  // pipe, until disconnect.
  assert(push.writable, "its queue stays");
  await push.disconnect(endpoint);
  assert(!push.writable, "no peer left to queue for");
});

Deno.test("reconnectInterval -1: a connect let go of (disconnect, close) while or after its attempt fails is told nothing more, and the disconnect ends whatever its linger", async () => {
  for (const failedFirst of [false, true]) {
    await using push = new Push({ reconnectInterval: -1, linger: -1 });
    const endpoint = `tcp://127.0.0.1:${freePort()}`; // nobody listens
    push.connect(endpoint);
    await push.send("never goes", timeout());
    if (failedFirst) {
      await push.events.wait("connect-abandoned", timeout().signal);
    }
    // The attempt is still under way unless it failed first.
    await deadline(push.disconnect(endpoint), 5000);
    await push.bind("tcp://127.0.0.1:0");
    const types = await typesUntil(push, "listening");
    assert(!types.includes("connect-abandoned"), `${failedFirst}: ${types}`);
  }
  const closing = new Push({ reconnectInterval: -1, linger: 0 });
  closing.connect(`tcp://127.0.0.1:${freePort()}`);
  await closing.close();
  const types = await typesUntil(closing, "closed");
  assertEquals(types.at(-1), "closed");
  assert(!types.includes("connect-abandoned"), `${types}`);
});

Deno.test("PAIR: what a peer sent before it left stays readable, as libzmq reads a pipe to its end", async () => {
  await using bound = new Pair();
  await bound.bind("tcp://127.0.0.1:0");
  const peer = new Pair();
  peer.connect(bound.lastEndpoint!);
  for (let i = 0; i < 5; i++) await peer.send(`m${i}`, timeout());
  await peer.close(); // after its linger: all written
  // The link reads to the end of the stream before it ends.
  await bound.events.wait("disconnected", timeout().signal);
  for (let i = 0; i < 5; i++) {
    assertEquals((await bound.receive(timeout())).map(decode), [`m${i}`]);
  }
});

Deno.test("disconnect() writes what is queued within linger, as zmq_disconnect; with linger 0 it drops it", async () => {
  for (const linger of [5000, 0]) {
    await using pull = new Pull();
    await pull.bind("tcp://127.0.0.1:0");
    await using push = new Push({ linger });
    push.connect(pull.lastEndpoint!);
    await push.events.wait("handshake-succeeded", timeout().signal);
    // 12.5 MiB: more than the kernel's buffers hold, so most still queue.
    const big = new Uint8Array(64 * 1024);
    for (let i = 0; i < 200; i++) await push.send(big, timeout());
    await push.disconnect(pull.lastEndpoint!);
    let received = 0;
    if (linger > 0) {
      for (; received < 200; received++) await pull.receive(timeout());
    } else {
      // Its link closed at once: the PULL sees the end after what it got.
      await pull.events.wait("disconnected", timeout().signal);
      while (pull.readable) received += (await pull.receive()).length;
      assert(received < 200, `${received} of 200 arrived`);
    }
  }
});

Deno.test("unbind: what was queued for the peers it cuts off counts as dropped in close's summary, as disconnect's does", async () => {
  const push = new Push({ sendHighWaterMark: 10, sendTimeout: 0 });
  await push.bind("tcp://127.0.0.1:0");
  await using pull = new Pull({ receiveHighWaterMark: 1 });
  pull.connect(push.lastEndpoint!);
  await push.events.wait("handshake-succeeded", timeout().signal);
  // Until the pipe is full: the kernel's buffers and the peer's, then ten.
  const big = new Uint8Array(64 * 1024);
  for (let refused = 0; refused < 20;) {
    try {
      await push.send(big);
      refused = 0;
    } catch (error) {
      assertEquals((error as ZmqError).code, "EAGAIN");
      refused++;
      await new Promise((resolve) => setTimeout(resolve));
    }
  }
  const queued = [...coreOf(push).pipes][0].outbound.length;
  assert(queued > 0, "queued");
  await push.unbind(push.lastEndpoint!);
  assertEquals(await push.close(), { dropped: queued, unread: 0 });
});

Deno.test("disconnect() before the connection is up keeps connecting within linger for what is queued, as zmq_disconnect; the peer gets it", async (t) => {
  await using peer = new LibzmqPeer();
  const words = ["a", "b".repeat(300), ""];
  await t.step(
    "the peer is there: connect, send, disconnect at once",
    async () => {
      const pull = await peer.open("Pull");
      const endpoint = await pull.bind("tcp://127.0.0.1:*");
      const push = new Push();
      push.connect(endpoint);
      for (const word of words) await push.send(word, timeout());
      await push.disconnect(endpoint);
      for (const word of words) {
        assertEquals((await pull.receive()).map(decode), [word]);
      }
      assertEquals(await push.close(), { dropped: 0, unread: 0 });
      await pull.close();
    },
  );
  await t.step("the peer comes while the disconnect waits", async () => {
    const endpoint = `tcp://127.0.0.1:${freePort()}`;
    const push = new Push({ linger: 10_000, reconnectInterval: 20 });
    push.connect(endpoint);
    for (const word of words) await push.send(word, timeout());
    const leaving = push.disconnect(endpoint);
    const pull = await peer.open("Pull");
    await pull.bind(endpoint);
    await deadline(leaving, 5000);
    for (const word of words) {
      assertEquals((await pull.receive()).map(decode), [word]);
    }
    assertEquals(await push.close(), { dropped: 0, unread: 0 });
    await pull.close();
  });
  await t.step("no peer comes: dropped once linger has passed", async () => {
    const endpoint = `tcp://127.0.0.1:${freePort()}`;
    const push = new Push({ linger: 50, reconnectInterval: 20 });
    push.connect(endpoint);
    for (const word of words) await push.send(word, timeout());
    await deadline(push.disconnect(endpoint), 5000);
    assertEquals(await push.close(), { dropped: 3, unread: 0 });
  });
  await t.step(
    "closing the socket ends a disconnect's wait, and counts what it held",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const push = new Push({ linger: -1, reconnectInterval: 20 });
      push.connect(endpoint);
      for (const word of words) await push.send(word, timeout());
      const leaving = push.disconnect(endpoint);
      push.linger = 0;
      assertEquals(await deadline(push.close(), 5000), {
        dropped: 3,
        unread: 0,
      });
      await deadline(leaving, 5000);
    },
  );
  await t.step(
    "a disconnect's own linger holds while the socket closes with a longer one, as libzmq's session",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const push = new Push({ linger: 100, reconnectInterval: 20 });
      push.connect(endpoint);
      for (const word of words) await push.send(word, timeout());
      const leaving = push.disconnect(endpoint);
      push.linger = -1;
      // Before, close waited for ever for what the disconnect held.
      assertEquals(await deadline(push.close(), 5000), {
        dropped: 3,
        unread: 0,
      });
      await deadline(leaving, 5000);
    },
  );
  await t.step(
    "disconnect() while the socket closes is ETERM; close counts what it held",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const push = new Push({ linger: 200, reconnectInterval: 20 });
      push.connect(endpoint);
      for (const word of words) await push.send(word, timeout());
      const closing = push.close();
      const error = await assertRejects(() => push.disconnect(endpoint));
      assertEquals((error as ZmqError).code, "ETERM");
      assertEquals(await deadline(closing, 5000), { dropped: 3, unread: 0 });
    },
  );
  await t.step(
    "a close that starts as a disconnect's linger ends counts what it held",
    async () => {
      // A peer that accepts and never greets: a link, and no handshake.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const accepted: Deno.Conn[] = [];
      const accepting = (async () => {
        for await (const conn of listener) accepted.push(conn);
      })();
      try {
        const endpoint = `tcp://127.0.0.1:${
          (listener.addr as Deno.NetAddr).port
        }`;
        for (let run = 0; run < 3; run++) {
          const push = new Push({ linger: 100, reconnectInterval: 20 });
          push.connect(endpoint);
          await push.events.wait("connected", timeout().signal);
          for (const word of words) await push.send(word, timeout());
          const leaving = push.disconnect(endpoint);
          const summary = await new Promise((resolve) =>
            setTimeout(() => {
              push.linger = 0;
              resolve(push.close());
            }, 100)
          );
          assertEquals(summary, { dropped: 3, unread: 0 }, `run ${run}`);
          await deadline(leaving, 5000);
        }
      } finally {
        listener.close();
        await accepting.catch(() => {});
        for (const conn of accepted) conn.close();
      }
    },
  );
  await t.step(
    "closing the socket takes a waiting disconnect over, within its own linger",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const push = new Push({ linger: -1, reconnectInterval: 20 });
      push.connect(endpoint);
      for (const word of words) await push.send(word, timeout());
      const leaving = push.disconnect(endpoint);
      push.linger = 10_000;
      const closing = push.close();
      const pull = await peer.open("Pull");
      await pull.bind(endpoint);
      assertEquals(await deadline(closing, 5000), { dropped: 0, unread: 0 });
      await deadline(leaving, 5000);
      for (const word of words) {
        assertEquals((await pull.receive()).map(decode), [word]);
      }
      await pull.close();
    },
  );
});

Deno.test("disconnect(): two at once each settle once their queue is written", async () => {
  await using a = new Pull();
  await a.bind("tcp://127.0.0.1:0");
  await using b = new Pull();
  await b.bind("tcp://127.0.0.1:0");
  // linger -1: each waits for its own queue, however long that takes.
  await using push = new Push({ linger: -1 });
  push.connect(a.lastEndpoint!);
  push.connect(b.lastEndpoint!);
  for (let i = 0; i < 2; i++) {
    await push.events.wait("handshake-succeeded", timeout().signal);
  }
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < 40; i++) await push.send(big, timeout());
  const received = [a, b].map(async (pull) => {
    for (let i = 0; i < 20; i++) await pull.receive(timeout());
  });
  await deadline(
    Promise.all([
      push.disconnect(a.lastEndpoint!),
      push.disconnect(b.lastEndpoint!),
    ]),
    5000,
  );
  await Promise.all(received);
});

Deno.test("disconnect(): while what is queued drains, the peer's link delivers nothing more", async () => {
  await using router = new Router({ receiveHighWaterMark: 1 });
  await router.bind("tcp://127.0.0.1:0");
  await using dealer = new Dealer({ routingId: "D", linger: 300 });
  dealer.connect(router.lastEndpoint!);
  await dealer.send("hello", timeout());
  assertEquals((await router.receive(timeout())).map(decode), ["D", "hello"]);
  // More than the kernel holds, to a ROUTER that reads no more: the
  // disconnect waits out its linger.
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < 32; i++) await dealer.send(big, timeout());
  const disconnecting = dealer.disconnect(router.lastEndpoint!);
  await router.send(["D", "late"], timeout());
  await disconnecting;
  assertEquals(dealer.readable, false);
});

Deno.test("close() counts an immediate connect's unread once, though its pipe came back", async () => {
  const pull = new Pull({ immediate: true, reconnectInterval: 20 });
  const first = new Push();
  await first.bind("tcp://127.0.0.1:0");
  const endpoint = first.lastEndpoint!;
  pull.connect(endpoint);
  await pull.events.wait("handshake-succeeded", timeout().signal);
  for (const word of ["a", "b", "c"]) await first.send(word, timeout());
  await first.close(); // after its linger: all written
  await pull.events.wait("disconnected", timeout().signal);
  await using second = new Push();
  await second.bind(endpoint);
  // The same pipe, attached again: its unread is live, not departed.
  await pull.events.wait("handshake-succeeded", timeout().signal);
  assertEquals(await pull.close(), { dropped: 0, unread: 3 });
});

Deno.test("a link that ends is followed by a connect-retried event, as libzmq reports every reconnect", async () => {
  const pull = new Pull();
  await pull.bind("tcp://127.0.0.1:0");
  await using push = new Push({ reconnectInterval: 50 });
  push.connect(pull.lastEndpoint!);
  await push.events.wait("handshake-succeeded", timeout().signal);
  await pull.close();
  await push.events.wait("disconnected", timeout().signal);
  const retried = await push.events.wait("connect-retried", timeout().signal);
  assert(retried.interval >= 50, `interval ${retried.interval}`);
  assertEquals(retried.reason, "the connection ended");
});

Deno.test("a libzmq server that refuses our mechanism or socket type is told from one going down, and not dialled again, as a libzmq client does", async (t) => {
  // libzmq reads a greeting and READY that come at once in one go, and
  // hangs up before its own greeting's rest leaves: a connect greets in
  // its steps instead, so that libzmq's greeting and READY come first.
  await using peer = new LibzmqPeer();
  const cases = [
    {
      title: "PLAIN against NULL",
      server: "Pull",
      client: () =>
        new Push({
          plainUsername: "u",
          plainPassword: "p",
          reconnectInterval: 10,
        }),
      kind: "mechanism",
    },
    {
      title: "PUSH against REP",
      server: "Reply",
      client: () => new Push({ reconnectInterval: 10 }),
      kind: "incompatible",
    },
  ] as const;
  for (const { title, server, client, kind } of cases) {
    for (const transport of ["tcp", "ipc"]) {
      await t.step(`${title}, over ${transport}`, async () => {
        const theirs = await peer.open(server);
        const endpoint = await theirs.bind(
          transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*",
        );
        const ours = client();
        const seen: { type: string; kind?: string }[] = [];
        const watching = (async () => {
          for await (const event of ours.events) {
            seen.push(event);
            if (event.type === "connect-abandoned") return;
          }
        })();
        ours.connect(endpoint);
        await deadline(watching, 5000);
        // Our rest and READY wait for libzmq's (or 20 ms, for a peer that
        // waits for them): a try may still meet a hang-up on a machine so
        // loaded that libzmq answers later, and is tried again. (Sent in
        // libzmq's own steps, three tries in four met one here.)
        const kinds = seen.filter((event) => event.type === "handshake-failed")
          .map((event) => event.kind);
        assertEquals(kinds.at(-1), kind);
        assertEquals(kinds.slice(0, -1).filter((k) => k !== "peer"), []);
        assert(kinds.length <= 3, `${kinds.length - 1} hang-ups first`);
        const connected = seen.filter((event) => event.type === "connected");
        assertEquals(connected.length, kinds.length);
        await ours.close();
        await theirs.close();
      });
    }
  }
});

Deno.test("what a PUB had queued for a subscriber that left is not counted as dropped at close: dropped as at its high-water mark", async () => {
  await using context = new Context();
  const pub = new Publisher({ context, sendHighWaterMark: 5 });
  await pub.bind("inproc://pub-departed");
  const sub = new Subscriber({ context, receiveHighWaterMark: 1 });
  sub.subscribe();
  sub.connect("inproc://pub-departed");
  await sub.events.wait("handshake-succeeded", timeout().signal);
  for (let i = 0; i < 20; i++) await pub.send(`m${i}`, timeout());
  await sub.close();
  await pub.events.wait("disconnected", timeout().signal);
  assertEquals((await pub.close()).dropped, 0);
});

Deno.test("a connect refused at its handshake is not dialled again, as libzmq ends the endpoint on a protocol error", async () => {
  // libzmq's session_base_t::engine_error reconnects on a connection or
  // timeout error only: a refused password, key, mechanism or socket type
  // ends the endpoint, so a misconfigured client does not knock forever.
  await using peer = new LibzmqPeer();
  await peer.zapHandler({ users: { admin: "secret" } });
  const pull = await peer.open("Pull", { plainServer: true });
  const endpoint = await pull.bind("tcp://127.0.0.1:*");
  const push = new Push({
    plainUsername: "admin",
    plainPassword: "guess",
    reconnectInterval: 10,
  });
  push.connect(endpoint);
  await push.send("never leaves", timeout()); // queued for the refused peer
  const failed = await push.events.wait("handshake-failed", timeout().signal);
  assertEquals(failed.kind, "auth");
  const abandoned = await push.events.wait(
    "connect-abandoned",
    timeout().signal,
  );
  assertEquals(abandoned.endpoint, endpoint);
  await until(() => coreOf(push).pipes.size === 0, "the endpoint ended");
  assertEquals((await peer.zapLog()).length, 1);
  // Still listed, as in libzmq: disconnect succeeds, then it is gone.
  await push.disconnect(endpoint);
  const error = await assertRejects(() => push.disconnect(endpoint), ZmqError);
  assertEquals(error.code, "ENOENT");
  // What was sent to it is counted as dropped when the socket closes.
  assertEquals(await push.close(), { dropped: 1, unread: 0 });
  await pull.close();
});
