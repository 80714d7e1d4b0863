/**
 * CLIENT and SERVER (RFC 41): against libzmq 4.3.5's draft sockets in both
 * directions, between our own over every transport, and their rules:
 * single frames, routing ids, unknown peers.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Client,
  Context,
  Peer,
  type RoutedSendOptions,
  Server,
  ZmqError,
} from "../mod.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { decode, timeout } from "./_helpers.ts";
import {
  againstLibzmq,
  assertRefusedAhead,
  overTransports,
  PAYLOADS,
  sendMultipartThenSingle,
  slowAndFastClients,
} from "./_draft_helpers.ts";

Deno.test("CLIENT (ours) ↔ SERVER (libzmq): we bind and libzmq binds, empty and 300-byte messages, both ways", async (t) => {
  await using peer = new LibzmqPeer();
  await againstLibzmq(
    t,
    () => peer.open("Server"),
    (context) => new Client({ context }),
    async (client, server) => {
      for (const payload of PAYLOADS) {
        await client.send(payload, timeout());
        const { frames, routingId } = await server.receiveWith();
        assertEquals(frames, [payload]);
        assert(routingId !== undefined && routingId !== 0);
        await server.send([payload], { routingId });
        assertEquals(await client.receive(timeout()), [payload]);
      }
    },
  );
});

Deno.test("SERVER (ours) ↔ CLIENT (libzmq): we bind and libzmq binds, empty and 300-byte messages, both ways", async (t) => {
  await using peer = new LibzmqPeer();
  await againstLibzmq(
    t,
    () => peer.open("Client"),
    (context) => new Server({ context }),
    async (server, client) => {
      for (const payload of PAYLOADS) {
        await client.send([payload]);
        const request = await server.receive(timeout());
        assertEquals([...request], [payload]);
        assert(request.routingId > 0 && request.routingId <= 0xffff_ffff);
        await server.send(payload, { routingId: request.routingId });
        assertEquals(await client.receive(), [payload]);
      }
    },
  );
});

Deno.test("CLIENT ↔ SERVER (ours) over tcp, ipc, inproc and ws", async (t) => {
  await overTransports(t, async (endpoint) => {
    await using context = new Context();
    const server = new Server({ context });
    await server.bind(endpoint("server"));
    const client = new Client({ context });
    client.connect(server.lastEndpoint!);
    await client.send("ping", timeout());
    const request = await server.receive(timeout());
    assertEquals(request.map(decode), ["ping"]);
    await server.send("pong", { routingId: request.routingId });
    assertEquals((await client.receive(timeout())).map(decode), ["pong"]);
  });
});

Deno.test("SERVER answers each CLIENT by the routing id its message came with: distinct, non-zero, counting up", async () => {
  await using context = new Context();
  const server = new Server({ context });
  await server.bind("tcp://127.0.0.1:0");
  const clients = ["a", "b"].map(() => new Client({ context }));
  const ids = new Map<string, number>();
  for (const [i, client] of clients.entries()) {
    client.connect(server.lastEndpoint!);
    await client.send(`client ${i}`, timeout());
    const request = await server.receive(timeout());
    ids.set(decode(request[0]), request.routingId);
  }
  const [first, second] = [ids.get("client 0")!, ids.get("client 1")!];
  assert(first !== 0 && second !== 0 && first !== second);
  // libzmq gives the next pipe the next id (skipping 0 when it wraps).
  assert([1, 2].includes((second - first) >>> 0), `${first}, ${second}`);
  // Each reply reaches the client it names, whatever order they go in.
  await server.send("to 1", { routingId: second });
  await server.send("to 0", { routingId: first });
  assertEquals(decode((await clients[0].receive(timeout()))[0]), "to 0");
  assertEquals(decode((await clients[1].receive(timeout()))[0]), "to 1");
});

Deno.test("CLIENT and SERVER refuse a multipart send with EINVAL, and keep serving", async () => {
  await using context = new Context();
  const server = new Server({ context });
  await server.bind("tcp://127.0.0.1:0");
  const client = new Client({ context });
  client.connect(server.lastEndpoint!);
  const fromClient = await assertRejects(
    () => client.send(["multi", "part"], timeout()),
    ZmqError,
    "a CLIENT socket sends single-frame messages",
  );
  assertEquals((fromClient as ZmqError).code, "EINVAL");
  await client.send("single", timeout());
  const request = await server.receive(timeout());
  const fromServer = await assertRejects(
    () =>
      server.send(["multi", "part"], {
        routingId: request.routingId,
        ...timeout(),
      }),
    ZmqError,
    "a SERVER socket sends single-frame messages",
  );
  assertEquals((fromServer as ZmqError).code, "EINVAL");
  await server.send("reply", { routingId: request.routingId });
  assertEquals(decode((await client.receive(timeout()))[0]), "reply");
});

Deno.test("CLIENT refuses a multipart send at once, even while a send waits for a SERVER", async () => {
  await using context = new Context();
  await assertRefusedAhead(
    new Client({ context }),
    "waits: no SERVER",
    ["multi", "part"],
    "a CLIENT socket sends single-frame messages",
  );
});

Deno.test("SERVER: a send to an unknown or departed peer fails with EHOSTUNREACH, one without a routingId (or with 0) with EINVAL", async () => {
  await using context = new Context();
  const server = new Server({ context });
  await server.bind("tcp://127.0.0.1:0");
  const unknown = await assertRejects(
    () => server.send("x", { routingId: 1234, ...timeout() }),
    ZmqError,
    "routing id 1234",
  );
  assertEquals((unknown as ZmqError).code, "EHOSTUNREACH");
  const missing = await assertRejects(
    () => server.send("x", {} as RoutedSendOptions),
    ZmqError,
    "routingId",
  );
  assertEquals((missing as ZmqError).code, "EINVAL");
  // libzmq gives no peer 0, and refuses it as a routing id to send to.
  const zero = await assertRejects(
    () => server.send("x", { routingId: 0 }),
    ZmqError,
    "routingId",
  );
  assertEquals(zero.code, "EINVAL");
  const client = new Client({ context });
  client.connect(server.lastEndpoint!);
  await client.send("hi", timeout());
  const { routingId } = await server.receive(timeout());
  await client.close();
  await server.events.wait("disconnected", timeout().signal);
  const departed = await assertRejects(
    () => server.send("gone", { routingId, ...timeout() }),
    ZmqError,
  );
  assertEquals((departed as ZmqError).code, "EHOSTUNREACH");
});

Deno.test("SERVER drops a multipart message a peer sends; the next message arrives and is answered", async () => {
  await using context = new Context();
  const server = new Server({ context });
  await server.bind("tcp://127.0.0.1:0");
  using raw = await sendMultipartThenSingle(server, "CLIENT");
  const request = await server.receive(timeout());
  assertEquals(request.map(decode), ["single"]);
  await server.send("answer", { routingId: request.routingId });
  const answer = await deadline(raw.next("message"), 5000);
  assertEquals(answer?.frames.map(decode), ["answer"]);
});

Deno.test("CLIENT drops a multipart message a SERVER sends; the next message arrives", async () => {
  await using context = new Context();
  const client = new Client({ context });
  await client.bind("tcp://127.0.0.1:0");
  using _raw = await sendMultipartThenSingle(client, "SERVER");
  assertEquals((await client.receive(timeout())).map(decode), ["single"]);
});

Deno.test("SERVER and PEER: a send waiting on a full peer holds back only later sends to that peer, as libzmq's thread-safe sockets (every send of the socket waited behind it)", async () => {
  await using clients = await slowAndFastClients("per-peer", 2);
  const { server, slow, fast } = clients;
  // The slow client reads nothing: its sends fill both marks, then wait.
  const toSlow: Promise<void>[] = [];
  let settled = 0;
  for (let i = 0; i < 8; i++) {
    const sending = server.send(`s${i}`, { routingId: clients.slowId });
    toSlow.push(sending.then(() => void settled++));
  }
  await server.send("f", { routingId: clients.fastId });
  assertEquals(decode((await fast.receive(timeout()))[0]), "f");
  await assertRejects(() => server.send("x", { routingId: 12345 }));
  assert(settled < 8, `${settled} of 8 settled`);
  // Read, and the slow client's go, in order.
  const got: string[] = [];
  for (let i = 0; i < 8; i++) got.push(decode((await slow.receive())[0]));
  await deadline(Promise.all(toSlow), 5000);
  assertEquals(got, ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"]);

  await using peer = new Peer({ sendHighWaterMark: 1, linger: 0 });
  const dead = peer.connect("inproc://nobody-here");
  await using other = new Peer();
  await other.bind("inproc://peer-live");
  const live = peer.connect("inproc://peer-live");
  const waiting = [0, 1, 2].map((i) => peer.send(`d${i}`, { routingId: dead }));
  waiting.forEach((sending) => sending.catch(() => {}));
  await deadline(peer.send("to live", { routingId: live }), 5000);
  assertEquals(decode((await other.receive(timeout()))[0]), "to live");
});
