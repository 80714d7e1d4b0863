/**
 * ZMTP 3.1 heartbeats against libzmq and against a peer that falls silent.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { codec, Pull, Push, type SocketEvent } from "../mod.ts";
import {
  busyFor,
  decode,
  freePort,
  handshakeAs,
  timeout,
  ZmtpRelay,
} from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

const portOf = (endpoint: string) => Number(endpoint.split(":").at(-1));

Deno.test("heartbeats drop a peer that completed its handshake and then fell silent", async () => {
  const pull = new Pull({ heartbeatInterval: 50, heartbeatTimeout: 100 });
  await pull.bind("tcp://127.0.0.1:0");
  const raw = await Deno.connect({
    hostname: "127.0.0.1",
    port: portOf(pull.lastEndpoint!),
  });
  try {
    // A PUSH that says hello, then never sends (or reads) another byte.
    await deadline(handshakeAs(raw, "PUSH"), 5000);
    const event = await pull.events.wait("protocol-error", timeout().signal);
    assertEquals([event.kind, event.reason.includes("heartbeat")], [
      "timeout",
      true,
    ]);
    await pull.events.wait("disconnected", timeout().signal);
  } finally {
    raw.close();
    await pull.close();
  }
});

Deno.test("a peer that stops reading, then breaks the protocol, is dropped within a second though our writes to it wait, as libzmq closes", async (t) => {
  for (const ending of ["protocol"] as const) {
    await t.step(ending, async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const push = new Push({
        heartbeatInterval: 100,
        heartbeatTimeout: 300,
        sendTimeout: 0,
        reconnectInterval: -1,
      });
      push.connect(`tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
      const raw = await listener.accept();
      try {
        // A PULL that says hello, then reads nothing (a hung process).
        await deadline(handshakeAs(raw, "PULL"), 5000);
        await push.events.wait("handshake-succeeded", timeout().signal);
        // Until the kernel's buffers are full and the writer waits on them.
        const big = new Uint8Array(256 * 1024);
        let refused = 0;
        while (refused < 20) {
          try {
            await push.send(big);
            refused = 0;
          } catch {
            refused++;
            await new Promise((resolve) => setTimeout(resolve));
          }
        }
        // A frame with reserved flag bits: a protocol error. (Our PING
        // waits behind the writes, as libzmq's: no heartbeat timeout.)
        await raw.write(new Uint8Array([0xf0, 0]));
        const failed = await push.events.wait(
          "protocol-error",
          timeout().signal,
        );
        assertEquals(failed.kind, "protocol");
        // Before, the link waited for its writes for ever: no disconnect.
        await push.events.wait("disconnected", timeout().signal);
      } finally {
        raw.close();
        listener.close();
        await push.close();
      }
    });
  }
});

// Between the sockets sits a relay that counts the PINGs and PONGs: the
// window the link must survive is measured in answered PINGs, and each is
// several times shorter than the timeout that would end the link, so that a
// loaded machine answering late does not look like a dead peer.
Deno.test("heartbeats with libzmq: its PINGs are answered, ours are answered", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "a libzmq PUSH heartbeating our PULL keeps its connection",
    async () => {
      const pull = new Pull();
      await pull.bind("tcp://127.0.0.1:0");
      await using relay = new ZmtpRelay(portOf(pull.lastEndpoint!));
      const push = await peer.open("Push", {
        heartbeatInterval: 100,
        heartbeatTimeout: 400,
      });
      await push.connect(relay.endpoint);
      await push.send(["first"]);
      assertEquals((await pull.receive(timeout())).map(decode), ["first"]);
      // Our PULL sends nothing but PONGs: without them libzmq would drop us
      // 500 ms after connecting. 15 answered PINGs take 1.5 s at least.
      await relay.waitFor(
        "from-target",
        "PONG",
        15,
        AbortSignal.timeout(10000),
      );
      await push.send(["second"]);
      assertEquals((await pull.receive(timeout())).map(decode), ["second"]);
      assertEquals(relay.connections, 1, "libzmq did not reconnect");
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
      const endpoint = await pull.bind("tcp://127.0.0.1:*");
      await using relay = new ZmtpRelay(portOf(endpoint));
      const push = new Push({
        heartbeatInterval: 100,
        heartbeatTimeout: 400,
        heartbeatTimeToLive: 1000,
      });
      push.connect(relay.endpoint);
      await push.send("first", timeout());
      assertEquals((await pull.receive()).map(decode), ["first"]);
      // We would drop libzmq 500 ms after connecting without its PONGs, and
      // it would drop us 1 s after a PING without another (the TTL we ask
      // for). 20 answered PINGs take 2 s at least.
      await relay.waitFor(
        "from-target",
        "PONG",
        20,
        AbortSignal.timeout(10000),
      );
      await push.send("second", timeout());
      assertEquals((await pull.receive()).map(decode), ["second"]);
      assertEquals(relay.connections, 1, "we did not reconnect");
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

for (const transport of ["tcp", "ws"] as const) {
  Deno.test(`heartbeats drop a libzmq peer whose process froze (no FIN) though we stream to it, and reconnect when it is back (${transport})`, async () => {
    await using peer = new LibzmqPeer();
    const pull = await peer.open("Pull");
    // Over ws the heartbeats are WebSocket pings and pongs, as libzmq's.
    const endpoint = await pull.bind(
      transport === "tcp"
        ? "tcp://127.0.0.1:*"
        : `ws://127.0.0.1:${freePort()}/zmq`,
    );
    const push = new Push({
      heartbeatInterval: 50,
      heartbeatTimeout: 200,
      reconnectInterval: 20,
    });
    push.connect(endpoint);
    await push.send("before", timeout());
    assertEquals((await pull.receive()).map(decode), ["before"]);
    // Alive for five timeouts: libzmq answers every heartbeat.
    await assertRejects(() =>
      push.events.wait("protocol-error", AbortSignal.timeout(1000))
    );
    // SIGSTOP keeps the process and its connections: the kernel still
    // acknowledges bytes, nothing closes, but libzmq answers no PING.
    peer.kill("SIGSTOP");
    // 64 KiB messages go on meanwhile: our PINGs queue behind them, yet
    // count from then, as libzmq's behind its small batches (only a large
    // body being written holds a PING back).
    let streaming = true;
    const stream = (async () => {
      const body = new Uint8Array(64 * 1024);
      while (streaming) {
        await push.send(body, { signal: AbortSignal.timeout(20) })
          .catch(() => {});
      }
    })();
    try {
      const event = await push.events.wait("protocol-error", timeout().signal);
      assertEquals(event.kind, "timeout");
      await push.events.wait("disconnected", timeout().signal);
    } finally {
      streaming = false;
      await stream;
      peer.kill("SIGCONT");
    }
    await push.events.wait("handshake-succeeded", timeout().signal);
    await push.send("after", timeout());
    // What the stream queued that was not lost with the link comes first.
    let last: Uint8Array;
    do [last] = await pull.receive(); while (last.length === 64 * 1024);
    assertEquals(decode(last), "after");
    await push.close();
    await pull.close();
  });
}

Deno.test("a libzmq peer's heartbeat TTL holds though we send no heartbeats: once it freezes, we drop it", async () => {
  await using peer = new LibzmqPeer();
  // libzmq asks for 300 ms of life in each PING (in tenths of a second).
  const push = await peer.open("Push", {
    heartbeatInterval: 50,
    heartbeatTimeToLive: 300,
  });
  const endpoint = await push.bind("tcp://127.0.0.1:*");
  const pull = new Pull({ reconnectInterval: 20 });
  pull.connect(endpoint);
  await push.send(["before"]);
  assertEquals((await pull.receive(timeout())).map(decode), ["before"]);
  // Alive for three TTLs: libzmq's PINGs keep coming.
  await assertRejects(() =>
    pull.events.wait("protocol-error", AbortSignal.timeout(1000))
  );
  peer.kill("SIGSTOP");
  try {
    const event = await pull.events.wait("protocol-error", timeout().signal);
    assertEquals([event.kind, event.reason.includes("TTL")], [
      "timeout",
      true,
    ]);
    await pull.events.wait("disconnected", timeout().signal);
  } finally {
    peer.kill("SIGCONT");
  }
  await pull.events.wait("handshake-succeeded", timeout().signal);
  await push.send(["after"]);
  assertEquals((await pull.receive(timeout())).map(decode), ["after"]);
  await pull.close();
});

Deno.test("heartbeats keep a libzmq PULL that stops reading at its high-water mark while large messages go, as libzmq's do: our PING waits behind them, nothing is lost", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  const endpoint = await pull.bind("tcp://127.0.0.1:*");
  await using push = new Push({
    heartbeatInterval: 500,
    heartbeatTimeout: 1500,
    linger: -1,
  });
  push.connect(endpoint);
  const big = 4 * 1024 * 1024;
  for (let i = 0; i < 8; i++) {
    const body = new Uint8Array(big);
    body[0] = i;
    await push.send(body, timeout());
  }
  // The PULL's application reads nothing for five heartbeat intervals, a
  // timeout and more: its queue holds one, so libzmq stops reading the
  // connection, and our PING waits behind a body it cannot take. Dropped,
  // the link would lose what was in flight.
  const failed = push.events.wait("protocol-error", AbortSignal.timeout(2500));
  await assertRejects(() => failed);
  for (let i = 0; i < 8; i++) {
    const [body] = await pull.receive();
    assertEquals([body.length, body[0]], [big, i]);
  }
});

Deno.test("a ZMTP 3.0 peer (libzmq 4.1, Go's zmq4) gets no PING, which is 3.1's, and stays; a 3.1 peer beside it gets them", async () => {
  const pull = new Pull({ heartbeatInterval: 50, heartbeatTimeout: 100 });
  await pull.bind("tcp://127.0.0.1:0");
  const port = portOf(pull.lastEndpoint!);
  const dropped: SocketEvent[] = [];
  pull.events.on("disconnected", (event) => dropped.push(event));
  const old = await Deno.connect({ hostname: "127.0.0.1", port });
  const current = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    // The 3.0 peer: a PUSH whose greeting says minor version 0.
    const fake = new codec.Connection({ socketType: "PUSH" });
    const output = fake.takeOutput().map((chunk) => chunk.slice());
    output[0][11] = 0;
    for (const chunk of output) await old.write(chunk);
    const buffer = new Uint8Array(4096);
    while (fake.state !== "ready") {
      const count = await deadline(old.read(buffer), 5000);
      if (count === null) throw new Error("closed during the handshake");
      fake.receive(buffer.slice(0, count));
    }
    for (const chunk of fake.takeOutput()) await old.write(chunk);
    // Whatever we send the 3.0 peer from now on is read here.
    let heard = 0;
    const reading = (async () => {
      const bytes = new Uint8Array(4096);
      while (true) {
        const count = await old.read(bytes).catch(() => null);
        if (count === null) return;
        heard += count;
      }
    })();
    // The 3.1 peer answers six PINGs: six intervals and more than the
    // timeout, in which the 3.0 peer would have had its PING and its drop.
    const peer = await deadline(handshakeAs(current, "PUSH"), 5000);
    for (let pongs = 0; pongs < 6;) {
      const count = await deadline(current.read(buffer), 5000);
      if (count === null) throw new Error("the 3.1 peer was dropped");
      peer.receive(buffer.slice(0, count));
      for (const chunk of peer.takeOutput()) {
        await current.write(chunk);
        pongs++;
      }
    }
    assertEquals([heard, dropped], [0, []]);
    old.close();
    await reading;
  } finally {
    try {
      old.close();
    } catch {
      // Closed above, once its reader was done.
    }
    current.close();
    await pull.close();
  }
});

Deno.test("an app busy past the handshake's time right after it connected keeps its connection to libzmq: the peer's greeting, in meanwhile, is read before the late deadline is judged", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull");
  const endpoint = await pull.bind("tcp://127.0.0.1:*");
  await using push = new Push({ handshakeInterval: 200 });
  const events: string[] = [];
  for (
    const type of ["connected", "handshake-failed", "disconnected"] as const
  ) {
    push.events.on(
      type,
      (event) =>
        events.push(`${type} ${"kind" in event ? event.kind : ""}`.trim()),
    );
  }
  // The app's own work, synchronous, as the connection comes up: libzmq's
  // greeting and READY come while it runs, the handshake's deadline passes.
  push.events.on("connected", () => busyFor(600));
  push.connect(endpoint);
  await push.events.wait("handshake-succeeded", timeout().signal);
  await push.send("after");
  assertEquals((await pull.receive()).map(decode), ["after"]);
  assertEquals(events, ["connected"]);
});
