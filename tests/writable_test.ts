/**
 * `writable`: whether a send would be queued at once, as libzmq's
 * ZMQ_POLLOUT and zeromq.js's `writable` (read here from zeromq.js 6.8.0,
 * libzmq 4.3.5, in the same states).
 */
import { assert, assertEquals } from "@std/assert";
import * as zmq from "../mod.ts";
import type { Socket } from "../mod.ts";
import { coreOf } from "../patterns/_core.ts";
import { freePort, timeout, until } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** Our classes by zeromq.js's names, with their draft types. */
const _TYPES: [string, () => Socket][] = [
  ["Push", () => new zmq.Push()],
  ["Pull", () => new zmq.Pull()],
  ["Dealer", () => new zmq.Dealer()],
  ["Router", () => new zmq.Router()],
  ["Request", () => new zmq.Request()],
  ["Reply", () => new zmq.Reply()],
  ["Pair", () => new zmq.Pair()],
  ["Publisher", () => new zmq.Publisher()],
  ["Subscriber", () => new zmq.Subscriber()],
  ["XPublisher", () => new zmq.XPublisher()],
  ["XSubscriber", () => new zmq.XSubscriber()],
  ["Stream", () => new zmq.Stream()],
  ["Client", () => new zmq.Client()],
  ["Server", () => new zmq.Server()],
  ["Radio", () => new zmq.Radio()],
  ["Scatter", () => new zmq.Scatter()],
  ["Gather", () => new zmq.Gather()],
];

Deno.test("writable is libzmq's POLLOUT for every type, before and after connect (a DISH aside)", async () => {
  await using peer = new LibzmqPeer();
  const nobody = `tcp://127.0.0.1:${freePort()}`;
  for (const [name, make] of _TYPES) {
    const theirs = await peer.open(name, { linger: 0 });
    await using ours = make();
    ours.linger = 0;
    assertEquals(
      ours.writable,
      (await theirs.touch()).writable,
      `${name} before connect`,
    );
    // Nobody listens there: a type that queues for a peer has a pipe.
    ours.connect(nobody);
    await theirs.connect(nobody);
    assertEquals(
      ours.writable,
      (await theirs.touch()).writable,
      `${name} connected`,
    );
    await theirs.close();
  }
  // DGRAM: a pipe once bound (udp), as libzmq's.
  const theirs = await peer.open("Datagram", { linger: 0 });
  await using datagram = new zmq.Datagram({ linger: 0 });
  assertEquals([datagram.writable, (await theirs.touch()).writable], [
    false,
    false,
  ]);
  await theirs.bind("udp://127.0.0.1:*");
  await datagram.bind("udp://127.0.0.1:0");
  assertEquals([datagram.writable, (await theirs.touch()).writable], [
    true,
    true,
  ]);
  // libzmq's DISH reports POLLOUT (its joins may go any time) though it
  // sends no message; ours says what a send would do: fail.
  const dish = await peer.open("Dish");
  assert((await dish.touch()).writable);
  await using ours = new zmq.Dish();
  assert(!ours.writable);
});

Deno.test("writable with routerMandatory: false with no peer, true with one, as libzmq's ROUTER", async () => {
  await using peer = new LibzmqPeer();
  const theirs = await peer.open("Router", { mandatory: true });
  await using ours = new zmq.Router({ routerMandatory: true });
  assertEquals([ours.writable, (await theirs.touch()).writable], [
    false,
    false,
  ]);
  await ours.bind("tcp://127.0.0.1:0");
  const dealer = await peer.open("Dealer", { routingId: "d" });
  await dealer.connect(ours.lastEndpoint!);
  await ours.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
  assert(ours.writable);
  await ours.send(["d", "to the dealer"]);
  assertEquals(
    (await dealer.receive()).map((f) => new TextDecoder().decode(f)),
    [
      "to the dealer",
    ],
  );
});

Deno.test("writable on REQ and REP follows their alternation, as zeromq.js's against ours and ours against libzmq", async () => {
  await using peer = new LibzmqPeer();
  for (const requestRelaxed of [false, true]) {
    // Our REQ, libzmq's REP answering.
    const rep = await peer.open("Reply");
    const endpoint = await rep.bind("tcp://127.0.0.1:0");
    await rep.echo();
    await using req = new zmq.Request({ requestRelaxed, linger: 0 });
    req.connect(endpoint);
    const ourSequence = [req.writable];
    await req.send("hello", timeout());
    ourSequence.push(req.writable);
    await req.receive(timeout());
    ourSequence.push(req.writable);

    // libzmq's REQ, our REP.
    await using reply = new zmq.Reply();
    await reply.bind("tcp://127.0.0.1:0");
    const theirReq = await peer.open("Request", { relaxed: requestRelaxed });
    await theirReq.connect(reply.lastEndpoint!);
    const theirSequence = [(await theirReq.touch()).writable];
    const replySequence = [reply.writable];
    await theirReq.send(["hello"]);
    theirSequence.push((await theirReq.touch()).writable);
    await reply.receive(timeout());
    replySequence.push(reply.writable);
    await reply.send("world", timeout());
    replySequence.push(reply.writable);
    await theirReq.receive();
    theirSequence.push((await theirReq.touch()).writable);

    assertEquals(ourSequence, theirSequence, `relaxed ${requestRelaxed}`);
    assertEquals(ourSequence, [true, requestRelaxed, true]);
    assertEquals(replySequence, [false, true, false]);
    await rep.close();
    await theirReq.close();
  }
});

Deno.test("a REP whose request readable set aside owes its receive: not writable, a send is EFSM, as libzmq's", async () => {
  await using peer = new LibzmqPeer();
  await using rep = new zmq.Reply();
  await rep.bind("tcp://127.0.0.1:0");
  const req = await peer.open("Request");
  await req.connect(rep.lastEndpoint!);
  await req.send(["question"]);
  await until(() => rep.readable, "the request");
  assert(!rep.writable, "readable, not received");
  const refused = await rep.send("too soon").then(
    () => "sent",
    (error) => error instanceof zmq.ZmqError ? error.code : String(error),
  );
  assertEquals(refused, "EFSM");
  await rep.receive(timeout());
  assert(rep.writable, "received");
  await rep.send("answer", timeout());
  assertEquals(new TextDecoder().decode((await req.receive())[0]), "answer");

  // libzmq's REP in the same state.
  const theirs = await peer.open("Reply");
  const endpoint = await theirs.bind("tcp://127.0.0.1:0");
  await using ours = new zmq.Request({ linger: 0 });
  ours.connect(endpoint);
  await ours.send("question", timeout());
  const deadline = Date.now() + 5000;
  let state = await theirs.touch();
  while (!state.readable) {
    if (Date.now() > deadline) throw new Error("no request at libzmq's REP");
    state = await theirs.touch();
  }
  assert(!state.writable, "libzmq's REP, readable, not received");
});

Deno.test("writable turns false when a PUSH fills its mark toward a stopped libzmq PULL, and true once it reads again", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  const endpoint = await pull.bind("tcp://127.0.0.1:0");
  await using push = new zmq.Push({ sendHighWaterMark: 2, linger: 0 });
  assert(!push.writable, "no peer yet");
  push.connect(endpoint);
  await push.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
  assert(push.writable, "a peer with room");
  peer.kill("SIGSTOP");
  let sent = 0;
  try {
    // Sends until one waits 200 ms in vain: by then the kernel's buffers
    // toward the stopped peer are full, and so is the mark.
    push.sendTimeout = 200;
    const body = new Uint8Array(256 * 1024);
    for (;; sent++) {
      if (sent > 1000) throw new Error("never full");
      const writable = push.writable;
      const sending = push.send(body);
      // Writable: routed at once, nothing waits.
      if (writable) assert(!coreOf(push).sendPending, `send ${sent} waited`);
      const went = await sending.then(() => true, (error) => {
        if (error instanceof zmq.ZmqError && error.code === "EAGAIN") {
          return false;
        }
        throw error;
      });
      if (!went) break;
    }
    assert(!push.writable, "writable with the mark full");
  } finally {
    peer.kill("SIGCONT");
  }
  // libzmq reads again: once it has what went, our queue is empty.
  for (let i = 0; i < sent; i++) await pull.receive();
  await until(() => push.writable, "room again");
});

Deno.test("writable is false on a closed socket, on a PAIR whose peer is full, and behind a send that waits", async () => {
  // Nobody listens at these endpoints: what is sent stays in the pipes.
  const pair = new zmq.Pair({ sendHighWaterMark: 1, linger: 0 });
  pair.connect(`tcp://127.0.0.1:${freePort()}`);
  assert(pair.writable);
  await pair.send("fills the mark", timeout());
  assert(!pair.writable, "its one peer full");
  await pair.close();
  assert(!pair.writable, "closed");

  await using router = new zmq.Router({
    routerMandatory: true,
    sendHighWaterMark: 1,
    linger: 0,
  });
  router.connect(`tcp://127.0.0.1:${freePort()}`, { routingId: "a" });
  router.connect(`tcp://127.0.0.1:${freePort()}`, { routingId: "b" });
  assert(router.writable, "both have room");
  await router.send(["a", "fills a"], timeout());
  assert(router.writable, "b has room");
  // A second message for a waits for room; one for b would go behind it.
  const waiting = router.send(["a", "waits"], {
    signal: AbortSignal.timeout(10),
  }).catch(() => "gave up");
  assert(!router.writable, "a send is waiting");
  assertEquals(await waiting, "gave up");
  assert(router.writable, "nothing waits: b has room");
  await router.send(["b", "fills b"], timeout());
  assert(!router.writable, "both full");
});
