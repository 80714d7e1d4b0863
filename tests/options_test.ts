/**
 * The libzmq options users reach for, against libzmq where they show on the
 * wire: immediate, conflate, probeRouter, connect routing ids,
 * routerHandover, maxMessageSize.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Channel,
  Client,
  type ClientOptions,
  Context,
  type ContextOptions,
  curveKeyPair,
  Datagram,
  Dealer,
  type DealerOptions,
  Dish,
  Gather,
  Pair,
  Peer,
  type PeerOptions,
  Publisher,
  type PublisherOptions,
  Pull,
  Push,
  Radio,
  Reply,
  Request,
  type RequestOptions,
  Router,
  type RouterOptions,
  Scatter,
  Server,
  type ServerOptions,
  type Socket,
  type SocketOptions,
  Stream,
  type StreamOptions,
  Subscriber,
  type SubscriberOptions,
  XPublisher,
  type XPublisherOptions,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import {
  decode,
  freePort,
  freeUdpPort,
  runPython,
  sendUntilReceived,
  timeout,
  until,
} from "./_helpers.ts";
import { checkMulticast, MULTICAST_DEFAULTS } from "../transport/mod.ts";
import { coreOf } from "../patterns/_core.ts";
import { contextMembers } from "../patterns/context.ts";
import type { SWITCHES } from "../patterns/_option_names.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("immediate: messages go only to peers whose handshake is done", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "a PUSH with one absent and one live peer sends all to the live one",
    async () => {
      const pull = await peer.open("Pull");
      const live = await pull.bind("tcp://127.0.0.1:*");
      const push = new Push({ immediate: true });
      push.connect(`tcp://127.0.0.1:${freePort()}`); // nobody there
      push.connect(live);
      await push.events.wait("handshake-succeeded", timeout().signal);
      for (const n of [1, 2, 3, 4]) await push.send(`task ${n}`, timeout());
      const received = [];
      for (let i = 0; i < 4; i++) {
        received.push(decode((await pull.receive())[0]));
      }
      assertEquals(received, ["task 1", "task 2", "task 3", "task 4"]);
      await push.close();
      await pull.close();
    },
  );
  await t.step(
    "with no live peer, send waits (and times out) instead of queueing",
    async () => {
      const push = new Push({ immediate: true, sendTimeout: 50 });
      push.connect(`tcp://127.0.0.1:${freePort()}`);
      const error = await assertRejects(() => push.send("lost?"), ZmqError);
      assertEquals(error.code, "EAGAIN");
      await push.close();
    },
  );
  await t.step(
    "a peer that restarts on the same port is sent to again once reconnected",
    async () => {
      const port = freePort();
      const endpoint = `tcp://127.0.0.1:${port}`;
      const first = await peer.open("Pull");
      await first.bind(endpoint);
      const push = new Push({ immediate: true, linger: 0 });
      push.connect(endpoint);
      await push.events.wait("handshake-succeeded", timeout().signal);
      await push.send("before", timeout());
      assertEquals(decode((await first.receive())[0]), "before");
      await first.close();
      await push.events.wait("disconnected", timeout().signal);
      const second = await peer.open("Pull");
      await second.bind(endpoint);
      await push.events.wait("handshake-succeeded", timeout().signal);
      await push.send("after", timeout());
      assertEquals(decode((await second.receive())[0]), "after");
      await push.close();
      await second.close();
    },
  );
  await t.step(
    "what its queue held when its peer left is counted dropped at close, as a connect's that gives up",
    async () => {
      const pull = new Pull({ receiveHighWaterMark: 1, linger: 0 });
      await pull.bind("tcp://127.0.0.1:0");
      const push = new Push({ immediate: true, linger: 0 });
      push.connect(pull.lastEndpoint!);
      await push.events.wait("handshake-succeeded", timeout().signal);
      const big = new Uint8Array(1 << 20);
      for (let i = 0; i < 100; i++) await push.send(big, timeout());
      const left = push.events.wait("disconnected", timeout().signal);
      await pull.close();
      await left;
      // At most a few MiB were in the kernel's buffers or read.
      const { dropped } = await push.close();
      assert(dropped > 50, `${dropped} dropped`);
      // A fan-out's, as a PUB drops for a peer at its HWM, is not counted,
      // whichever side connected.
      const sub = new Subscriber({ receiveHighWaterMark: 1, linger: 0 });
      sub.subscribe();
      await sub.bind("tcp://127.0.0.1:0");
      const pub = new Publisher({ immediate: true, linger: 0 });
      pub.connect(sub.lastEndpoint!);
      // Its subscription come: what is sent now is queued for it.
      await sendUntilReceived(() => pub.send("warm"), sub.receive(timeout()));
      for (let i = 0; i < 100; i++) await pub.send(big, timeout());
      const gone = pub.events.wait("disconnected", timeout().signal);
      await sub.close();
      await gone;
      assertEquals((await pub.close()).dropped, 0);
    },
  );
  await t.step(
    "without it, the absent peer takes its share in a queue",
    async () => {
      const pull = await peer.open("Pull");
      const live = await pull.bind("tcp://127.0.0.1:*");
      const push = new Push({ linger: 0 });
      push.connect(`tcp://127.0.0.1:${freePort()}`);
      push.connect(live);
      await push.events.wait("handshake-succeeded", timeout().signal);
      for (const n of [1, 2, 3, 4]) await push.send(`task ${n}`, timeout());
      const first = decode((await pull.receive())[0]);
      const second = decode((await pull.receive())[0]);
      assertEquals([first, second], ["task 2", "task 4"]);
      await push.close();
      await pull.close();
    },
  );
});

Deno.test("conflate keeps only the newest message, both ways, with libzmq", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "our PUSH queues one message for an absent libzmq PULL",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const push = new Push({ conflate: true });
      push.connect(endpoint);
      for (let n = 1; n <= 10; n++) await push.send(`state ${n}`, timeout());
      const pull = await peer.open("Pull");
      await pull.bind(endpoint);
      assertEquals(decode((await pull.receive())[0]), "state 10");
      await push.send("state 11", timeout());
      assertEquals(decode((await pull.receive())[0]), "state 11");
      await push.close();
      await pull.close();
    },
  );
  await t.step(
    "our PULL keeps the newest of what libzmq sent while it was not reading",
    async () => {
      const pull = new Pull({ conflate: true });
      await pull.bind("tcp://127.0.0.1:0");
      const push = await peer.open("Push");
      await push.connect(pull.lastEndpoint!);
      await push.sendSequence("state ", 1000);
      await push.send(["last"]);
      const received: string[] = [];
      while (received.at(-1) !== "last") {
        received.push(decode((await pull.receive(timeout()))[0]));
      }
      const numbers = received.slice(0, -1).map((s) => Number(s.slice(6)));
      assert(received.length < 1001, `${received.length} messages kept`);
      assert(
        numbers.every((n, i) => i === 0 || n > numbers[i - 1]),
        "in order",
      );
      await push.close();
      await pull.close();
    },
  );
  await t.step("a socket type libzmq does not conflate for says so", () => {
    for (const make of [Router, XPublisher, XSubscriber]) {
      const error = (() => {
        try {
          new make({ conflate: true });
        } catch (error) {
          return error;
        }
      })();
      assert(error instanceof ZmqError && error.code === "EINVAL", make.name);
    }
  });
});

Deno.test("probeRouter and connect routing ids, ROUTER to ROUTER with libzmq", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "our DEALER's probe reaches a libzmq ROUTER before any message",
    async () => {
      const router = await peer.open("Router");
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      const dealer = new Dealer({ probeRouter: true, routingId: "dealer-1" });
      dealer.connect(endpoint);
      assertEquals((await router.receive()).map(decode), ["dealer-1", ""]);
      await router.send(["dealer-1", "welcome"]);
      assertEquals((await dealer.receive(timeout())).map(decode), ["welcome"]);
      await dealer.close();
      await router.close();
    },
  );
  await t.step("a libzmq DEALER's probe reaches our ROUTER", async () => {
    const router = new Router();
    await router.bind("tcp://127.0.0.1:0");
    const dealer = await peer.open("Dealer", {
      probeRouter: true,
      routingId: "probe",
    });
    await dealer.connect(router.lastEndpoint!);
    assertEquals((await router.receive(timeout())).map(decode), ["probe", ""]);
    await dealer.close();
    await router.close();
  });
  await t.step(
    "our ROUTER names the libzmq ROUTER it connects to",
    async () => {
      const server = await peer.open("Router");
      const endpoint = await server.bind("tcp://127.0.0.1:*");
      const client = new Router({ routingId: "client", probeRouter: true });
      client.connect(endpoint, { routingId: "server" });
      assertEquals((await server.receive()).map(decode), ["client", ""]);
      await server.send(["client", "hello", ""]);
      assertEquals((await client.receive(timeout())).map(decode), [
        "server",
        "hello",
        "",
      ]);
      await client.send(["server", "x".repeat(300)], timeout());
      assertEquals((await server.receive()).map(decode), [
        "client",
        "x".repeat(300),
      ]);
      await client.close();
      await server.close();
    },
  );
  await t.step(
    "our ROUTER routes to the peer it names at connect before the handshake",
    async () => {
      const server = await peer.open("Dealer");
      const endpoint = await server.bind("tcp://127.0.0.1:*");
      const client = new Router({ routerMandatory: true });
      client.connect(endpoint, { routingId: "server" });
      // Queued at once, as libzmq's: no EHOSTUNREACH, nothing dropped.
      await client.send(["server", "early", "x".repeat(300), ""], timeout());
      assertEquals((await server.receive()).map(decode), [
        "early",
        "x".repeat(300),
        "",
      ]);
      await client.close();
      await server.close();
    },
  );
  await t.step(
    "a libzmq ROUTER routes to the peer it names at connect at once",
    async () => {
      const server = new Dealer();
      await server.bind("tcp://127.0.0.1:0");
      const client = await peer.open("Router", { mandatory: true });
      await client.connect(server.lastEndpoint!, { routingId: "server" });
      await client.send(["server", "early", "x".repeat(300), ""]);
      assertEquals((await server.receive(timeout())).map(decode), [
        "early",
        "x".repeat(300),
        "",
      ]);
      await client.close();
      await server.close();
    },
  );
  await t.step("a libzmq ROUTER names our ROUTER it connects to", async () => {
    const server = new Router({ routingId: "server", probeRouter: true });
    await server.bind("tcp://127.0.0.1:0");
    const client = await peer.open("Router", { routingId: "client" });
    await client.connect(server.lastEndpoint!, { routingId: "the-server" });
    // Our probe tells the libzmq ROUTER we are here, under the name it chose.
    const [from, ...rest] = await client.receive();
    assertEquals([decode(from), rest.length], ["the-server", 1]);
    await client.send(["the-server", "ping"]);
    assertEquals((await server.receive(timeout())).map(decode), [
      "client",
      "ping",
    ]);
    await client.close();
    await server.close();
  });
  await t.step(
    "a connect routing id is for ROUTER only, and never empty",
    () => {
      const dealer = new Dealer();
      const router = new Router();
      for (
        const attempt of [
          () => dealer.connect("tcp://127.0.0.1:1", { routingId: "x" }),
          () => router.connect("tcp://127.0.0.1:1", { routingId: "" }),
        ]
      ) {
        try {
          attempt();
          throw new Error("accepted");
        } catch (error) {
          assert(error instanceof ZmqError && error.code === "EINVAL");
        }
      }
      return Promise.all([dealer.close(), router.close()]).then(() => {});
    },
  );
});

Deno.test("a connect routing id another connect of the socket gives its peer is EINVAL (libzmq aborts when that peer connects); free again once that connect is disconnected or given up", async () => {
  await using router = new Router({ reconnectInterval: 10 });
  const first = "tcp://127.0.0.1:1";
  const second = "tcp://127.0.0.1:2";
  router.connect(first, { routingId: "peer" });
  const error = assertThrows(
    () => router.connect(second, { routingId: "peer" }),
    ZmqError,
    first,
  );
  assertEquals(error.code, "EINVAL");
  // Nothing was made for the refused connect.
  await assertRejects(() => router.disconnect(second), ZmqError);
  router.connect(second, { routingId: "other" });
  await router.disconnect(first);
  router.connect(first, { routingId: "peer" });
  // A connect given up (its peer refused us) names no one any more.
  await using pub = new Publisher();
  const refusing = await pub.bind("tcp://127.0.0.1:0");
  router.connect(refusing, { routingId: "refused" });
  await router.events.wait("connect-abandoned", AbortSignal.timeout(5000));
  router.connect("tcp://127.0.0.1:3", { routingId: "refused" });
});

Deno.test("routerMandatory: a lone routing id is ignored, a message for no peer is EHOSTUNREACH, as libzmq's", async () => {
  // zeromq.js waits on a lone frame of its own accord; libzmq's
  // router_t::xsend drops it. Debian's pyzmq calls libzmq directly.
  assertEquals(
    await runPython(ROUTER_MANDATORY_PY),
    "ignored; Host unreachable",
  );
  const ours = new Router({ routerMandatory: true });
  await ours.send(["nobody"], timeout());
  const error = await assertRejects(() => ours.send(["nobody", "x"]), ZmqError);
  assertEquals(error.code, "EHOSTUNREACH");
  await ours.close();
});

const ROUTER_MANDATORY_PY = `
import zmq
router = zmq.Context().socket(zmq.ROUTER)
router.setsockopt(zmq.ROUTER_MANDATORY, 1)
router.send(b"nobody")
try:
    router.send_multipart([b"nobody", b"x"])
except zmq.ZMQError as error:
    print("ignored;", error)
router.close(0)
`;

Deno.test("routerHandover: a peer reusing a routing id takes it over", async (t) => {
  await using peer = new LibzmqPeer();
  for (const handover of [true, false]) {
    await t.step(`routerHandover ${handover}`, async () => {
      const router = new Router({ routerHandover: handover });
      await router.bind("tcp://127.0.0.1:0");
      const first = await peer.open("Dealer", { routingId: "worker" });
      await first.connect(router.lastEndpoint!);
      await first.send(["from first"]);
      assertEquals((await router.receive(timeout())).map(decode), [
        "worker",
        "from first",
      ]);
      if (handover) {
        // Unread when the newcomer comes: dropped, as libzmq's terminated
        // pipe reads nothing more (libzmq 4.3.4 and 4.3.5 alike).
        await first.send(["unread"]);
        await until(
          () => [...coreOf(router).pipes].some((p) => p.inbound.length > 0),
          "the first peer's second message",
        );
      }
      const second = await peer.open("Dealer", { routingId: "worker" });
      await second.connect(router.lastEndpoint!);
      if (handover) {
        await until(
          () => [...coreOf(router).pipes].filter((p) => p.ready).length === 2,
          "both peers connected",
        );
        assert(!router.readable, "the old peer's unread message was kept");
        // The old peer moved to a generated id, as libzmq's.
        const old = [...coreOf(router).pipes].find((p) => p.unheard);
        const id = old?.routingId;
        if (!id) throw new Error("no peer was handed over");
        assertEquals([id.length, id[0]], [5, 0]);
        await second.send(["from second"]);
        assertEquals((await router.receive(timeout())).map(decode), [
          "worker",
          "from second",
        ]);
        // The old peer stays connected, unheard, as libzmq keeps it:
        // dropped, it would reconnect and take the id back, again and
        // again (two live peers with one id flapped every 100 ms).
        await first.send(["after the handover"]);
        await second.send(["from second again"]);
        assertEquals((await router.receive(timeout())).map(decode), [
          "worker",
          "from second again",
        ]);
        await router.send(["worker", "to second"], timeout());
        assertEquals((await second.receive()).map(decode), ["to second"]);
        await router.send([id, "to the generated id"], timeout());
        assertEquals(
          [...coreOf(router).pipes].filter((p) => p.ready).length,
          2,
        );
        assert(!router.readable);
      } else {
        // The newcomer stays connected but unaddressed, as libzmq keeps it
        // (refused, it would knock again every reconnect interval): what
        // it sends is dropped, and the id still reaches the first peer.
        await until(
          () => [...coreOf(router).pipes].filter((p) => p.ready).length === 2,
          "both peers connected",
        );
        await second.send(["from second"]);
        await first.send(["from first again"]);
        assertEquals((await router.receive(timeout())).map(decode), [
          "worker",
          "from first again",
        ]);
        await router.send(["worker", "to first"], timeout());
        assertEquals((await first.receive()).map(decode), ["to first"]);
        assertEquals(coreOf(router).pipes.size, 2);
      }
      await first.close();
      await second.close();
      const { unread } = await router.close();
      // The old peer's dropped message counts as unread, as libzmq's.
      if (handover) assert(unread >= 1, `${unread} unread`);
    });
  }
});

Deno.test("routerHandover: a connect peer handed over that comes back announces its id afresh and takes it back, as libzmq's new pipe does", async () => {
  await using peer = new LibzmqPeer();
  const router = new Router({ routerHandover: true, reconnectInterval: 20 });
  const first = await peer.open("Dealer", { routingId: "X" });
  const firstEndpoint = await first.bind("tcp://127.0.0.1:*");
  router.connect(firstEndpoint);
  await first.send(["from the first"]);
  assertEquals((await router.receive(timeout())).map(decode), [
    "X",
    "from the first",
  ]);
  const second = await peer.open("Dealer", { routingId: "X" });
  router.connect(await second.bind("tcp://127.0.0.1:*"));
  await second.send(["from the second"]);
  assertEquals((await router.receive(timeout())).map(decode), [
    "X",
    "from the second",
  ]);
  // The first goes; another with the same id comes where it was.
  await first.close();
  await router.events.wait("disconnected", timeout().signal);
  const again = await peer.open("Dealer", { routingId: "X" });
  await again.bind(firstEndpoint);
  await again.send(["from the one back"]);
  assertEquals((await router.receive(timeout())).map(decode), [
    "X",
    "from the one back",
  ]);
  await router.send(["X", "to the one back"], timeout());
  assertEquals((await again.receive()).map(decode), ["to the one back"]);
  await router.close();
  await second.close();
  await again.close();
});

Deno.test("routerHandover off: an immediate connect peer left anonymous (its id in use) is heard again once it reconnects after its rival left", async () => {
  await using peer = new LibzmqPeer();
  const router = new Router({ immediate: true, reconnectInterval: 20 });
  await router.bind("tcp://127.0.0.1:0");
  const ready = () => [...coreOf(router).pipes].filter((p) => p.ready).length;
  const rival = await peer.open("Dealer", { routingId: "X" });
  await rival.connect(router.lastEndpoint!);
  await rival.send(["from the rival"]);
  assertEquals((await router.receive(timeout())).map(decode), [
    "X",
    "from the rival",
  ]);
  // Ours connects naming its peer X too: X is taken, it stays anonymous.
  const first = await peer.open("Dealer");
  const endpoint = await first.bind("tcp://127.0.0.1:*");
  router.connect(endpoint, { routingId: "X" });
  await until(() => ready() === 2, "both peers connected");
  await rival.close();
  await until(() => ready() === 1, "the rival gone");
  await first.close();
  await until(() => ready() === 0, "the first peer gone");
  const again = await peer.open("Dealer");
  await again.bind(endpoint);
  await until(() => ready() === 1, "the peer back");
  await router.send(["X", "ping"], timeout());
  assertEquals((await again.receive()).map(decode), ["ping"]);
  await again.send(["from the one back"]);
  // Before, it stayed anonymous: what it sent was dropped.
  assertEquals((await router.receive(timeout())).map(decode), [
    "X",
    "from the one back",
  ]);
  await router.close();
  await again.close();
});

Deno.test("maxMessageSize over ws: a CURVE message of the limit arrives, and a limit below a READY still connects, as over tcp", async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  for (
    const [curve, limit, size] of [[true, 1000, 1000], [false, 10, 2]] as const
  ) {
    const pull = new Pull({
      maxMessageSize: limit,
      ...(curve ? { curveServer: true, curveSecretKey: server.secretKey } : {}),
    });
    await pull.bind("ws://127.0.0.1:0");
    const push = new Push(
      curve
        ? {
          curveServerKey: server.publicKey,
          curvePublicKey: client.publicKey,
          curveSecretKey: client.secretKey,
        }
        : {},
    );
    push.connect(pull.lastEndpoint!);
    await push.send(new Uint8Array(size), timeout());
    const [frame] = await pull.receive(timeout());
    assertEquals(frame.length, size);
    await push.close();
    await pull.close();
  }
});

Deno.test("maxMessageSize drops a libzmq peer that sends more, over tcp and ws", async (t) => {
  await using peer = new LibzmqPeer();
  for (
    const [scheme, weBind] of [
      ["tcp", true],
      ["tcp", false],
      ["ws", true],
      ["ws", false],
    ] as const
  ) {
    await t.step(
      `${scheme}, ${weBind ? "we bind" : "we connect"}`,
      async () => {
        const pull = new Pull({ maxMessageSize: 1000, reconnectInterval: 20 });
        const push = await peer.open("Push", { reconnectInterval: 20 });
        if (weBind) {
          await pull.bind(`${scheme}://127.0.0.1:0`);
          await push.connect(pull.lastEndpoint!);
        } else {
          pull.connect(await push.bind(`${scheme}://127.0.0.1:*`));
        }
        await push.send(["fits", "x".repeat(990)]);
        assertEquals((await pull.receive(timeout())).map((f) => f.length), [
          4,
          990,
        ]);
        // Per frame, as libzmq counts: two frames of 600 bytes pass.
        await push.send(["y".repeat(600), "z".repeat(600)]);
        assertEquals((await pull.receive(timeout())).map((f) => f.length), [
          600,
          600,
        ]);
        await push.send(["too", "x".repeat(1001)]);
        const error = await pull.events.wait(
          "protocol-error",
          timeout().signal,
        );
        assertEquals(error.kind, "protocol");
        assert(error.reason.includes("limit of 1000"), error.reason);
        if (weBind) {
          // The libzmq PUSH, cut off, connects again.
          await pull.events.wait("handshake-succeeded", timeout().signal);
          await push.send(["after"]);
          assertEquals((await pull.receive(timeout())).map(decode), ["after"]);
        } else {
          // A protocol error ends a connect's endpoint, as in libzmq.
          await until(
            () => coreOf(pull).pipes.size === 0,
            "the endpoint ended",
          );
        }
        await pull.close();
        await push.close();
      },
    );
  }
});

Deno.test("events: bind failed, connect delayed and retried with the interval", async () => {
  const port = freePort();
  const taken = new Pull();
  await taken.bind(`tcp://127.0.0.1:${port}`);
  const other = new Pull();
  await assertRejects(() => other.bind(`tcp://127.0.0.1:${port}`), ZmqError);
  const failed = await other.events.wait("bind-failed", timeout().signal);
  assertEquals([failed.endpoint, failed.code], [
    `tcp://127.0.0.1:${port}`,
    "EADDRINUSE",
  ]);
  await taken.close();

  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  const push = new Push({ reconnectInterval: 30 });
  push.connect(endpoint);
  await push.events.wait("connect-delayed", timeout().signal);
  const retried = await push.events.wait("connect-retried", timeout().signal);
  // libzmq's schedule: the interval plus up to as much again at random.
  assertEquals(retried.endpoint, endpoint);
  assert(
    retried.interval >= 30 && retried.interval < 60,
    `${retried.interval}`,
  );
  await other.bind(endpoint);
  await push.events.wait("connected", timeout().signal);
  await push.events.wait("handshake-succeeded", timeout().signal);
  await push.close();
  await other.close();
});

Deno.test("an option name the socket does not take is EINVAL, as libzmq's setsockopt and zeromq.js's constructor refuse it", async () => {
  const refused: [string, () => unknown][] = [
    // zeromq.js's name for xpubNoDrop: ignored in silence before.
    ["noDrop", () => new Publisher({ noDrop: true } as SocketOptions)],
    ["sendHwm", () => new Push({ sendHwm: 5 } as SocketOptions)],
    // Another type's option.
    [
      "invertMatching",
      () => new Push({ invertMatching: true } as SocketOptions),
    ],
    [
      "routerMandatory",
      () => new Dealer({ routerMandatory: true } as SocketOptions),
    ],
    [
      "xpubVerbose",
      () => new Publisher({ xpubVerbose: true } as SocketOptions),
    ],
  ];
  for (const [name, make] of refused) {
    const error = assertThrows(make, ZmqError, name);
    assertEquals((error as ZmqError).code, "EINVAL", name);
  }
  // zeromq.js's names are refused saying ours, as a port meets them first.
  assertThrows(
    () => new Router({ mandatory: true } as SocketOptions),
    ZmqError,
    `Router takes no option "mandatory" (zeromq.js's name: here "routerMandatory")`,
  );
  assertThrows(
    () => new Dealer({ reconnectMaxInterval: 500 } as SocketOptions),
    ZmqError,
    `(zeromq.js's name: here "reconnectIntervalMax")`,
  );
  assertThrows(
    () => new XPublisher({ verbosity: "allSubs" } as SocketOptions),
    ZmqError,
    `(zeromq.js's name: here "xpubVerbose" or "xpubVerboser")`,
  );
  // Only for zeromq.js's names: nothing is made up for another.
  const other = assertThrows(
    () => new Dealer({ toString: 1 } as SocketOptions),
    ZmqError,
  );
  assertEquals(other.message, 'Dealer takes no option "toString"');
  // A class takes what the classes it extends take.
  const taken = [
    new XPublisher({
      invertMatching: true,
      xpubNoDrop: true,
      xpubVerbose: true,
    }),
    new XSubscriber({ invertMatching: true }),
    new Router({ routerMandatory: true, routerHandover: true, linger: 0 }),
    new Request({ requestRelaxed: true, requestCorrelate: true }),
    new Stream({ streamNotify: false }),
  ];
  for (const socket of taken) await socket.close();
  // Nor a property it does not have, as zeromq.js's sockets are not
  // extensible: another name (zeromq.js's own) would change nothing.
  await using router = new Router({ linger: 0 });
  const loose = router as unknown as Record<string, unknown>;
  for (const name of ["mandatory", "handover", "ipv6", "backlog"]) {
    assertThrows(() => loose[name] = true, TypeError, undefined, name);
  }
  // A class of the application's own that extends one takes its own.
  class Named extends Router {
    label = "mine";
  }
  await using named = new Named({ linger: 0 });
  assertEquals(named.label, "mine");
});

Deno.test("options out of libzmq's range are EINVAL when the socket is made", async () => {
  const refused: [string, unknown][] = [
    ["sendHighWaterMark", -1],
    ["receiveHighWaterMark", Number.NaN],
    ["sendHighWaterMark", "10"],
    ["linger", -5],
    ["linger", 2 ** 31], // a timer's limit
    ["reconnectInterval", -7],
    ["reconnectIntervalMax", -1],
    ["handshakeInterval", -1],
    ["heartbeatInterval", Number.NaN],
    ["heartbeatTimeToLive", 6_553_600],
    ["sendTimeout", -3],
    ["receiveTimeout", Number.POSITIVE_INFINITY],
    ["maxConnections", -2],
    ["routingId", ""],
    ["routingId", "x".repeat(256)],
    // A boolean, as zeromq.js takes one: "yes" was kept, and read as true.
    ["immediate", "yes"],
    ["conflate", 1],
    // null is no default: refused as the setters refuse it.
    ["linger", null],
    ["sendHighWaterMark", null],
    ["zapDomain", null],
    // Not a raw TypeError from the context's insides.
    ["context", {}],
    ["context", "default"],
    ["context", null],
    ["metadata", true],
    ["metadata", new Map([["X-A", "b"]])],
    ["rate", null],
    // A null from a configuration is no user "null".
    ["plainUsername", null],
    ["plainUsername", 5],
  ];
  for (const [name, value] of refused) {
    const error = assertThrows(
      () => new Push({ [name]: value }),
      ZmqError,
      undefined,
      `${name}: ${String(value)}`,
    );
    assertEquals(error.code, "EINVAL", `${name}: ${String(value)}`);
  }
  // Their bounds are taken, and what libzmq and zeromq.js make of the
  // rest: fractions cut, a negative size (no limit) as given, a TTL in
  // deciseconds.
  const push = new Push({
    sendHighWaterMark: 0,
    linger: 1.5,
    reconnectInterval: -1,
    maxMessageSize: -9,
    heartbeatTimeToLive: 6_553_599,
    sendTimeout: 0,
    routingId: "x".repeat(255),
  });
  assertEquals(
    [push.linger, push.maxMessageSize, push.heartbeatTimeToLive],
    [1, -9, 6_553_500],
  );
  await using short = new Push({ heartbeatTimeToLive: -99 });
  assertEquals(short.heartbeatTimeToLive, 0);
  await push.close();
});

/** The boolean options of an options type. */
type Switches<T> = {
  [K in keyof T]-?: [NonNullable<T[K]>] extends [boolean] ? K : never;
}[keyof T];
/** Every socket type's options: a boolean among them not in SWITCHES fails to compile. */
type EveryOption =
  & SocketOptions
  & ClientOptions
  & DealerOptions
  & PeerOptions
  & PublisherOptions
  & RequestOptions
  & RouterOptions
  & ServerOptions
  & StreamOptions
  & SubscriberOptions
  & XPublisherOptions;
const _everySwitch:
  Exclude<Switches<EveryOption>, typeof SWITCHES[number]> extends never ? true
    : never = true;
const _onlySwitches:
  Exclude<typeof SWITCHES[number], Switches<EveryOption>> extends never ? true
    : never = true;
void _everySwitch, _onlySwitches;

Deno.test("each type's own switches, and plainServer, curveServer and multicastLoop, take only true or false: a configuration's \"false\" is EINVAL, not on", async () => {
  // As zeromq.js takes only booleans (libzmq's setsockopt only 0 or 1): a
  // string "false" was truthy, and turned the switch on.
  const refused: [string, () => unknown][] = [
    [
      "routerMandatory",
      () => new Router({ routerMandatory: "false" as never }),
    ],
    ["routerHandover", () => new Router({ routerHandover: 1 as never })],
    ["invertMatching", () => new Publisher({ invertMatching: "no" as never })],
    ["xpubNoDrop", () => new Publisher({ xpubNoDrop: "false" as never })],
    ["invertMatching", () => new Subscriber({ invertMatching: 0 as never })],
    ["requestRelaxed", () => new Request({ requestRelaxed: "false" as never })],
    ["requestCorrelate", () => new Request({ requestCorrelate: 1 as never })],
    ["streamNotify", () => new Stream({ streamNotify: "false" as never })],
    ["xpubVerbose", () => new XPublisher({ xpubVerbose: "false" as never })],
    ["xpubVerboser", () => new XPublisher({ xpubVerboser: 1 as never })],
    ["xpubManual", () => new XPublisher({ xpubManual: "yes" as never })],
    ["plainServer", () => new Push({ plainServer: "false" as never })],
    ["curveServer", () => new Push({ curveServer: "false" as never })],
    ["multicastLoop", () => new Push({ multicastLoop: "false" as never })],
  ];
  for (const [name, make] of refused) {
    const error = assertThrows(make, ZmqError, `${name} is true or false`);
    assertEquals(error.code, "EINVAL", name);
  }
  // Inherited, as the classes read them too; and a name the type does
  // not take is said to be that first.
  assertThrows(
    () => new Push(Object.create({ plainServer: "false" })),
    ZmqError,
    "plainServer is true or false",
  );
  assertThrows(
    () => new Push({ routerMandatory: "x" } as never),
    ZmqError,
    'Push takes no option "routerMandatory"',
  );
  // Refused before the socket is made: its context never holds it.
  const context = new Context();
  assertThrows(() => new Router({ context, routerMandatory: "no" as never }));
  assertEquals(contextMembers(context).size, 0);
  await context.close();
  await using xpub = new XPublisher();
  for (const name of ["xpubVerbose", "xpubVerboser"] as const) {
    assertThrows(
      () => xpub[name] = "false" as never,
      ZmqError,
      `${name} is true or false`,
    );
    assertEquals(xpub[name], false, `${name} unchanged`);
  }
  // The booleans themselves, and the defaults, as before.
  await using stream = new Stream({ streamNotify: false });
  await using router = new Router({ routerMandatory: true });
  await using request = new Request();
  assertEquals(
    [stream.streamNotify, router.routerMandatory, request.requestRelaxed],
    [false, true, false],
  );
  xpub.xpubVerboser = true;
  assertEquals([xpub.xpubVerbose, xpub.xpubVerboser], [true, true]);
});

Deno.test("switches assigned after the socket is made take only true or false, as at construction: EINVAL, and the switch as it was", async () => {
  await using router = new Router({ routerHandover: true });
  await using publisher = new Publisher();
  await using subscriber = new Subscriber({ invertMatching: true });
  await using request = new Request();
  await using stream = new Stream();
  await using xpub = new XPublisher();
  await using push = new Push();
  await using dealer = new Dealer();
  const sockets: [Record<string, unknown>, string[]][] = [
    [router as never, [
      "routerMandatory",
      "routerHandover",
      "zapEnforceDomain",
    ]],
    [publisher as never, ["invertMatching", "xpubNoDrop"]],
    [subscriber as never, ["invertMatching"]],
    [request as never, ["requestRelaxed", "requestCorrelate"]],
    [stream as never, ["streamNotify"]],
    [xpub as never, [
      "xpubManual",
      "invertMatching",
      "xpubNoDrop",
      "xpubVerbose",
      "xpubVerboser",
    ]],
    [push as never, ["immediate", "zapEnforceDomain"]],
    [dealer as never, ["probeRouter"]],
  ];
  for (const [socket, names] of sockets) {
    for (const name of names) {
      const was = socket[name];
      assertEquals(typeof was, "boolean", name);
      for (const value of ["false", 1, 0, null, undefined, "true"]) {
        const error = assertThrows(
          () => socket[name] = value,
          ZmqError,
          `${name} is true or false`,
        );
        assertEquals(error.code, "EINVAL");
        assertEquals(socket[name], was, `${name} unchanged by ${value}`);
      }
      socket[name] = !was;
      assertEquals(socket[name], !was, name);
    }
  }
  // conflate and metadata are made once: no assignment changes them.
  await using pull = new Pull({ conflate: false, metadata: { "X-A": "a" } });
  assertThrows(
    () => (pull as { conflate: unknown }).conflate = "false",
    TypeError,
  );
  assertThrows(
    () => (pull as { metadata: unknown }).metadata = { Y: 5 },
    TypeError,
  );
  assertThrows(() => (pull.metadata as Record<string, string>).Y = "b");
  assertEquals([pull.conflate, pull.metadata], [false, { "X-A": "a" }]);
});

Deno.test("multicast.loop changed after the socket is made to other than true or false is EINVAL when next used, not a loop turned on", async () => {
  const wrong = { ...MULTICAST_DEFAULTS, loop: "false" as never };
  assertThrows(
    () => checkMulticast(wrong),
    ZmqError,
    "multicastLoop is true or false",
  );
  // udp reads only the loop and the hops: its connect fails, and retries.
  await using radio = new Radio();
  radio.multicast.loop = "false" as never;
  const port = freeUdpPort();
  const retried = (async () => {
    for await (const event of radio.events) {
      if (event.type === "connect-retried") return event.reason;
    }
  })();
  radio.connect(`udp://127.0.0.1:${port}`);
  assertEquals(
    await deadline(retried, 5000),
    "multicastLoop is true or false",
  );
});

Deno.test("options assigned later are checked as libzmq's setsockopt checks them", async () => {
  await using push = new Push({ linger: 7 });
  const refused: [string, unknown][] = [
    ["sendHighWaterMark", -1],
    ["receiveHighWaterMark", Number.NaN],
    ["linger", -5], // close() waited forever
    ["linger", 2 ** 31],
    ["reconnectInterval", -7],
    ["reconnectIntervalMax", -1],
    ["maxMessageSize", Number.POSITIVE_INFINITY],
    ["handshakeInterval", -1],
    ["heartbeatInterval", "1000"],
    ["heartbeatTimeout", -2],
    ["heartbeatTimeToLive", 6_553_600],
    ["sendTimeout", -3],
    ["receiveTimeout", undefined],
    ["maxConnections", -2],
    ["routingId", new Uint8Array()],
    ["routingId", new Uint8Array(256)],
    ["routingId", 42],
    ["zapDomain", "d".repeat(256)], // libzmq's limit: 255 bytes
    ["zapDomain", 1],
    ["immediate", "yes"], // kept as truthy, and used so, before
    ["probeRouter", true], // a PUSH does not probe, as at construction
    ["probeRouter", 1],
  ];
  const options = push as unknown as Record<string, unknown>;
  for (const [name, value] of refused) {
    const before = options[name];
    const error = assertThrows(
      () => options[name] = value,
      ZmqError,
      undefined,
      `${name}: ${String(value)}`,
    );
    assertEquals(error.code, "EINVAL", `${name}: ${String(value)}`);
    assertEquals(options[name], before, `${name} kept`);
  }
  push.linger = 2.7;
  push.heartbeatTimeToLive = 1_234;
  push.routingId = new Uint8Array([1]);
  push.routingId = undefined;
  assertEquals([push.linger, push.heartbeatTimeToLive], [2, 1_200]);
  assertEquals(push.routingId, undefined);
  // A string, as the constructor and zeromq.js's property take one.
  push.routingId = "abc";
  assertEquals(push.routingId, new TextEncoder().encode("abc"));
  push.immediate = true;
  await using dealer = new Dealer({ linger: 0 });
  dealer.probeRouter = true;
  assertEquals([push.immediate, dealer.probeRouter], [true, true]);
  // Bytes copied, as libzmq's setsockopt copies them.
  const given = new Uint8Array([7]);
  push.routingId = given;
  given[0] = 8;
  assertEquals(push.routingId, new Uint8Array([7]));
  assertEquals(
    assertThrows(() => new Push({ zapDomain: "d".repeat(256) }), ZmqError)
      .code,
    "EINVAL",
  );
  // A Context's too (zeromq.js's ioThreads, maxSockets: nothing here).
  const error = assertThrows(
    () => new Context({ ioThreads: 4 } as ContextOptions),
    ZmqError,
    "ioThreads",
  );
  assertEquals(error.code, "EINVAL");
});

Deno.test("zapDomain set after the socket is made turns authentication on for a NULL server, as libzmq's before bind: a libzmq client is judged, and refused", async () => {
  await using peer = new LibzmqPeer();
  const asked: string[] = [];
  await using pull = new Pull({
    authenticate: ({ domain, address }) => {
      asked.push(domain);
      return address === "nobody";
    },
    linger: 0,
  });
  pull.zapDomain = "global";
  await pull.bind("tcp://127.0.0.1:0");
  const push = await peer.open("Push", { linger: 0 });
  await push.connect(pull.lastEndpoint!);
  const refused = await pull.events.wait("handshake-failed", timeout().signal);
  // Asked for each attempt of the client's (it reconnects after a 400).
  assertEquals([refused.kind, asked[0]], ["auth", "global"]);
  assertEquals(pull.readable, false);
  await push.close();
});

Deno.test("xpubWelcomeMessage set later, as a string, is sent as at construction", async () => {
  await using peer = new LibzmqPeer();
  await using xpub = new XPublisher({ linger: 0 });
  xpub.xpubWelcomeMessage = "WELCOME";
  assertEquals(xpub.xpubWelcomeMessage, new TextEncoder().encode("WELCOME"));
  await xpub.bind("tcp://127.0.0.1:0");
  const sub = await peer.open("Subscriber", { linger: 0 });
  await sub.subscribe("WEL");
  await sub.connect(xpub.lastEndpoint!);
  assertEquals((await sub.receive()).map(decode), ["WELCOME"]);
  await sub.close();
  assertEquals(
    assertThrows(() => {
      xpub.xpubWelcomeMessage = 7 as unknown as string;
    }, ZmqError).code,
    "EINVAL",
  );
});

Deno.test("linger set to 0 while close() waits ends the wait: what is still queued is dropped and counted", async () => {
  // 0.5 is kept as 0, so it ends the wait too.
  for (const linger of [0, 0.5]) {
    const push = new Push({ linger: -1 });
    push.connect(`tcp://127.0.0.1:${freePort()}`); // nobody there
    for (const body of ["a", "b", "c"]) await push.send(body);
    const closing = push.close();
    push.linger = linger;
    const summary = await deadline(closing, 2000);
    assertEquals(summary.dropped, 3);
  }
});

Deno.test("the bytes an option getter gives are a copy, as libzmq's getsockopt copies: changing them changes nothing", async () => {
  await using dealer = new Dealer({ routingId: "alice", helloMessage: "hi" });
  dealer.routingId![0] = 0x6d;
  dealer.helloMessage![0] = 0x4a;
  assertEquals(decode(dealer.routingId!), "alice");
  assertEquals(decode(dealer.helloMessage!), "hi");
  await using xpub = new XPublisher({ xpubWelcomeMessage: "welcome" });
  xpub.xpubWelcomeMessage![0] = 0;
  assertEquals(decode(xpub.xpubWelcomeMessage!), "welcome");
});

Deno.test("every option set on a closed socket is ETERM (zeromq.js: ENOTSOCK), not taken and never used; reading one still works, and so does setting linger while close() waits", async () => {
  const sockets: Socket[] = [
    new Channel(),
    new Client(),
    new Datagram(),
    new Dealer(),
    new Dish(),
    new Gather(),
    new Pair(),
    new Peer(),
    new Publisher(),
    new Pull(),
    new Push(),
    new Radio(),
    new Reply(),
    new Request(),
    new Router(),
    new Scatter(),
    new Server(),
    new Stream(),
    new Subscriber(),
    new XPublisher(),
    new XSubscriber(),
  ];
  for (const socket of sockets) {
    const options: string[] = [];
    for (
      let proto = Object.getPrototypeOf(socket);
      proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (
        const [name, property] of Object.entries(
          Object.getOwnPropertyDescriptors(proto),
        )
      ) {
        if (property.set && !options.includes(name)) options.push(name);
      }
    }
    options.push("authenticate", "tls", "multicast");
    const record = socket as unknown as Record<string, unknown>;
    const before = options.map((name) => record[name]);
    // Open, each takes its own value back.
    for (const [i, name] of options.entries()) record[name] = before[i];
    const closing = socket.close();
    socket.linger = 0;
    await closing;
    for (const [i, name] of options.entries()) {
      assertEquals(record[name], name === "linger" ? 0 : before[i], name);
      const error = assertThrows(() => {
        record[name] = before[i];
      }, ZmqError);
      assertEquals(error.code, "ETERM", `${socket.type} ${name}`);
    }
  }
  const dish = new Dish();
  dish.join("a");
  await dish.close();
  for (const call of [() => dish.join("b"), () => dish.leave("a")]) {
    assertEquals(assertThrows(call, ZmqError).code, "ETERM");
  }
  // Another socket of a class seen closed is not refused while open.
  await using open = new Dealer();
  open.linger = 5;
  assertEquals(open.linger, 5);
  // What a subclass of the app's own adds is its own business.
  class Tracked extends Dealer {
    state = "open";
    #note = "";
    get note(): string {
      return this.#note;
    }
    set note(value: string) {
      this.#note = value;
    }
  }
  const tracked = new Tracked();
  await tracked.close();
  tracked.state = "closed";
  tracked.note = "done";
  assertEquals([tracked.state, tracked.note], ["closed", "done"]);
  assertThrows(() => {
    tracked.linger = 0;
  }, ZmqError);
});
