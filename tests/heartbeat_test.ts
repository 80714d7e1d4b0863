/**
 * ZMTP 3.1 heartbeats against libzmq and against a peer that falls silent.
 */
import { assertEquals } from "@std/assert";
import { Pull, Push, type SocketEvent } from "../mod.ts";
import { decode, handshakeAs, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("heartbeats drop a peer that completed its handshake and then fell silent", async () => {
  const pull = new Pull({ heartbeatInterval: 50, heartbeatTimeout: 100 });
  await pull.bind("tcp://127.0.0.1:0");
  const raw = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(pull.lastEndpoint!.split(":").at(-1)),
  });
  // A PUSH that says hello, then never sends (or reads) another byte.
  await handshakeAs(raw, "PUSH");
  const event = await pull.events.wait(
    "protocol-error",
    AbortSignal.timeout(5000),
  );
  assertEquals([event.kind, event.reason.includes("heartbeat")], [
    "timeout",
    true,
  ]);
  await pull.events.wait("disconnected", AbortSignal.timeout(5000));
  raw.close();
  await pull.close();
});

Deno.test("heartbeats with libzmq: its PINGs are answered, ours are answered", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "a libzmq PUSH heartbeating our PULL keeps its connection",
    async () => {
      const pull = new Pull();
      await pull.bind("tcp://127.0.0.1:0");
      const push = await peer.open("Push", {
        heartbeatInterval: 20,
        heartbeatTimeout: 60,
      });
      await push.connect(pull.lastEndpoint!);
      await push.send(["first"]);
      assertEquals((await pull.receive(timeout())).map(decode), ["first"]);
      // Ten of libzmq's heartbeat timeouts pass; it would have dropped us without our PONGs.
      await new Promise((resolve) => setTimeout(resolve, 600));
      await push.send(["second"]);
      assertEquals((await pull.receive(timeout())).map(decode), ["second"]);
      await pull.close();
      const events: SocketEvent["type"][] = [];
      for await (const event of pull.events) events.push(event.type);
      assertEquals(
        events.filter((type) => type === "accepted").length,
        1,
        "no reconnect happened",
      );
      await push.close();
    },
  );
  await t.step(
    "our PUSH heartbeating a libzmq PULL keeps its connection",
    async () => {
      const pull = await peer.open("Pull");
      const push = new Push({
        heartbeatInterval: 20,
        heartbeatTimeout: 60,
        heartbeatTimeToLive: 1000,
      });
      push.connect(await pull.bind("tcp://127.0.0.1:*"));
      await push.send("first");
      assertEquals((await pull.receive()).map(decode), ["first"]);
      await new Promise((resolve) => setTimeout(resolve, 600));
      await push.send("second");
      assertEquals((await pull.receive()).map(decode), ["second"]);
      await push.close();
      const events: SocketEvent["type"][] = [];
      for await (const event of push.events) events.push(event.type);
      assertEquals(
        events.filter((type) => type === "connected").length,
        1,
        "no reconnect happened",
      );
      await pull.close();
    },
  );
});

Deno.test("heartbeats drop a libzmq peer whose process froze (no FIN), and reconnect when it is back", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull");
  const endpoint = await pull.bind("tcp://127.0.0.1:*");
  const push = new Push({
    heartbeatInterval: 50,
    heartbeatTimeout: 200,
    reconnectInterval: 20,
  });
  push.connect(endpoint);
  await push.send("before");
  assertEquals((await pull.receive()).map(decode), ["before"]);
  // SIGSTOP keeps the process and its connections: the kernel still
  // acknowledges bytes, nothing closes, but libzmq answers no PING.
  peer.kill("SIGSTOP");
  try {
    const event = await push.events.wait("protocol-error", timeout().signal);
    assertEquals(event.kind, "timeout");
    await push.events.wait("disconnected", timeout().signal);
  } finally {
    peer.kill("SIGCONT");
  }
  await push.events.wait("handshake-succeeded", timeout().signal);
  await push.send("after");
  assertEquals((await pull.receive()).map(decode), ["after"]);
  await push.close();
  await pull.close();
});
