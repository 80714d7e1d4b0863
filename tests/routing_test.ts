/**
 * Socket types' rules where a review found ours apart from libzmq 4.3.5's:
 * REQ's stale replies, XSUB's unfiltered reads, ROUTER's generated ids;
 * and ipc's abstract names and tcp's interface names.
 */
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import {
  Context,
  Dealer,
  Publisher,
  Pull,
  Push,
  Request,
  Router,
  Subscriber,
  XSubscriber,
  ZmqError,
} from "../mod.ts";
import { deadline } from "@std/async/deadline";
import { coreOf } from "../patterns/_core.ts";
import { decode, sendUntilReceived, timeout, until } from "./_helpers.ts";
import { RawPeer } from "./_draft_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("REQ: a reply that came and was not read is dropped when the next request goes, as libzmq's", async () => {
  await using peer = new LibzmqPeer();
  const router = await peer.open("Router");
  const endpoint = await router.bind("tcp://127.0.0.1:0");
  await using request = new Request();
  request.connect(endpoint);
  const queued = () =>
    [...coreOf(request).pipes].reduce((n, pipe) => n + pipe.inbound.length, 0);
  for (const body of ["r1", "r2", "r3"]) {
    await request.send(body);
    // A peer that answers twice: the second is stale once read past.
    const [id, empty, got] = await router.receive();
    await router.send([id, empty, `${decode(got)}-a`]);
    await router.send([id, empty, `${decode(got)}-b`]);
    assertEquals(decode((await request.receive(timeout()))[0]), `${body}-a`);
    await until(() => queued() === 1, "second reply");
  }
  await router.close();
});

Deno.test("XSUB: takes whatever its publisher sends, unfiltered, as libzmq's (a SUB filters)", async () => {
  await using xsub = new XSubscriber();
  await xsub.bind("tcp://127.0.0.1:0");
  using publisher = await RawPeer.to(xsub, "XPUB");
  await publisher.handshake();
  await xsub.send(new Uint8Array([1, 0x41])); // subscribe "A"
  await publisher.next("subscribe");
  await publisher.send(["A1"], ["B1"], ["A2"]);
  const got = [];
  for (let i = 0; i < 3; i++) {
    got.push(decode((await xsub.receive(timeout()))[0]));
  }
  assertEquals(got, ["A1", "B1", "A2"]);
});

Deno.test("ROUTER: a generated routing id is never one a peer announced", async () => {
  await using router = new Router();
  await router.bind("tcp://127.0.0.1:0");
  const endpoint = router.lastEndpoint!;
  await using a = new Dealer();
  a.connect(endpoint);
  await a.send("anonymous");
  const [idA] = await router.receive();
  // B announces the id the next anonymous peer would get.
  const next = idA.slice();
  const view = new DataView(next.buffer);
  view.setUint32(1, view.getUint32(1) + 1);
  await using b = new Dealer({ routingId: next });
  b.connect(endpoint);
  await b.send("named");
  assertEquals((await router.receive(timeout()))[0], next);
  await using c = new Dealer();
  c.connect(endpoint);
  await c.send("anonymous too");
  const [idC] = await router.receive();
  assertNotEquals(idC, next);
  await router.send([next, "for B"]);
  await router.send([idC, "for C"]);
  assertEquals(decode((await b.receive(timeout()))[0]), "for B");
  assertEquals(decode((await c.receive(timeout()))[0]), "for C");
});

Deno.test("ipc://@name is in the abstract namespace, both ways with libzmq, and makes no file", async () => {
  await using peer = new LibzmqPeer();
  const name = `@zmtp-test-${crypto.randomUUID()}`;
  await using pull = new Pull();
  await pull.bind(`ipc://${name}`);
  const push = await peer.open("Push");
  await push.connect(`ipc://${name}`);
  await push.send(["to ours"]);
  assertEquals(decode((await pull.receive(timeout()))[0]), "to ours");
  const theirs = await peer.open("Pull");
  await theirs.bind(`ipc://${name}-theirs`);
  await using ours = new Push();
  ours.connect(`ipc://${name}-theirs`);
  await ours.send("to libzmq");
  assertEquals((await theirs.receive()).map(decode), ["to libzmq"]);
  const empty = await assertRejects(() => pull.bind("ipc://@"), ZmqError);
  assertEquals(empty.code, "EINVAL");
  const files = [...Deno.readDirSync(".")].map((entry) => entry.name);
  assertEquals(files.filter((file) => file.startsWith("@zmtp-test")), []);
  await push.close();
  await theirs.close();
});

Deno.test("tcp: a bind may name an interface (loopback's here), as libzmq's; a libzmq peer reaches it", async () => {
  await using peer = new LibzmqPeer();
  const loopback =
    Deno.networkInterfaces().find((each) => each.address === "127.0.0.1")!.name;
  await using pull = new Pull();
  await pull.bind(`tcp://${loopback}:0`);
  assertEquals(pull.lastEndpoint!.startsWith("tcp://127.0.0.1:"), true);
  const push = await peer.open("Push");
  await push.connect(pull.lastEndpoint!);
  await push.send(["by name"]);
  assertEquals(decode((await pull.receive(timeout()))[0]), "by name");
  await push.close();
});

Deno.test("REQ: a reply readable set aside is dropped too when the next request goes (relaxed), as libzmq's", async () => {
  await using peer = new LibzmqPeer();
  const router = await peer.open("Router");
  const endpoint = await router.bind("tcp://127.0.0.1:0");
  await using request = new Request({
    requestRelaxed: true,
    requestCorrelate: true,
  });
  request.connect(endpoint);
  await request.send("req1");
  const [id, correlation, empty] = await router.receive();
  await router.send([id, correlation, empty, "reply-to-req1"]);
  await until(() => request.readable, "the first reply");
  await request.send("req2");
  const [id2, correlation2, empty2] = await router.receive();
  await router.send([id2, correlation2, empty2, "reply-to-req2"]);
  assertEquals(decode((await request.receive(timeout()))[0]), "reply-to-req2");
  await router.close();
});

Deno.test("REQ (strict): a reply readable set aside is still owed a receive: the next send is EFSM, as libzmq's", async () => {
  await using peer = new LibzmqPeer();
  const router = await peer.open("Router");
  const endpoint = await router.bind("tcp://127.0.0.1:0");
  await using request = new Request();
  request.connect(endpoint);
  await request.send("req1");
  const [id, empty] = await router.receive();
  await router.send([id, empty, "reply-to-req1"]);
  await until(() => request.readable, "the reply");
  const error = await assertRejects(() => request.send("req2"), ZmqError);
  assertEquals(error.code, "EFSM");
  assertEquals(decode((await request.receive(timeout()))[0]), "reply-to-req1");
  await router.close();
});

Deno.test("probeRouter: the empty message goes once a connect, not on each reconnect, as libzmq writes it when the pipe is made; a libzmq REQ that drops the link over it is then served", async () => {
  await using peer = new LibzmqPeer();
  const request = await peer.open("Request");
  const endpoint = await request.bind("tcp://127.0.0.1:0");
  await using router = new Router({ probeRouter: true, reconnectInterval: 20 });
  router.connect(endpoint);
  // libzmq's REQ takes the probe for a malformed reply and hangs up; our
  // reconnect, without a probe, stays.
  await router.events.wait("disconnected", timeout().signal);
  await router.events.wait("handshake-succeeded", timeout().signal);
  await request.send(["hello"]);
  const [id, empty, body] = await router.receive(timeout());
  assertEquals([empty.length, decode(body)], [0, "hello"]);
  await router.send([id, "", "world"], timeout());
  assertEquals((await request.receive()).map(decode), ["world"]);
  await request.close();
});

Deno.test("REQ: a message without the delimiter (a probeRouter's empty one) is a protocol error that ends the connect, as libzmq's req_session", async () => {
  await using peer = new LibzmqPeer();
  const router = await peer.open("Router", { probeRouter: true });
  const endpoint = await router.bind("tcp://127.0.0.1:0");
  await using request = new Request({ reconnectInterval: 20 });
  request.connect(endpoint);
  // libzmq takes a new peer in (and probes it) when its socket is next
  // called, once its handshake is done.
  const { reason } = await sendUntilReceived(
    () => router.touch(),
    request.events.wait("protocol-error", timeout().signal),
  );
  assert(reason.includes("delimiter"), reason);
  await request.events.wait("connect-abandoned", timeout().signal);
  assertEquals(coreOf(request).pipes.size, 0);
  await router.close();
});

Deno.test("REQ: bound, once the peer it asked leaves, another peer's reply is taken, as libzmq's (it waited for the departed one)", async () => {
  await using peer = new LibzmqPeer();
  await using request = new Request({ routingId: "req" });
  await request.bind("tcp://127.0.0.1:0");
  const asked = await peer.open("Router");
  await asked.connect(request.lastEndpoint!);
  await request.events.wait("handshake-succeeded", timeout().signal);
  await request.send("question");
  assertEquals((await asked.receive()).map(decode), ["req", "", "question"]);
  const other = await peer.open("Router");
  await other.connect(request.lastEndpoint!);
  await request.events.wait("handshake-succeeded", timeout().signal);
  await asked.close();
  await request.events.wait("disconnected", timeout().signal);
  // Until libzmq has taken the new peer in, it drops what is sent to it.
  const [reply] = await sendUntilReceived(
    () => other.send(["req", "", "from another"]),
    request.receive(timeout()),
  );
  assertEquals(decode(reply), "from another");
  await other.close();
});

Deno.test("a send waiting on a full peer goes once its wait ends otherwise: to the peer that took its routing id over (routerHandover), or dropped as xpubNoDrop turns off, as libzmq's send tries again", async () => {
  await using context = new Context();
  const router = new Router({
    context,
    routerMandatory: true,
    routerHandover: true,
    sendHighWaterMark: 1,
  });
  await router.bind("inproc://handover");
  const holder = new Dealer({
    context,
    routingId: "X",
    receiveHighWaterMark: 1,
  });
  holder.connect("inproc://handover");
  await holder.send("hello");
  await router.receive(timeout());
  while (router.writable) await router.send(["X", "filler"]);
  const waiting = router.send(["X", "last"]);
  const taker = new Dealer({ context, routingId: "X" });
  taker.connect("inproc://handover");
  await taker.send("i am X now");
  assertEquals((await router.receive(timeout())).map(decode), [
    "X",
    "i am X now",
  ]);
  await deadline(waiting, 2000);
  assertEquals(decode((await taker.receive(timeout()))[0]), "last");

  const publisher = new Publisher({
    context,
    xpubNoDrop: true,
    sendHighWaterMark: 1,
  });
  await publisher.bind("inproc://nodrop");
  const subscriber = new Subscriber({ context, receiveHighWaterMark: 1 });
  subscriber.subscribe("");
  subscriber.connect("inproc://nodrop");
  await until(() => coreOf(publisher).pipes.size === 1, "the subscriber");
  await sendUntilReceived(() => publisher.send("first"), subscriber.receive());
  // A nodrop PUB is always writable, as libzmq's: send until one waits.
  let held: Promise<void>;
  const waits = Symbol("waits");
  do {
    held = publisher.send("filler");
  } while (
    await Promise.race([
      held,
      new Promise((resolve) => setTimeout(() => resolve(waits), 0)),
    ]) !== waits
  );
  publisher.xpubNoDrop = false;
  await deadline(held, 2000);
  for (const socket of [router, holder, taker, publisher, subscriber]) {
    socket.linger = 0;
  }
});
