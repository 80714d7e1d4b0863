/**
 * XPUB, XSUB and the proxy against libzmq 4.3.5: subscriptions as messages
 * both ways, and the guide's brokers carrying subscriptions upstream and
 * request envelopes both ways.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertThrows,
} from "@std/assert";
import {
  Context,
  Dealer,
  type Message,
  proxy,
  ProxyControl,
  Router,
  Subscriber,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import {
  decode,
  freePort,
  portOf,
  sendUntilReceived,
  timeout,
  until,
} from "./_helpers.ts";
import { deadline } from "@std/async/deadline";
import { link, RawPeer } from "./_draft_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { coreOf } from "../patterns/_core.ts";
import { TestWorker } from "./workers/_test_worker.ts";

const text = new TextEncoder();
const receive = (
  socket: { receive(o: { signal: AbortSignal }): Promise<Message> },
) => socket.receive({ signal: AbortSignal.timeout(5000) });
const notice = (
  flag: number,
  topic: string,
) => [new Uint8Array([flag, ...text.encode(topic)])];

Deno.test("XPUB and XSUB against libzmq", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    const how = weBind ? "we bind" : "libzmq binds";
    await t.step(
      `XPUB (ours) hears a libzmq SUB subscribe and leave, ${how}`,
      async () => {
        const xpub = new XPublisher();
        const sub = await peer.open("Subscriber");
        await sub.subscribe("B");
        await sub.subscribe("A");
        await link(xpub, sub, weBind);
        // libzmq attaches a new peer (a bound SUB sends it its subscriptions)
        // only when its application thread next uses the socket, and only
        // once its side of the handshake is done: nudge it until it has.
        const joined = [
          await sendUntilReceived(() => sub.touch(), receive(xpub)),
          await receive(xpub),
        ].map(([frame]) => decode(frame)).sort();
        assertEquals(joined, ["\x01A", "\x01B"]);
        await xpub.send(["A", "payload", ""]);
        assertEquals(
          await sub.receive(),
          ["A", "payload", ""].map((s) => text.encode(s)),
        );
        await sub.close();
        if (weBind) {
          // Its cancellations told in byte order, as libzmq's XPUB walks
          // its trie (ours told them in the order they came: B, A when B
          // came first).
          assertEquals(await receive(xpub), notice(0, "A"));
          assertEquals(await receive(xpub), notice(0, "B"));
        } else {
          // A peer we connected to keeps its subscriptions while its link
          // is down (it may come back), as libzmq's XPUB keeps them: no
          // notice, by the time the link's end is known.
          await xpub.events.wait("disconnected", AbortSignal.timeout(5000));
          assertEquals(xpub.readable, false);
        }
        await xpub.close();
      },
    );
    await t.step(
      `XPUB (ours) takes subscriptions from a libzmq XSUB, ${how}`,
      async () => {
        const xpub = new XPublisher();
        const xsub = await peer.open("XSubscriber");
        await link(xpub, xsub, weBind);
        await xsub.send([new Uint8Array([1, ...text.encode("B")])]);
        assertEquals(
          await sendUntilReceived(() => xsub.touch(), receive(xpub)),
          notice(1, "B"),
        ); // nudging libzmq as above
        await xpub.send(["B1"]);
        assertEquals(await xsub.receive(), [text.encode("B1")]);
        await xsub.close();
        await xpub.close();
      },
    );
    await t.step(
      `XSUB (ours) subscribes at a libzmq XPUB by message, ${how}`,
      async () => {
        const xsub = new XSubscriber();
        const xpub = await peer.open("XPublisher");
        await link(xsub, xpub, weBind);
        await xsub.events.wait(
          "handshake-succeeded",
          AbortSignal.timeout(5000),
        );
        await xsub.send(notice(1, "C"));
        assertEquals(await xpub.receive(), notice(1, "C"));
        await xpub.send(["C1", "x"]);
        await xpub.send(["D1"]); // not subscribed
        await xpub.send(["C2"]);
        assertEquals(await receive(xsub), [
          text.encode("C1"),
          text.encode("x"),
        ]);
        assertEquals(await receive(xsub), [text.encode("C2")]);
        await xsub.send(notice(0, "C"));
        assertEquals(await xpub.receive(), notice(0, "C"));
        await xsub.close();
        await xpub.close();
      },
    );
    await t.step(
      `XPUB (ours) reads every frame of a libzmq XSUB's message as libzmq's XPUB does, ${how}`,
      async () => {
        const xpub = new XPublisher();
        const xsub = await peer.open("XSubscriber");
        await link(xpub, xsub, weBind);
        const sub = (flag: number, topic: string) =>
          new Uint8Array([flag, ...text.encode(topic)]);
        await xsub.send([sub(1, "A"), sub(1, "B")]);
        assertEquals(
          await sendUntilReceived(() => xsub.touch(), receive(xpub)),
          notice(1, "A"),
        );
        assertEquals(await receive(xpub), notice(1, "B"));
        await xsub.send([sub(1, "C"), text.encode("data")]);
        await xsub.send(["hello"]);
        assertEquals(await receive(xpub), notice(1, "C"));
        assertEquals((await receive(xpub)).map(decode), ["data"]);
        assertEquals((await receive(xpub)).map(decode), ["hello"]);
        for (const topic of ["A1", "B1", "C1", "D1", "A2"]) {
          await xpub.send([topic]);
        }
        for (const topic of ["A1", "B1", "C1", "A2"]) {
          assertEquals((await xsub.receive()).map(decode), [topic]);
        }
        await xsub.close();
        await xpub.close();
      },
    );
    await t.step(
      `XSUB (ours) subscribes with every frame of a message, as libzmq's XSUB, ${how}`,
      async () => {
        const xsub = new XSubscriber();
        const xpub = await peer.open("XPublisher");
        await link(xsub, xpub, weBind);
        await xsub.events.wait(
          "handshake-succeeded",
          AbortSignal.timeout(5000),
        );
        await xsub.send([...notice(1, "A"), ...notice(1, "B")]);
        await xsub.send([...notice(1, "C"), text.encode("data")]);
        for (const expected of [notice(1, "A"), notice(1, "B")]) {
          assertEquals(await xpub.receive(), expected);
        }
        assertEquals(await xpub.receive(), notice(1, "C"));
        assertEquals((await xpub.receive()).map(decode), ["data"]);
        await xpub.send(["B1"]);
        assertEquals((await receive(xsub)).map(decode), ["B1"]);
        if (!weBind) {
          // Kept as its subscriptions: sent again to the XPUB that comes
          // back on the endpoint, in byte order, as libzmq's XSUB.
          const endpoint = xsub.lastEndpoint!;
          await xpub.close();
          await xsub.events.wait("disconnected", AbortSignal.timeout(5000));
          const again = await peer.open("XPublisher");
          await again.bind(endpoint);
          for (const topic of ["A", "B", "C"]) {
            assertEquals(await again.receive(), notice(1, topic));
          }
          await again.close();
        } else await xpub.close();
        await xsub.close();
      },
    );
  }

  await t.step(
    "proxy: libzmq PUB → XSUB|XPUB (ours) → libzmq SUB, subscription upstream",
    async () => {
      const pub = await peer.open("Publisher");
      const xsub = new XSubscriber();
      xsub.connect(await pub.bind("tcp://127.0.0.1:*"));
      const xpub = new XPublisher();
      await xpub.bind("tcp://127.0.0.1:0");
      const stop = new AbortController();
      const running = proxy(xsub, xpub, { signal: stop.signal });
      const sub = await peer.open("Subscriber");
      await sub.subscribe("weather");
      await sub.connect(xpub.lastEndpoint!);
      const got = await sendUntilReceived(
        () => pub.send(["weather", "sunny"]),
        sub.receive(),
      );
      assertEquals(got, [text.encode("weather"), text.encode("sunny")]);
      stop.abort();
      await running;
      await Promise.all([sub.close(), pub.close(), xsub.close(), xpub.close()]);
    },
  );

  await t.step(
    "proxy: libzmq REQ → ROUTER|DEALER (ours) → libzmq REP, envelopes both ways",
    async () => {
      const frontend = new Router();
      await frontend.bind("tcp://127.0.0.1:0");
      const backend = new Dealer();
      await backend.bind("tcp://127.0.0.1:0");
      const running = proxy(frontend, backend);
      const rep = await peer.open("Reply");
      await rep.connect(backend.lastEndpoint!);
      await rep.echo();
      const clients = [await peer.open("Request"), await peer.open("Request")];
      for (const client of clients) {
        await client.connect(frontend.lastEndpoint!);
      }
      for (const [i, client] of clients.entries()) {
        await client.send([`request ${i}`, ""]);
        assertEquals(await client.receive(), [
          text.encode(`request ${i}`),
          new Uint8Array(),
        ]);
      }
      for (const client of clients) await client.close();
      await rep.close();
      await frontend.close(); // the proxy stops when a socket closes
      await running;
      await backend.close();
    },
  );
});

Deno.test("XPUB: verbose passes every subscription; a welcome message greets each subscriber", async () => {
  const xpub = new XPublisher({
    xpubVerbose: true,
    xpubWelcomeMessage: "welcome",
  });
  await xpub.bind("tcp://127.0.0.1:0");
  const subs = [new Subscriber(), new Subscriber()];
  for (const sub of subs) {
    sub.subscribe("welcome", "T");
    sub.connect(xpub.lastEndpoint!);
    assertEquals(await receive(sub), [text.encode("welcome")]);
  }
  const notices: string[] = [];
  for (let i = 0; i < 4; i++) {
    notices.push(new TextDecoder().decode((await receive(xpub))[0]));
  }
  assertEquals(notices.sort(), [
    "\x01T",
    "\x01T",
    "\x01welcome",
    "\x01welcome",
  ]);
  for (const sub of subs) await sub.close();
  await xpub.close();
});

Deno.test("XPUB: verboser passes every subscription and every cancellation", async () => {
  const xpub = new XPublisher({ xpubVerboser: true });
  await xpub.bind("tcp://127.0.0.1:0");
  const subs = [new Subscriber(), new Subscriber()];
  for (const sub of subs) {
    sub.subscribe("T");
    sub.connect(xpub.lastEndpoint!);
    // As libzmq's ZMQ_XPUB_VERBOSER: the second subscriber's is news too.
    assertEquals(await receive(xpub), notice(1, "T"));
  }
  subs[0].unsubscribe("T");
  assertEquals(await receive(xpub), notice(0, "T"));
  await subs[1].close();
  assertEquals(await receive(xpub), notice(0, "T"));
  await subs[0].close();
  await xpub.close();
});

for (const leaves of ["closes", "unsubscribes"]) {
  Deno.test(`XPUB: a send held back by xpubNoDrop goes on once the full subscriber ${leaves}`, async () => {
    const xpub = new XPublisher({
      xpubNoDrop: true,
      sendHighWaterMark: 1,
      sendTimeout: 0,
    });
    // inproc: no kernel buffer drains the pipe behind the test's back.
    await xpub.bind(`inproc://xpub-nodrop-${leaves}`);
    const sub = new Subscriber({ receiveHighWaterMark: 1 });
    sub.subscribe("");
    sub.connect(`inproc://xpub-nodrop-${leaves}`);
    assertEquals(await receive(xpub), notice(1, ""));
    // Until the subscriber, which reads nothing, and the pipe to it are
    // full: sends fail at once (sendTimeout 0) turn after turn of the loop.
    const message = new Uint8Array(1024);
    for (let refused = 0; refused < 20;) {
      try {
        await xpub.send(message);
        refused = 0;
      } catch (error) {
        assertInstanceOf(error, ZmqError);
        refused++;
        await new Promise((resolve) => setTimeout(resolve));
      }
    }
    xpub.sendTimeout = -1;
    let sent = false;
    const held = xpub.send(message, { signal: AbortSignal.timeout(5000) })
      .then(() => sent = true);
    await new Promise((resolve) => setTimeout(resolve));
    assertEquals(sent, false);
    if (leaves === "closes") await sub.close();
    else sub.unsubscribe("");
    await held; // as libzmq's zmq_send returns once that pipe is gone
    await sub.close();
    await xpub.close();
  });
}

Deno.test("XPUB: an empty welcome message is none, as libzmq's (a libzmq SUB hears only the data)", async () => {
  await using peer = new LibzmqPeer();
  await using xpub = new XPublisher({ xpubWelcomeMessage: "" });
  await xpub.bind("tcp://127.0.0.1:0");
  const sub = await peer.open("Subscriber");
  await sub.subscribe("");
  await sub.connect(xpub.lastEndpoint!);
  assertEquals(await receive(xpub), notice(1, ""));
  await xpub.send("data");
  assertEquals((await sub.receive()).map((frame) => decode(frame)), ["data"]);
  await sub.close();
});

Deno.test("XPUB: subscriptions come in line with what an XSUB sends, and a departed XSUB's messages stay readable, as libzmq's", async (t) => {
  await using peer = new LibzmqPeer();
  const sent = [text.encode("a"), notice(1, "t")[0], text.encode("b")];
  const expected = [["a"], [1, "t"], ["b"], [0, "t"]];
  const read = (message: Message) =>
    message[0][0] <= 1
      ? [message[0][0], decode(message[0].subarray(1))]
      : [decode(message[0])];
  await t.step("libzmq's XPUB, from our XSUB", async () => {
    const xpub = await peer.open("XPublisher");
    const xsub = new XSubscriber();
    xsub.connect(await xpub.bind("tcp://127.0.0.1:*"));
    await xsub.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
    for (const frame of sent) await xsub.send([frame]);
    await xsub.close();
    const got = [];
    for (let i = 0; i < expected.length; i++) got.push(await xpub.receive());
    assertEquals(got.map(read), expected);
    await xpub.close();
  });
  await t.step("our XPUB, from libzmq's XSUB", async () => {
    const xpub = new XPublisher();
    await xpub.bind("tcp://127.0.0.1:0");
    const xsub = await peer.open("XSubscriber", { linger: 5000 });
    await xsub.connect(xpub.lastEndpoint!);
    for (const frame of sent) await xsub.send([frame]);
    await xsub.close();
    // Every byte is read before the link's end is known.
    await xpub.events.wait("disconnected", AbortSignal.timeout(5000));
    const got = [];
    for (let i = 0; i < expected.length; i++) got.push(await receive(xpub));
    assertEquals(got.map(read), expected);
    assertEquals(xpub.readable, false);
    await xpub.close();
  });
});

Deno.test("invertMatching: our XPUB sends what a subscriber's prefixes do not match, to libzmq SUB and XSUB", async () => {
  await using peer = new LibzmqPeer();
  const xpub = new XPublisher({ invertMatching: true, xpubVerbose: true });
  await xpub.bind("tcp://127.0.0.1:0");
  const sub = await peer.open("Subscriber", { invertMatching: true });
  await sub.subscribe("A");
  await sub.connect(xpub.lastEndpoint!);
  assertEquals(
    await sendUntilReceived(() => sub.touch(), receive(xpub)),
    notice(1, "A"),
  );
  // An XSUB does not filter: what it gets is what we sent it.
  const xsub = await peer.open("XSubscriber");
  await xsub.connect(xpub.lastEndpoint!);
  await xsub.send(notice(1, "A"));
  assertEquals(
    await sendUntilReceived(() => xsub.touch(), receive(xpub)),
    notice(1, "A"),
  );
  for (const message of [["A", "not for them"], ["C", "for them"], ["END"]]) {
    await xpub.send(message);
  }
  for (const receiver of [sub, xsub]) {
    assertEquals((await receiver.receive()).map(decode), ["C", "for them"]);
    assertEquals((await receiver.receive()).map(decode), ["END"]);
  }
  await sub.close();
  await xsub.close();
  await xpub.close();
});

Deno.test("invertMatching: our SUB takes what its prefixes do not match, from libzmq's PUB and from a PUB that sends it all", async (t) => {
  await t.step("libzmq's PUB, inverting too", async () => {
    await using peer = new LibzmqPeer();
    const pub = await peer.open("Publisher", { invertMatching: true });
    const sub = new Subscriber({ invertMatching: true });
    sub.subscribe("A");
    sub.connect(await pub.bind("tcp://127.0.0.1:*"));
    await sendUntilReceived(() => pub.send(["B"]), receive(sub));
    await pub.send(["A", "not for us"]);
    await pub.send(["C", "for us"]);
    let got;
    while ((got = (await receive(sub)).map(decode))[0] === "B");
    assertEquals(got, ["C", "for us"]);
    await sub.close();
    await pub.close();
  });
  await t.step("a PUB that filters nothing", async () => {
    const sub = new Subscriber({ invertMatching: true });
    sub.subscribe("A");
    await sub.bind("tcp://127.0.0.1:0");
    using raw = await RawPeer.to(sub, "PUB");
    await raw.handshake();
    await raw.send(["A", "not for us"], ["C", "for us"], ["END"]);
    assertEquals((await receive(sub)).map(decode), ["C", "for us"]);
    assertEquals((await receive(sub)).map(decode), ["END"]);
    await sub.close();
  });
});

Deno.test("xpubManual: every notice told, none applied; the application subscribes the last peer heard, as libzmq's ZMQ_XPUB_MANUAL", async () => {
  await using peer = new LibzmqPeer();
  const xpub = new XPublisher({ xpubManual: true });
  await xpub.bind("tcp://127.0.0.1:0");
  const xsub = await peer.open("XSubscriber");
  await xsub.connect(xpub.lastEndpoint!);
  await xsub.send(notice(1, "A"));
  await xsub.send(notice(1, "A")); // told again: nothing is deduplicated
  assertEquals(
    await sendUntilReceived(() => xsub.touch(), receive(xpub)),
    notice(1, "A"),
  );
  assertEquals(await receive(xpub), notice(1, "A"));
  // Not applied: "A" reaches nobody; "B", applied to that peer, does.
  xpub.subscribe("B");
  for (const topic of ["A", "B1", "A", "B2"]) await xpub.send([topic]);
  assertEquals((await xsub.receive()).map(decode), ["B1"]);
  assertEquals((await xsub.receive()).map(decode), ["B2"]);
  // Leaving, the peer cancels what it asked for (not what we applied).
  await xsub.close();
  assertEquals(await receive(xpub), notice(0, "A"));
  xpub.subscribe("late"); // no peer heard from: nothing happens
  await xpub.close();
  const automatic = new XPublisher();
  const error = assertThrows(() => automatic.subscribe("A"), ZmqError);
  assertEquals(error.code, "EINVAL");
  await automatic.close();
});

Deno.test("xpubManual: a leaving libzmq XSUB's cancellations are told in byte order, as libzmq's manual trie", async () => {
  await using peer = new LibzmqPeer();
  const xpub = new XPublisher({ xpubManual: true });
  await xpub.bind("tcp://127.0.0.1:0");
  const xsub = await peer.open("XSubscriber");
  await xsub.connect(xpub.lastEndpoint!);
  await xsub.send(notice(1, "B"));
  assertEquals(
    await sendUntilReceived(() => xsub.touch(), receive(xpub)),
    notice(1, "B"),
  );
  await xsub.send(notice(1, "A"));
  assertEquals(await receive(xpub), notice(1, "A"));
  await xsub.close();
  // Subscribed B then A: told A then B (ours told B then A).
  assertEquals(await receive(xpub), notice(0, "A"));
  assertEquals(await receive(xpub), notice(0, "B"));
  await xpub.close();
});

Deno.test("xpubManual: readable sets a notice aside without making its peer the one subscribe() applies to, as libzmq's poll", async () => {
  await using peer = new LibzmqPeer();
  const xpub = new XPublisher({ xpubManual: true });
  await xpub.bind("tcp://127.0.0.1:0");
  const [a, b] = [
    await peer.open("XSubscriber"),
    await peer.open("XSubscriber"),
  ];
  await a.connect(xpub.lastEndpoint!);
  await a.send(notice(1, "a"));
  assertEquals(
    await sendUntilReceived(() => a.touch(), receive(xpub)),
    notice(1, "a"),
  );
  await b.connect(xpub.lastEndpoint!);
  await b.send(notice(1, "b"));
  await sendUntilReceived(
    () => b.touch(),
    until(() => xpub.readable, "b's notice"),
  );
  // b's notice is set aside, not read: "x" is for a.
  xpub.subscribe("x");
  await xpub.send(["x"]);
  assertEquals((await a.receive()).map(decode), ["x"]);
  assertEquals(await receive(xpub), notice(1, "b"));
  xpub.subscribe("for b");
  await xpub.send(["for b"]);
  assertEquals((await b.receive()).map(decode), ["for b"]);
  await a.close();
  await b.close();
  await xpub.close();
});

Deno.test("xpubManual: a notice read after its peer left names no one, even once the peer's pipe is back (immediate)", async () => {
  const first = new XSubscriber();
  await first.bind("tcp://127.0.0.1:0");
  const endpoint = first.lastEndpoint!;
  const xpub = new XPublisher({ xpubManual: true, immediate: true });
  xpub.connect(endpoint);
  await first.events.wait("handshake-succeeded", timeout().signal);
  await first.send(notice(1, "a"));
  await first.close(); // the notice is read before the link's end is known
  await xpub.events.wait("disconnected", timeout().signal);
  const second = new XSubscriber();
  await second.bind(endpoint);
  await xpub.events.wait("handshake-succeeded", timeout().signal);
  // The same pipe, back with another peer: the notice is still the first's.
  assertEquals(await receive(xpub), notice(1, "a"));
  xpub.subscribe("a");
  assertEquals(await receive(xpub), notice(0, "a")); // its leaving told
  await second.send(notice(1, "end"));
  assertEquals(await receive(xpub), notice(1, "end"));
  xpub.subscribe("end");
  await xpub.send(["a", "not for the newcomer"]);
  await xpub.send(["end"]);
  assertEquals((await receive(second)).map(decode), ["end"]);
  await second.close();
  await xpub.close();
});

Deno.test("invertMatching with xpubNoDrop: a subscription that takes the full peer out of a send's way lets the send go", async () => {
  await using context = new Context();
  const xpub = new XPublisher({
    context,
    invertMatching: true,
    xpubNoDrop: true,
    sendHighWaterMark: 1,
  });
  await xpub.bind("inproc://invert-nodrop");
  const xsub = new XSubscriber({ context, receiveHighWaterMark: 1 });
  xsub.connect("inproc://invert-nodrop");
  await xsub.events.wait("handshake-succeeded", timeout().signal);
  // It subscribes to nothing: inverted, it takes everything, until full.
  let held: Promise<void> | undefined;
  for (let i = 0; !held && i < 100; i++) {
    const sending = xpub.send(["y"]);
    const settled = await Promise.race([
      sending.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20)),
    ]);
    if (!settled) held = sending;
  }
  assert(held, "a send was held back");
  await xsub.send(notice(1, "y"));
  await deadline(held, 5000);
  await xsub.close();
  await xpub.close();
});

Deno.test("XPUB: a cancel of a prefix the peer never subscribed to is passed on, as libzmq's XPUB passes it", async () => {
  await using peer = new LibzmqPeer();
  const theirs = await peer.open("XPublisher");
  const endpoint = await theirs.bind("tcp://127.0.0.1:*");
  const toTheirs = new RawPeer(
    await Deno.connect({ hostname: "127.0.0.1", port: portOf(endpoint) }),
    "XSUB",
  );
  await toTheirs.handshake();
  await toTheirs.send(["\x00never"]);
  assertEquals(await theirs.receive(), notice(0, "never"));
  toTheirs.close();
  await theirs.close();
  const ours = new XPublisher();
  await ours.bind("tcp://127.0.0.1:0");
  using toOurs = await RawPeer.to(ours, "XSUB");
  await toOurs.handshake();
  await toOurs.send(["\x00never"]);
  assertEquals(await receive(ours), notice(0, "never"));
  await ours.close();
});

Deno.test("xpubManual: a peer with subscriptions leaving makes subscribe() apply to no one, as libzmq's send_unsubscription", async () => {
  await using context = new Context();
  const xpub = new XPublisher({ context, xpubManual: true });
  await xpub.bind("inproc://manual-leaving");
  const [a, b] = [new XSubscriber({ context }), new XSubscriber({ context })];
  b.connect("inproc://manual-leaving");
  await b.send(notice(1, "b"));
  assertEquals(await receive(xpub), notice(1, "b"));
  a.connect("inproc://manual-leaving");
  await a.send(notice(1, "a"));
  assertEquals(await receive(xpub), notice(1, "a"));
  await b.close();
  await xpub.events.wait("disconnected", timeout().signal);
  xpub.subscribe("x"); // not a's: b's leaving came between
  await xpub.send(["x"]);
  assertEquals(await receive(xpub), notice(0, "b"));
  await a.send(notice(1, "a2"));
  assertEquals(await receive(xpub), notice(1, "a2"));
  xpub.subscribe("end");
  await xpub.send(["end"]);
  assertEquals((await receive(a)).map(decode), ["end"]);
  await a.close();
  await xpub.close();
});

Deno.test("XSUB: a subscription sent behind queued messages goes after them, as in libzmq's pipe", async (t) => {
  await using peer = new LibzmqPeer();
  // Sent back to back, none awaited: all three wait in the pipe together.
  const sent = [text.encode("a"), notice(1, "t")[0], text.encode("b")];
  const expected = [["a"], [1, "t"], ["b"]];
  const read = (message: Message) =>
    message[0][0] <= 1
      ? [message[0][0], decode(message[0].subarray(1))]
      : [decode(message[0])];
  /** Sends the three once the XSUB is connected, and checks what came. */
  const check = async (xsub: XSubscriber, next: () => Promise<Message>) => {
    await xsub.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
    await Promise.all(sent.map((frame) => xsub.send([frame])));
    const got = [];
    for (let i = 0; i < expected.length; i++) got.push(await next());
    assertEquals(got.map(read), expected);
    await xsub.close();
  };
  await t.step("to libzmq's XPUB, which binds", async () => {
    const xpub = await peer.open("XPublisher");
    const xsub = new XSubscriber();
    xsub.connect(await xpub.bind("tcp://127.0.0.1:*"));
    await check(xsub, () => xpub.receive());
    await xpub.close();
  });
  await t.step("to libzmq's XPUB, which connects", async () => {
    const xsub = new XSubscriber();
    await xsub.bind("tcp://127.0.0.1:0");
    const xpub = await peer.open("XPublisher");
    await xpub.connect(xsub.lastEndpoint!);
    await check(xsub, () => xpub.receive());
    await xpub.close();
  });
  for (const endpoint of ["inproc://xsub-order", "ws://127.0.0.1:0"]) {
    await t.step(`to our XPUB, over ${endpoint.split(":")[0]}`, async () => {
      const xpub = new XPublisher();
      await xpub.bind(endpoint);
      const xsub = new XSubscriber();
      xsub.connect(xpub.lastEndpoint!);
      await check(xsub, () => receive(xpub));
      await xpub.close();
    });
  }
  await t.step("to our XPUB in a Worker", async () => {
    const context = new Context();
    const worker = new TestWorker();
    try {
      await worker.start(context, "xpub", "inproc://xsub-order", true);
      const xsub = new XSubscriber({ context });
      xsub.connect("inproc://xsub-order");
      await check(xsub, async () => (await worker.next("message")).message!);
    } finally {
      await worker.stop();
      await context.close();
    }
  });
});

Deno.test("XSUB: subscriptions keep their place in line before the handshake and across a reconnect, as libzmq's attach and hiccup put them", async (t) => {
  await using peer = new LibzmqPeer();
  const read = (message: Message) =>
    message[0][0] <= 1
      ? `${message[0][0]}${decode(message[0].subarray(1))}`
      : decode(message[0]);
  const sendThree = (xsub: XSubscriber) =>
    Promise.all(
      [text.encode("a"), notice(1, "t")[0], text.encode("b")].map((frame) =>
        xsub.send([frame])
      ),
    );
  const take = async (xpub: { receive(): Promise<Message> }, n: number) => {
    const got = [];
    for (let i = 0; i < n; i++) got.push(read(await xpub.receive()));
    return got;
  };
  await t.step(
    "sent before the handshake: every subscription first, then the rest in order",
    async () => {
      const xpub = await peer.open("XPublisher");
      const endpoint = await xpub.bind("tcp://127.0.0.1:*");
      const xsub = new XSubscriber();
      // Told in byte order, as libzmq's trie walks them.
      xsub.subscribe("old", "new");
      xsub.connect(endpoint);
      await sendThree(xsub);
      assertEquals(await take(xpub, 5), ["1new", "1old", "a", "1t", "b"]);
      await xsub.close();
      await xpub.close();
    },
  );
  await t.step(
    "sent while reconnecting: every subscription at the link's end, then the rest in order",
    async () => {
      const first = await peer.open("XPublisher");
      const endpoint = await first.bind("tcp://127.0.0.1:*");
      const xsub = new XSubscriber({ reconnectInterval: 10 });
      xsub.connect(endpoint);
      await xsub.send([notice(1, "old")[0]]);
      assertEquals(await take(first, 1), ["1old"]);
      await first.close();
      await xsub.events.wait("disconnected", timeout().signal);
      await sendThree(xsub);
      const second = await peer.open("XPublisher");
      await second.bind(endpoint);
      assertEquals(await take(second, 4), ["1old", "a", "1t", "b"]);
      await xsub.close();
      await second.close();
    },
  );
});

Deno.test("SUB and XSUB: subscriptions made while the publisher is away stay bounded, and the last state reaches it", async () => {
  await using peer = new LibzmqPeer();
  const port = freePort();
  const endpoint = `tcp://127.0.0.1:${port}`;
  const sub = new Subscriber({ reconnectInterval: 10 });
  const xsub = new XSubscriber({ reconnectInterval: 10 });
  sub.connect(endpoint);
  xsub.connect(endpoint);
  await xsub.send("queued", timeout()); // waits in the pipe, ahead of what follows
  sub.subscribe("keep");
  await xsub.send([notice(1, "keep")[0]], timeout());
  for (let i = 0; i < 3000; i++) {
    sub.subscribe("t");
    sub.unsubscribe("t");
    await xsub.send([notice(1, "t")[0]], timeout());
    await xsub.send([notice(0, "t")[0]], timeout());
  }
  const [subPipe] = coreOf(sub).pipes;
  const [xsubPipe] = coreOf(xsub).pipes;
  // libzmq's pipe would hold its high-water mark of them at most.
  assertEquals(subPipe.controlLength + subPipe.inLineLength, 1);
  assert(xsubPipe.controlLength + xsubPipe.inLineLength <= 1025);
  await xsub.send("end", timeout());
  const xpub = await peer.open("XPublisher");
  await xpub.bind(endpoint);
  const seen: string[] = [];
  while (!seen.includes("end")) {
    const [frame] = await xpub.receive();
    seen.push(
      frame[0] <= 1 ? `${frame[0]}${decode(frame.subarray(1))}` : decode(frame),
    );
  }
  // Both kept "keep" (libzmq's XPUB tells it once), the XSUB's message
  // went, then the marker sent after its subscriptions.
  assertEquals(seen.filter((s) => s === "1keep" || s === "queued").sort(), [
    "1keep",
    "queued",
  ]);
  // Every notice about "t" ends cancelled: the XSUB's queue overflowed
  // with a cancel of "t" its last word, which goes (once more than the
  // subscriptions, as the publisher may hold "t" or not).
  const t = seen.filter((s) => s === "1t" || s === "0t");
  assertEquals(t.at(-1), "0t");
  const cancels = t.filter((s) => s === "0t").length;
  assert([0, 1].includes(cancels - t.filter((s) => s === "1t").length));
  await sub.close();
  await xsub.close();
  await xpub.close();
});

Deno.test("proxy: statistics() counts as libzmq's steerable proxy: whole messages as 4.3.4 (pyzmq's STATISTICS for an exchange of 2 and 3 frames: 1,4,1,5,1,5,1,4), frames as 4.3.5 (4,4,5,5,5,5,4,4)", async () => {
  await using peer = new LibzmqPeer();
  const frontend = new Router();
  await frontend.bind("tcp://127.0.0.1:0");
  const backend = new Dealer();
  await backend.bind("tcp://127.0.0.1:0");
  const control = new ProxyControl();
  const running = proxy(frontend, backend, { control });
  const worker = await peer.open("Reply");
  await worker.connect(backend.lastEndpoint!);
  const client = await peer.open("Request", { routingId: "C1" });
  await client.connect(frontend.lastEndpoint!);
  await client.send(["aa", "b"]);
  assertEquals((await worker.receive()).map(decode), ["aa", "b"]);
  await worker.send(["x", "y", "zz"]);
  assertEquals((await client.receive()).map(decode), ["x", "y", "zz"]);
  // Frontend in: [C1, "", aa, b], 4 frames, 5 bytes; backend in:
  // [C1, "", x, y, zz], 5 frames, 6 bytes.
  const side = (framesIn: number, bytesIn: number, out: [number, number]) => ({
    messagesIn: 1,
    framesIn,
    bytesIn,
    messagesOut: 1,
    framesOut: out[0],
    bytesOut: out[1],
  });
  assertEquals(control.statistics(), {
    frontend: side(4, 5, [5, 6]),
    backend: side(5, 6, [4, 5]),
  });
  control.terminate();
  await running;
  await Promise.all([client.close(), worker.close()]);
  await frontend.close();
  await backend.close();
});

Deno.test("proxy: one socket as frontend and backend (an echo) forwards one way and counts every message as the frontend's in and the backend's out, as libzmq's (pyzmq's STATISTICS for 4 messages of 2 bytes: 4,8,0,0,0,0,4,8)", async () => {
  // Before, two loops each took some of the messages, and counted them on
  // their own side: 2,4,2,4 and 2,4,2,4.
  await using peer = new LibzmqPeer();
  const echo = new Dealer();
  await echo.bind("tcp://127.0.0.1:0");
  const control = new ProxyControl();
  const running = proxy(echo, echo, { control });
  const client = await peer.open("Dealer");
  await client.connect(echo.lastEndpoint!);
  for (let i = 0; i < 4; i++) await client.send([`m${i}`]);
  for (let i = 0; i < 4; i++) {
    assertEquals((await client.receive()).map(decode), [`m${i}`]);
  }
  const counts = (messages: number, bytes: number) => ({
    messagesIn: messages,
    framesIn: messages,
    bytesIn: bytes,
    messagesOut: messages,
    framesOut: messages,
    bytesOut: bytes,
  });
  const { frontend, backend } = control.statistics();
  assertEquals(frontend, {
    ...counts(4, 8),
    messagesOut: 0,
    framesOut: 0,
    bytesOut: 0,
  });
  assertEquals(backend, {
    ...counts(4, 8),
    messagesIn: 0,
    framesIn: 0,
    bytesIn: 0,
  });
  control.terminate();
  await running;
  await client.close();
  await echo.close();
});

Deno.test("an XPUB's unread subscription notices count as unread at close, with its upstream messages, as libzmq's are received messages", async () => {
  await using context = new Context();
  const xpub = new XPublisher({ context });
  await xpub.bind("inproc://notices");
  const sub = new Subscriber({ context });
  sub.subscribe("a", "b", "c");
  sub.connect("inproc://notices");
  const xsub = new XSubscriber({ context });
  xsub.connect("inproc://notices");
  await xsub.send("\x01zz");
  await xsub.send("upstream");
  const core = coreOf(xpub);
  await until(
    () =>
      core.routing.unread?.() === 4 &&
      [...core.pipes].some((pipe) => pipe.inbound.length === 1),
    "four notices and a message",
  );
  assertEquals(await xpub.close(), { dropped: 0, unread: 5 });
});

Deno.test("a closed XPUB the app still holds keeps none of its notices: those unread, the one `readable` set aside, and those its peers' leaving makes as it closes", async () => {
  await using context = new Context();
  const xpub = new XPublisher({ context, xpubVerboser: true });
  await xpub.bind("inproc://notices-dropped");
  const xsub = new XSubscriber({ context });
  xsub.connect("inproc://notices-dropped");
  await xsub.send("\x01a");
  await xsub.send("\x01b");
  const core = coreOf(xpub);
  await until(() => core.routing.unread?.() === 2, "two notices");
  // `readable` sets the first aside, for the next receive.
  assert(xpub.readable);
  assertEquals(await xpub.close(), { dropped: 0, unread: 2 });
  assertEquals(core.routing.unread?.(), 0);
  assertEquals(core.routing.receive?.(), undefined);
  // The peer's cancellations, when it leaves now, are not kept either.
  await xsub.close();
  assertEquals(core.routing.receive?.(), undefined);
});
