/**
 * `socket.upgrade`: ZeroMQ on a route of a `Deno.serve` app, with our own
 * ws clients (browsers are in tests/browser/): messages both ways, refusals
 * with events, and memory bounded when the peer outruns a reader that
 * stopped (the platform's WebSocket cannot pause reading).
 */
import { assert, assertEquals } from "@std/assert";
import { Pull, Push, Reply, Request as Requester } from "../mod.ts";
import { timeout } from "./_helpers.ts";

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
