/**
 * libzmq 4.3.5's draft options for a peer's connection, against libzmq:
 * ZMQ_HELLO_MSG (`helloMessage`: sent to each peer first, on each link),
 * ZMQ_DISCONNECT_MSG (`disconnectMessage`: received for an accepted peer
 * that leaves after its handshake) and ZMQ_HICCUP_MSG (`hiccupMessage`:
 * received when a connect peer's link drops after its handshake).
 */
import { assertEquals, assertThrows } from "@std/assert";
import {
  Client,
  Context,
  Dealer,
  Peer,
  Push,
  Router,
  Server,
  ZmqError,
} from "../mod.ts";
import { decode, timeout, until } from "./_helpers.ts";
import { coreOf } from "../patterns/_core.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

const ZMQ_HELLO_MSG = 110;
const ZMQ_DISCONNECT_MSG = 111;
const ZMQ_HICCUP_MSG = 114;

Deno.test("helloMessage, disconnectMessage and hiccupMessage on ROUTER and DEALER, as libzmq's draft options, both ways", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "our ROUTER greets a libzmq DEALER and hears it leave",
    async () => {
      await using router = new Router({
        helloMessage: "HELLO",
        disconnectMessage: "BYE",
        linger: 0,
      });
      await router.bind("tcp://127.0.0.1:0");
      const dealer = await peer.open("Dealer", { routingId: "D", linger: 0 });
      await dealer.connect(router.lastEndpoint!);
      assertEquals((await dealer.receive()).map(decode), ["HELLO"]);
      await dealer.send(["x", "y".repeat(300), ""]);
      assertEquals((await router.receive(timeout())).map(decode), [
        "D",
        "x",
        "y".repeat(300),
        "",
      ]);
      await dealer.close();
      assertEquals((await router.receive(timeout())).map(decode), ["D", "BYE"]);
    },
  );

  await t.step(
    "a libzmq ROUTER greets our DEALER and hears it leave",
    async () => {
      const router = await peer.open("Router", { linger: 0 });
      await router.setBytesOption(ZMQ_HELLO_MSG, "HELLO");
      await router.setBytesOption(ZMQ_DISCONNECT_MSG, "BYE");
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      const dealer = new Dealer({ routingId: "D", linger: 0 });
      dealer.connect(endpoint);
      assertEquals((await dealer.receive(timeout())).map(decode), ["HELLO"]);
      await dealer.send("x", timeout());
      assertEquals((await router.receive()).map(decode), ["D", "x"]);
      await dealer.close();
      assertEquals((await router.receive()).map(decode), ["D", "BYE"]);
      await router.close();
    },
  );

  await t.step(
    "our DEALER hears its libzmq ROUTER go, and greets the next one",
    async () => {
      const router = await peer.open("Router", { linger: 0 });
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      await using dealer = new Dealer({
        routingId: "D",
        helloMessage: "HI",
        hiccupMessage: "OOPS",
        reconnectInterval: 20,
        linger: 0,
      });
      dealer.connect(endpoint);
      assertEquals((await router.receive()).map(decode), ["D", "HI"]);
      await router.close();
      assertEquals((await dealer.receive(timeout())).map(decode), ["OOPS"]);
      const next = await peer.open("Router", { linger: 0 });
      await next.bind(endpoint);
      assertEquals((await next.receive()).map(decode), ["D", "HI"]);
      await next.close();
    },
  );

  await t.step("a libzmq DEALER hears our ROUTER go", async () => {
    const router = new Router({ linger: 0 });
    await router.bind("tcp://127.0.0.1:0");
    const dealer = await peer.open("Dealer", { routingId: "L", linger: 0 });
    await dealer.setBytesOption(ZMQ_HELLO_MSG, "HI");
    await dealer.setBytesOption(ZMQ_HICCUP_MSG, "OOPS");
    await dealer.connect(router.lastEndpoint!);
    assertEquals((await router.receive(timeout())).map(decode), ["L", "HI"]);
    await router.close();
    assertEquals((await dealer.receive()).map(decode), ["OOPS"]);
    await dealer.close();
  });
});

Deno.test("helloMessage, disconnectMessage and hiccupMessage on SERVER and CLIENT (draft), with libzmq's", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "our SERVER greets a libzmq CLIENT and hears it leave, by its routing id",
    async () => {
      await using server = new Server({
        helloMessage: "HELLO",
        disconnectMessage: "BYE",
        linger: 0,
      });
      await server.bind("tcp://127.0.0.1:0");
      const client = await peer.open("Client", { linger: 0 });
      await client.connect(server.lastEndpoint!);
      assertEquals((await client.receive()).map(decode), ["HELLO"]);
      await client.send(["x"]);
      const request = await server.receive(timeout());
      assertEquals(request.map(decode), ["x"]);
      await client.close();
      const bye = await server.receive(timeout());
      assertEquals([bye.map(decode), bye.routingId], [
        ["BYE"],
        request.routingId,
      ]);
    },
  );

  await t.step("our CLIENT hears its libzmq SERVER go", async () => {
    const server = await peer.open("Server", { linger: 0 });
    await server.setBytesOption(ZMQ_HELLO_MSG, "HELLO");
    const endpoint = await server.bind("tcp://127.0.0.1:*");
    await using client = new Client({ hiccupMessage: "OOPS", linger: 0 });
    client.connect(endpoint);
    assertEquals((await client.receive(timeout())).map(decode), ["HELLO"]);
    await server.close();
    assertEquals((await client.receive(timeout())).map(decode), ["OOPS"]);
  });
});

Deno.test("inproc: a DEALER that closes is received as the ROUTER's disconnectMessage, as libzmq's inproc; no hiccupMessage, which needs a connection to lose", async () => {
  await using context = new Context();
  const router = new Router({
    context,
    helloMessage: "HELLO",
    disconnectMessage: "BYE",
    linger: 0,
  });
  await router.bind("inproc://farewells");
  const dealer = new Dealer({
    context,
    routingId: "D",
    helloMessage: "HI",
    hiccupMessage: "OOPS",
    linger: 0,
  });
  dealer.connect("inproc://farewells");
  const [hello] = await dealer.receive(timeout());
  assertEquals(decode(hello), "HELLO");
  assertEquals((await router.receive(timeout())).map(decode), ["D", "HI"]);
  await dealer.close();
  const [, farewell] = await router.receive(timeout());
  assertEquals(decode(farewell), "BYE");
  // Each a copy, the application's to change (inproc passes frames as
  // they are): the options stay as set.
  hello[0] = farewell[0] = 88;
  assertEquals(
    [router.helloMessage!, router.disconnectMessage!].map(decode),
    ["HELLO", "BYE"],
  );
  // The other way: the ROUTER goes, the DEALER hears no hiccup.
  const second = new Dealer({ context, hiccupMessage: "OOPS", linger: 0 });
  second.connect("inproc://farewells");
  assertEquals((await second.receive(timeout())).map(decode), ["HELLO"]);
  const lost = second.events.wait("disconnected", timeout().signal);
  await router.close();
  await lost;
  assertEquals(second.readable, false);
  // A PEER's own names its farewells too: its hiccup keeps the routing id.
  await using bound = new Peer({
    context,
    disconnectMessage: "BYE",
    linger: 0,
  });
  await bound.bind("inproc://peers");
  const connecting = new Peer({ context, linger: 0 });
  const id = connecting.connect("inproc://peers");
  await connecting.send("hi", { routingId: id, ...timeout() });
  const hi = await bound.receive(timeout());
  await connecting.close();
  const bye = await bound.receive(timeout());
  assertEquals([bye.map(decode), bye.routingId], [["BYE"], hi.routingId]);
});

Deno.test("helloMessage, disconnectMessage, hiccupMessage: bytes or a string, empty for none; not a socket type's that has none (EINVAL)", () => {
  const dealer = new Dealer({ helloMessage: "" });
  assertEquals(dealer.helloMessage, undefined);
  dealer.hiccupMessage = "oops";
  assertEquals(dealer.hiccupMessage, new TextEncoder().encode("oops"));
  const given = new Uint8Array([1, 2]);
  const router = new Router({ disconnectMessage: given });
  given[0] = 9; // copied, as libzmq's setsockopt copies
  assertEquals(router.disconnectMessage, new Uint8Array([1, 2]));
  for (
    const make of [
      () => new Dealer({ helloMessage: 42 as unknown as string }),
      () => {
        dealer.helloMessage = null as unknown as string;
      },
      () => new Push({ helloMessage: "x" } as never),
      () => new Dealer({ disconnectMessage: "x" } as never),
      () => new Router({ hiccupMessage: "x" } as never),
    ]
  ) {
    assertEquals(assertThrows(make, ZmqError).code, "EINVAL");
  }
  void dealer.close();
  void router.close();
});

Deno.test("farewells: a conflating DEALER's hiccup replaces what is unread, and a ROUTER's unheard peer (a rival for its routing id) leaves no disconnect message, as libzmq's", async () => {
  await using peer = new LibzmqPeer();
  const libzmqRouter = await peer.open("Router", { linger: 0 });
  const endpoint = await libzmqRouter.bind("tcp://127.0.0.1:*");
  const dealer = new Dealer({
    routingId: "D",
    conflate: true,
    hiccupMessage: "OOPS",
    linger: 0,
  });
  dealer.connect(endpoint);
  await dealer.send("here", timeout());
  assertEquals((await libzmqRouter.receive()).map(decode), ["D", "here"]);
  await libzmqRouter.send(["D", "m1"]);
  await libzmqRouter.send(["D", "m2"]);
  const [pipe] = coreOf(dealer).pipes;
  await until(() => pipe.inbound.length > 0, "m2");
  const dropped = dealer.events.wait("disconnected", timeout().signal);
  await libzmqRouter.close();
  await dropped;
  assertEquals((await dealer.receive(timeout())).map(decode), ["OOPS"]);
  assertEquals(dealer.readable, false);
  await dealer.close();

  // Rivals for a routing id, ours: the newcomer unheard, or (handover) the
  // old holder; each that leaves is no one's to hear of.
  for (const routerHandover of [false, true]) {
    await using context = new Context();
    const router = new Router({
      context,
      routerHandover,
      disconnectMessage: "BYE",
      linger: 0,
    });
    await router.bind("inproc://rivals");
    let holder = new Dealer({ context, routingId: "X", linger: 0 });
    holder.connect("inproc://rivals");
    for (let i = 0; i < 3; i++) {
      const rival = new Dealer({ context, routingId: "X", linger: 0 });
      rival.connect("inproc://rivals");
      if (routerHandover) {
        await holder.close();
        holder = rival;
      } else {
        await rival.close();
      }
    }
    await holder.close();
    assertEquals((await router.receive(timeout())).map(decode), ["X", "BYE"]);
    assertEquals(await router.close(), { dropped: 0, unread: 0 });
  }
});
