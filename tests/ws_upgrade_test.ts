/**
 * `socket.upgrade`: ZeroMQ on a route of a `Deno.serve` app, with our own
 * ws clients (browsers are in tests/browser/): messages both ways, refusals
 * with events, and memory bounded when the peer outruns a reader that
 * stopped (the platform's WebSocket cannot pause reading).
 */
import { assert, assertEquals } from "@std/assert";
import { codec, Pull, Push, Reply, Request as Requester } from "../mod.ts";
import { timeout } from "./_helpers.ts";
import { dialWebSocket } from "../transport/websocket_link.ts";
import { deadline } from "@std/async/deadline";

const text = new TextEncoder();

function serve(
  handler: (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => Response,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

Deno.test("upgrade: request-reply through a Deno.serve route, and a plain GET refused with an event", async () => {
  await using reply = new Reply();
  await using server = serve((request, info) =>
    new URL(request.url).pathname === "/zmq"
      ? reply.upgrade(request, info)
      : new Response("a page")
  );
  const base = `127.0.0.1:${server.addr.port}`;
  assertEquals(await (await fetch(`http://${base}/`)).text(), "a page");
  const refused = await fetch(`http://${base}/zmq`);
  assertEquals(refused.status, 426);
  await refused.body?.cancel();
  const failed = await reply.events.wait("handshake-failed", timeout().signal);
  assertEquals(failed.kind, "protocol");
  await using request = new Requester();
  request.connect(`ws://${base}/zmq`);
  for (const body of ["hello", "x".repeat(300), "y".repeat(1 << 20)]) {
    await request.send(["a", body], timeout());
    const got = await reply.receive(timeout());
    await reply.send(got, timeout());
    const [, back] = await request.receive(timeout());
    assertEquals(back.length, body.length);
  }
});

Deno.test("upgrade: a peer that outruns a stopped reader is dropped, memory bounded", async () => {
  await using pull = new Pull({ receiveHighWaterMark: 10 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  await using push = new Push({ sendHighWaterMark: 0 });
  push.connect(`ws://127.0.0.1:${server.addr.port}/`);
  const chunk = new Uint8Array(256 * 1024);
  const dropped = pull.events.wait("protocol-error", timeout().signal);
  // 32 MiB against a reader that holds 10 messages and reads none.
  for (let i = 0; i < 128; i++) await push.send(chunk, timeout());
  const event = await dropped;
  assert(event.reason.includes("cannot pause"), event.reason);
});

Deno.test("upgrade: a malformed upgrade is a 400 with an event, not a thrown TypeError", async () => {
  await using pull = new Pull();
  const info = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    completed: Promise.resolve(),
  } as const;
  // Upgrade: websocket, but neither `Connection: Upgrade` nor a key.
  const response = pull.upgrade(
    new Request("http://127.0.0.1/zmq", {
      headers: {
        upgrade: "websocket",
        "sec-websocket-protocol": "ZWS2.0/NULL",
      },
    }),
    info,
  );
  assertEquals(response.status, 400);
  await response.body?.cancel();
  const failed = await pull.events.wait("handshake-failed", timeout().signal);
  assertEquals(failed.kind, "protocol");
});

Deno.test("upgrade: maxConnections holds as for bind (503 and an event beyond it)", async () => {
  await using pull = new Pull({ maxConnections: 1 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  const endpoint = `ws://127.0.0.1:${server.addr.port}/`;
  await using first = new Push();
  first.connect(endpoint);
  await pull.events.wait("handshake-succeeded", timeout().signal);
  await using second = new Push();
  second.connect(endpoint);
  const refused = await pull.events.wait("accept-refused", timeout().signal);
  assertEquals(refused.maxConnections, 1);
  const failed = await second.events.wait("handshake-failed", timeout().signal);
  assert(failed.reason.includes("503"), failed.reason);
  await first.send("served", timeout());
  assertEquals(await pull.receive(timeout()), [text.encode("served")]);
});

Deno.test("upgrade: a flood of tiny messages against a stopped reader is bounded too", async () => {
  await using pull = new Pull({ receiveHighWaterMark: 10 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  await using push = new Push({ sendHighWaterMark: 0 });
  push.connect(`ws://127.0.0.1:${server.addr.port}/`);
  const dropped = pull.events.wait("protocol-error", timeout().signal);
  // 200,000 empty messages: each held one counts 128 bytes, so the 16 MiB
  // backlog is full at 131,072 (counted by their bytes, none was).
  const empty = new Uint8Array(0);
  let sent = 0;
  const sending = (async () => {
    for (; sent < 200_000; sent++) await push.send(empty, timeout());
  })();
  const event = await dropped;
  assert(event.reason.includes("cannot pause"), event.reason);
  await push.close();
  await sending.catch(() => {});
});

Deno.test("a dialled WebSocket link closed before it is served closes its WebSocket", async () => {
  const serverSawClose = Promise.withResolvers<void>();
  await using server = serve((request) => {
    const { socket, response } = Deno.upgradeWebSocket(request, {
      protocol: "ZWS2.0",
    });
    socket.onclose = () => serverSawClose.resolve();
    return response;
  });
  // What a dialer does when its socket closes while a dial is in flight.
  const link = await dialWebSocket(
    `ws://127.0.0.1:${server.addr.port}/zmq`,
    {
      scope: {},
      connectionOptions: () => ({
        socketType: "DEALER",
        now: performance.now(),
      }),
      peer: {
        socketType: "DEALER",
        minor: 1,
        metadata: new codec.Metadata([["Socket-Type", "DEALER"]]),
      },
    },
    timeout().signal,
  );
  link.close();
  await link.done;
  await deadline(serverSawClose.promise, 5000);
});

Deno.test("upgrade: heartbeats are ZMTP PINGs there; a peer that answers none is dropped", async () => {
  await using pull = new Pull({ heartbeatInterval: 50, heartbeatTimeout: 150 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  // A bare WebSocket speaking ZWS2.0: its routing id (empty), then nothing.
  const socket = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`, [
    "ZWS2.0",
  ]);
  const closed = new Promise((resolve) => socket.onclose = resolve);
  await new Promise((resolve) => socket.onopen = resolve);
  socket.send(new Uint8Array([0]));
  const dropped = await pull.events.wait("protocol-error", timeout().signal);
  assertEquals(dropped.kind, "timeout");
  await closed;
});
