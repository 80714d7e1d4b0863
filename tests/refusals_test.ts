/**
 * How a refusal of ours reads at a libzmq peer: its monitor reports an
 * authentication failure with the ZAP status code, as for libzmq's own.
 */
import { assertEquals } from "@std/assert";
import { codec, Pull, Push, Reply, Request } from "../mod.ts";
import { runPython, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** A pyzmq PLAIN client's first handshake failure, as its monitor says it. */
const PLAIN_CLIENT_PY = `
import sys, zmq
from zmq.utils.monitor import recv_monitor_message
context = zmq.Context()
client = context.socket(zmq.REQ)
client.plain_username = b"admin"
client.plain_password = b"guess"
monitor = client.get_monitor_socket()
client.connect(sys.argv[1])
names = {
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "auth",
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "protocol",
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "other",
    zmq.EVENT_HANDSHAKE_SUCCEEDED: "succeeded",
}
if not monitor.poll(5000):
    print("none")
while monitor.poll(5000):
    event = recv_monitor_message(monitor)
    if event["event"] in names:
        print(names[event["event"]], event["value"])
        break
client.close(0)
monitor.close(0)
context.term()
`;

Deno.test("PLAIN: a libzmq client our server refuses reports an authentication failure with the status code (libzmq's ERROR bytes), not a protocol error", async () => {
  await using server = new Reply({
    plainServer: true,
    authenticate: ({ password }) => password === "secret",
  });
  await server.bind("tcp://127.0.0.1:0");
  const failing = server.events.wait("handshake-failed", timeout().signal);
  const seen = await runPython(PLAIN_CLIENT_PY, server.lastEndpoint!);
  assertEquals(seen, "auth 400");
  const failed = await failing;
  assertEquals([failed.kind, failed.statusCode], ["auth", 400]);
});

Deno.test("a refusal's handshake-failed event carries the ZAP status code as a number, as libzmq's event value: a libzmq PLAIN server's 400", async () => {
  await using peer = new LibzmqPeer();
  await peer.zapHandler({ users: { admin: "secret" } });
  const server = await peer.open("Reply", { plainServer: true });
  const endpoint = await server.bind("tcp://127.0.0.1:*");
  await using intruder = new Request({
    plainUsername: "admin",
    plainPassword: "guess",
  });
  const failing = intruder.events.wait("handshake-failed", timeout().signal);
  intruder.connect(endpoint);
  const failed = await failing;
  assertEquals([failed.kind, failed.statusCode], ["auth", 400]);
  await server.close();
});

Deno.test("a hang-up is no ZAP status: our PLAIN server with no authenticator refuses a libzmq client with no statusCode, as libzmq reports none", async () => {
  await using peer = new LibzmqPeer();
  await using server = new Pull({ plainServer: true });
  await server.bind("tcp://127.0.0.1:0");
  const failing = server.events.wait("handshake-failed", timeout().signal);
  const client = await peer.open("Push", {
    plainUsername: "admin",
    plainPassword: "secret",
  });
  await client.connect(server.lastEndpoint!);
  const failed = await failing;
  assertEquals([failed.kind, "statusCode" in failed], ["auth", false]);
  assertEquals(
    failed.reason,
    "the client was refused (PLAIN needs an authenticator, and none is set)",
  );
  await client.close();
});

Deno.test("ws: a libzmq client whose mechanism our server does not speak is closed without an answer, as libzmq's server closes it, so it retries (an HTTP refusal would stop it for good)", async () => {
  await using peer = new LibzmqPeer();
  await using server = new Pull();
  await server.bind("ws://127.0.0.1:0/zmq");
  const client = await peer.open("Push", {
    plainUsername: "admin",
    plainPassword: "secret",
  });
  await client.connect(server.lastEndpoint!);
  for (let attempt = 0; attempt < 2; attempt++) {
    const failed = await server.events.wait(
      "handshake-failed",
      timeout().signal,
    );
    assertEquals(failed.kind, "mechanism");
  }
  await client.close();
});

Deno.test("a NULL server that sends its signature and version at once, then waits for the client's READY before its own (Kzmq's), has it after a moment: only a peer whose signature came alone, as libzmq's, is waited for all the handshake's time", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const push = new Push({ handshakeInterval: 3000 });
  push.connect(`tcp://127.0.0.1:${port}`);
  const conn = await listener.accept();
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: true });
  await conn.write(greeting.subarray(0, 11));
  const buffer = new Uint8Array(1024);
  let received = 0;
  while (received < 11) received += (await conn.read(buffer)) ?? Infinity;
  await conn.write(greeting.subarray(11));
  // The client's rest, then its READY: more than a greeting.
  while (received <= 64) received += (await conn.read(buffer)) ?? Infinity;
  const ready = codec.encodeReady(
    new codec.Metadata([["Socket-Type", "PULL"]]),
  );
  await conn.write(codec.encodeFrame(ready, codec.FLAG_COMMAND));
  await push.events.wait("handshake-succeeded", timeout().signal);
  await push.close();
  conn.close();
});
