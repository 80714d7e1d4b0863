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

Deno.test("upgrade: maxConnections holds as for bind (503 and an event beyond it); the client refused comes back once there is room", async () => {
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
  assertEquals(failed.kind, "peer"); // "not now": dialled again
  await first.send("served", timeout());
  assertEquals(await pull.receive(timeout()), [text.encode("served")]);
  await first.close();
  await second.events.wait("handshake-succeeded", timeout().signal);
  await second.send("served next", timeout());
  assertEquals(await pull.receive(timeout()), [text.encode("served next")]);
});

Deno.test("upgrade: a flood of tiny messages against a stopped reader is bounded too", async () => {
  await using pull = new Pull({ receiveHighWaterMark: 10 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  await using push = new Push({ sendHighWaterMark: 0 });
  push.connect(`ws://127.0.0.1:${server.addr.port}/`);
  const dropped = pull.events.wait("protocol-error", timeout().signal);
  // 200,000 empty messages: each held one counts 384 bytes, so the 16 MiB
  // backlog is full at 43,691 (counted by their bytes, none was).
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

Deno.test("upgrade: with heartbeats, a peer that answers no ping is dropped (Deno's idleTimeout)", async () => {
  // 1 s: the least Deno's idleTimeout takes.
  await using pull = new Pull({
    heartbeatInterval: 500,
    heartbeatTimeout: 1000,
  });
  await using server = serve((request, info) => pull.upgrade(request, info));
  // A raw client: the upgrade, its routing id (ZWS2.0), then silence, no
  // pong to any ping (a platform WebSocket would answer them).
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: server.addr.port,
  });
  try {
    await conn.write(text.encode(
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        `Sec-WebSocket-Key: ${codec.websocketKey()}\r\n` +
        "Sec-WebSocket-Protocol: ZWS2.0\r\n\r\n",
    ));
    await pull.events.wait("disconnected", timeout().signal);
  } finally {
    conn.close();
  }
});

Deno.test("upgrade: what waits while a reader pauses is counted out as it was counted in", async () => {
  await using pull = new Pull({ receiveHighWaterMark: 1 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  const errors: string[] = [];
  const watching = (async () => {
    for await (const event of pull.events) {
      if (event.type === "protocol-error") errors.push(event.reason);
    }
  })();
  await using push = new Push();
  push.connect(`ws://127.0.0.1:${server.addr.port}/`);
  // 140 bursts of 1,000 empty messages, each read whole before the next:
  // at most 1,000 ever wait, but 140,000 went through the backlog, past
  // the 16 MiB it holds at 384 bytes each if counted in and never out.
  const empty = new Uint8Array(0);
  for (let burst = 0; burst < 140; burst++) {
    for (let i = 0; i < 1000; i++) await push.send(empty, timeout());
    // Not a synchronisation: time for the burst to arrive while the reader
    // is paused (at its mark of 1), so that it waits in the backlog.
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (let i = 0; i < 1000; i++) await pull.receive(timeout());
  }
  assertEquals(errors, []);
  await pull.close();
  await watching;
});

Deno.test("upgrade: what a peer sent before it closed, while the reader was paused, is all read", async () => {
  await using pull = new Pull({ receiveHighWaterMark: 10 });
  await using server = serve((request, info) => pull.upgrade(request, info));
  const push = new Push();
  push.connect(`ws://127.0.0.1:${server.addr.port}/`);
  const disconnected = pull.events.wait("disconnected", timeout().signal);
  for (let i = 0; i < 50; i++) await push.send(`m${i}`, timeout());
  // Its linger writes all 50, then the WebSocket closes: 40 of them wait in
  // the link for the paused reader when the close comes.
  await push.close();
  await disconnected;
  for (let i = 0; i < 50; i++) {
    const [frame] = await pull.receive(timeout());
    assertEquals(new TextDecoder().decode(frame), `m${i}`);
  }
});

Deno.test("upgrade: a route's socket that closes ends our ws client's connection with `disconnected` alone, as a hang-up (a WebSocket close is a goodbye, not a protocol-error)", async () => {
  const push = new Push();
  await using server = serve((request, info) => push.upgrade(request, info));
  await using pull = new Pull();
  pull.connect(`ws://127.0.0.1:${server.addr.port}/zmq`);
  await pull.events.wait("handshake-succeeded", timeout().signal);
  await push.close();
  const seen: string[] = [];
  for await (const event of pull.events) {
    seen.push(event.type);
    if (event.type === "disconnected") break;
  }
  assertEquals(seen.includes("protocol-error"), false, seen.join(", "));
});
