/**
 * CLIENT and SERVER (RFC 41): against libzmq 4.3.5's draft sockets in both
 * directions, between our own over every transport, and their rules:
 * single frames, routing ids, unknown peers.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Client,
  type codec,
  Context,
  type RoutedSendOptions,
  Server,
  ZmqError,
} from "../mod.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";
import { decode, handshakeAs, timeout } from "./_helpers.ts";

const text = new TextEncoder();
/** Empty, short, and long enough (> 255 bytes) for ZMTP's long frame header. */
const PAYLOADS = [
  new Uint8Array(0),
  text.encode("hello"),
  new Uint8Array(300).map((_, i) => i % 251),
];

/** Links ours and libzmq's over tcp, binding on the side named. */
async function link(
  ours: Client | Server,
  theirs: LibzmqSocket,
  weBind: boolean,
): Promise<void> {
  if (weBind) {
    await ours.bind("tcp://127.0.0.1:0");
    await theirs.connect(ours.lastEndpoint!);
  } else {
    ours.connect(await theirs.bind("tcp://127.0.0.1:*"));
  }
}

/** The port of a `tcp://` endpoint. */
const portOf = (endpoint: string) => Number(endpoint.split(":").at(-1));

/** Reads from a raw connection until its codec reports a message. */
async function readMessage(
  raw: Deno.Conn,
  fake: codec.Connection,
): Promise<Uint8Array[]> {
  const buffer = new Uint8Array(4096);
  while (true) {
    const count = await raw.read(buffer);
    if (count === null) throw new Error("the socket closed the connection");
    for (const event of fake.receive(buffer.slice(0, count))) {
      if (event.type === "message") return event.frames;
    }
  }
}

/** Writes messages on a raw connection with a codec, as the peer would. */
async function writeMessages(
  raw: Deno.Conn,
  fake: codec.Connection,
  messages: string[][],
): Promise<void> {
  for (const frames of messages) {
    fake.sendMessage(frames.map((frame) => text.encode(frame)));
  }
  for (const chunk of fake.takeOutput()) await raw.write(chunk);
}

Deno.test("CLIENT (ours) ↔ SERVER (libzmq): we bind and libzmq binds, empty and 300-byte messages, both ways", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    await t.step(weBind ? "we bind" : "libzmq binds", async () => {
      await using context = new Context();
      const client = new Client({ context });
      const server = await peer.open("Server");
      await link(client, server, weBind);
      for (const payload of PAYLOADS) {
        await client.send(payload, timeout());
        const { frames, routingId } = await server.receiveWith();
        assertEquals(frames, [payload]);
        assert(routingId !== undefined && routingId !== 0);
        await server.send([payload], { routingId });
        assertEquals(await client.receive(timeout()), [payload]);
      }
      await server.close();
    });
  }
});

Deno.test("SERVER (ours) ↔ CLIENT (libzmq): we bind and libzmq binds, empty and 300-byte messages, both ways", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    await t.step(weBind ? "we bind" : "libzmq binds", async () => {
      await using context = new Context();
      const server = new Server({ context });
      const client = await peer.open("Client");
      await link(server, client, weBind);
      for (const payload of PAYLOADS) {
        await client.send([payload]);
        const request = await server.receive(timeout());
        assertEquals([...request], [payload]);
        assert(request.routingId > 0 && request.routingId <= 0xffff_ffff);
        await server.send(payload, { routingId: request.routingId });
        assertEquals(await client.receive(), [payload]);
      }
      await client.close();
    });
  }
});

Deno.test("CLIENT ↔ SERVER (ours) over tcp, ipc, inproc and ws", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const endpoints = {
      tcp: "tcp://127.0.0.1:0",
      ipc: `ipc://${dir}/server`,
      inproc: "inproc://client-server",
      ws: "ws://127.0.0.1:0/zmq",
    };
    for (const [transport, endpoint] of Object.entries(endpoints)) {
      await t.step(transport, async () => {
        await using context = new Context();
        const server = new Server({ context });
        await server.bind(endpoint);
        const client = new Client({ context });
        client.connect(server.lastEndpoint!);
        await client.send("ping", timeout());
        const request = await server.receive(timeout());
        assertEquals(request.map(decode), ["ping"]);
        await server.send("pong", { routingId: request.routingId });
        assertEquals((await client.receive(timeout())).map(decode), ["pong"]);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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

Deno.test("SERVER: a send to an unknown or departed peer fails with EHOSTUNREACH, one without a routingId with EINVAL", async () => {
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
  const raw = await Deno.connect({
    hostname: "127.0.0.1",
    port: portOf(server.lastEndpoint!),
  });
  try {
    const fake = await handshakeAs(raw, "CLIENT");
    await writeMessages(raw, fake, [["multi", "part"], ["single"]]);
    const request = await server.receive(timeout());
    assertEquals(request.map(decode), ["single"]);
    await server.send("answer", { routingId: request.routingId });
    const answer = await deadline(readMessage(raw, fake), 5000);
    assertEquals(answer.map(decode), ["answer"]);
  } finally {
    raw.close();
  }
});

Deno.test("CLIENT drops a multipart message a SERVER sends; the next message arrives", async () => {
  await using context = new Context();
  const client = new Client({ context });
  await client.bind("tcp://127.0.0.1:0");
  const raw = await Deno.connect({
    hostname: "127.0.0.1",
    port: portOf(client.lastEndpoint!),
  });
  try {
    const fake = await handshakeAs(raw, "SERVER");
    await writeMessages(raw, fake, [["multi", "part"], ["single"]]);
    assertEquals((await client.receive(timeout())).map(decode), ["single"]);
  } finally {
    raw.close();
  }
});
