/**
 * Faults: a libzmq peer killed with SIGKILL in the middle of a stream and
 * started again on the same endpoint, for each pattern with us on each
 * side; our own process killed and restarted against a live libzmq peer.
 * Each test says what the pattern may lose, and checks nothing else is.
 */
import { assert, assertEquals } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Dealer,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  ZmqError,
} from "../mod.ts";
import {
  decode,
  freePort,
  runPython,
  sendUntilReceived,
  timeout,
} from "./_helpers.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";

/** A libzmq process with one socket bound to `endpoint`. */
async function libzmqAt(
  type: string,
  endpoint: string,
  options: Record<string, unknown> = {},
): Promise<[LibzmqPeer, LibzmqSocket]> {
  const peer = new LibzmqPeer();
  const socket = await peer.open(type, options);
  await socket.bind(endpoint);
  return [peer, socket];
}

/** Kills a libzmq process at once: no FIN from libzmq, no linger. */
async function kill(peer: LibzmqPeer): Promise<void> {
  peer.kill("SIGKILL");
  await peer[Symbol.asyncDispose]();
}

const number = (frames: Uint8Array[]) => Number(decode(frames[0]));

Deno.test("SIGKILL of a libzmq PULL: our PUSH reconnects and delivers its queue in order, with no gap", async () => {
  // May be lost: what the dead process had read or the kernel held for it.
  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  let [peer, pull] = await libzmqAt("Pull", endpoint);
  const push = new Push({ reconnectInterval: 20, linger: 0 });
  push.connect(endpoint);
  let sent = 0;
  let streaming = true;
  const stream = (async () => {
    try {
      while (streaming) {
        await push.send(String(++sent));
        if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    } catch (error) {
      if (!(error instanceof ZmqError)) throw error;
    }
  })();
  const before = number(await pull.receive());
  await kill(peer);
  [peer, pull] = await libzmqAt("Pull", endpoint);
  const first = number(await pull.receive());
  assert(first > before, `${first} after ${before}`);
  let previous = first;
  for (let i = 0; i < 200; i++) {
    const next = number(await pull.receive());
    assertEquals(next, previous + 1, "no gap after the reconnect");
    previous = next;
  }
  streaming = false;
  await push.close();
  await stream;
  await kill(peer);
});

Deno.test("SIGKILL of a libzmq PUSH: our PULL reconnects and receives the new process's stream whole", async () => {
  // May be lost: what the dead process had not yet written.
  const endpoint = `tcp://127.0.0.1:${freePort()}`;
  let [peer, push] = await libzmqAt("Push", endpoint);
  const pull = new Pull({ reconnectInterval: 20 });
  pull.connect(endpoint);
  await push.sendSequence("life1 ", 1000);
  assertEquals(decode((await pull.receive(timeout()))[0]), "life1 1");
  await kill(peer);
  await pull.events.wait("disconnected", timeout().signal);
  // Drain what arrived before the kill.
  while (pull.readable) await pull.receive();
  [peer, push] = await libzmqAt("Push", endpoint);
  await push.sendSequence("life2 ", 500);
  for (let n = 1; n <= 500; n++) {
    assertEquals(decode((await pull.receive(timeout()))[0]), `life2 ${n}`);
  }
  await pull.close();
  await kill(peer);
});

Deno.test("SIGKILL of libzmq on either side of PUB/SUB: the survivor carries on, subscriptions intact", async (t) => {
  // PUB/SUB may lose anything sent while a side is down; that is the pattern.
  await t.step(
    "a libzmq PUB dies; our SUB resubscribes to the new one",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      let [peer, pub] = await libzmqAt("Publisher", endpoint);
      const sub = new Subscriber({ reconnectInterval: 20 });
      sub.subscribe("weather");
      sub.connect(endpoint);
      await sendUntilReceived(
        () => pub.send(["weather", "life 1"]),
        sub.receive(timeout()),
      );
      await kill(peer);
      [peer, pub] = await libzmqAt("Publisher", endpoint);
      const update = await sendUntilReceived(
        async () => {
          await pub.send(["news", "not subscribed"]);
          await pub.send(["weather", "life 2"]);
        },
        (async () => {
          while (true) {
            const message = await sub.receive(timeout());
            if (decode(message[1]) === "life 2") return message;
          }
        })(),
      );
      assertEquals(update.map(decode), ["weather", "life 2"]);
      await sub.close();
      await kill(peer);
    },
  );
  await t.step("a libzmq SUB dies; our PUB serves the new one", async () => {
    const endpoint = `tcp://127.0.0.1:${freePort()}`;
    const pub = new Publisher();
    await pub.bind(endpoint);
    for (let life = 1; life <= 2; life++) {
      const peer = new LibzmqPeer();
      const sub = await peer.open("Subscriber");
      await sub.subscribe("weather");
      await sub.connect(endpoint);
      const message = await sendUntilReceived(
        () => pub.send(["weather", `life ${life}`]),
        sub.receive(),
      );
      assertEquals(decode(message[0]), "weather");
      await kill(peer);
    }
    await pub.close();
  });
});

Deno.test("SIGKILL of libzmq on either side of REQ/REP: requests carry on", async (t) => {
  await t.step(
    "a libzmq REP dies holding our request; our relaxed, correlated REQ resends to the new one",
    async () => {
      // Lost: the request the dead REP held, and its reply; the client resends.
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      let [peer, rep] = await libzmqAt("Reply", endpoint);
      const req = new Request({
        requestRelaxed: true,
        requestCorrelate: true,
        receiveTimeout: 200,
        reconnectInterval: 20,
        linger: 0,
      });
      req.connect(endpoint);
      await req.send("request 1");
      assertEquals((await rep.receive()).map(decode), ["request 1"]);
      await kill(peer); // never answered
      [peer, rep] = await libzmqAt("Reply", endpoint);
      await rep.echo();
      const error = await req.receive().catch((e) => e);
      assert(error instanceof ZmqError && error.code === "EAGAIN");
      await req.send("request 1, again");
      assertEquals((await req.receive(timeout())).map(decode), [
        "request 1, again",
      ]);
      await req.close();
      await kill(peer);
    },
  );
  await t.step(
    "a libzmq REQ dies awaiting our reply; our REP answers into the void and serves the next",
    async () => {
      // Lost: the reply to the dead client, which no one can receive.
      const rep = new Reply();
      await rep.bind("tcp://127.0.0.1:0");
      let peer = new LibzmqPeer();
      let req = await peer.open("Request");
      await req.connect(rep.lastEndpoint!);
      await req.send(["question 1"]);
      assertEquals((await rep.receive(timeout())).map(decode), ["question 1"]);
      await kill(peer);
      await rep.events.wait("disconnected", timeout().signal);
      await rep.send("answer 1"); // to a gone peer: dropped, not an error
      peer = new LibzmqPeer();
      req = await peer.open("Request");
      await req.connect(rep.lastEndpoint!);
      await req.send(["question 2"]);
      assertEquals((await rep.receive(timeout())).map(decode), ["question 2"]);
      await rep.send("answer 2");
      assertEquals((await req.receive()).map(decode), ["answer 2"]);
      await rep.close();
      await kill(peer);
    },
  );
});

Deno.test("SIGKILL of libzmq on either side of DEALER/ROUTER: routing resumes", async (t) => {
  await t.step(
    "a libzmq ROUTER dies; our DEALER reaches the new one",
    async () => {
      // Lost: what the dead ROUTER held; our queued messages go to the new one.
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      let [peer, router] = await libzmqAt("Router", endpoint);
      await router.echo();
      const dealer = new Dealer({ reconnectInterval: 20, linger: 0 });
      dealer.connect(endpoint);
      await dealer.send(["life 1"]);
      assertEquals((await dealer.receive(timeout())).map(decode), ["life 1"]);
      await kill(peer);
      await dealer.events.wait("disconnected", timeout().signal);
      await dealer.send(["queued while down"]);
      [peer, router] = await libzmqAt("Router", endpoint);
      await router.echo();
      assertEquals((await dealer.receive(timeout())).map(decode), [
        "queued while down",
      ]);
      await dealer.close();
      await kill(peer);
    },
  );
  await t.step(
    "a libzmq DEALER dies; our ROUTER routes its id to the new process",
    async () => {
      // Lost: replies sent to the id while no process had it (dropped, as ROUTER does).
      const router = new Router({ routerMandatory: true });
      await router.bind("tcp://127.0.0.1:0");
      for (let life = 1; life <= 2; life++) {
        const peer = new LibzmqPeer();
        const dealer = await peer.open("Dealer", { routingId: "worker" });
        await dealer.connect(router.lastEndpoint!);
        await dealer.send([`ready ${life}`]);
        assertEquals((await router.receive(timeout())).map(decode), [
          "worker",
          `ready ${life}`,
        ]);
        await router.send(["worker", `job ${life}`]);
        assertEquals((await dealer.receive()).map(decode), [`job ${life}`]);
        await kill(peer);
        await router.events.wait("disconnected", timeout().signal);
      }
      await router.close();
    },
  );
});

Deno.test("our own process killed and restarted: the libzmq peer recovers", async (t) => {
  const script = new URL("./peer/ours_peer.ts", import.meta.url).pathname;
  const spawn = (mode: string, endpoint: string, label: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, mode, endpoint, label],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
  const until = async (socket: LibzmqSocket, prefix: string) => {
    while (true) {
      const [frame] = await socket.receive();
      if (decode(frame).startsWith(prefix)) return;
    }
  };

  await t.step(
    "our PUSH (connecting) dies; libzmq's PULL takes the new process",
    async () => {
      await using peer = new LibzmqPeer();
      const pull = await peer.open("Pull");
      const endpoint = await pull.bind("tcp://127.0.0.1:*");
      for (const life of ["life1", "life2"]) {
        const child = spawn("push-connect", endpoint, life);
        await until(pull, life);
        child.kill("SIGKILL");
        await child.status;
      }
      await pull.close();
    },
  );
  await t.step(
    "our PUB (binding) dies; libzmq's SUB reconnects and resubscribes",
    async () => {
      await using peer = new LibzmqPeer();
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const sub = await peer.open("Subscriber", { reconnectInterval: 20 });
      await sub.subscribe("life");
      await sub.connect(endpoint);
      for (const life of ["life1", "life2"]) {
        const child = spawn("pub-bind", endpoint, life);
        await until(sub, life);
        child.kill("SIGKILL");
        await child.status;
      }
      await sub.close();
    },
  );
});

const RESETS_THEN_ROUND_TRIP_PY = `
import socket, struct, sys, zmq
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
for i in range(50):
    # Reset at once (SO_LINGER 0): gone before it is accepted, or just after.
    c = socket.create_connection((host, int(port)))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
ctx = zmq.Context()
dealer = ctx.socket(zmq.DEALER)
dealer.rcvtimeo = 5000
dealer.connect(sys.argv[1])
dealer.send(b"ping")
print(dealer.recv().decode())
dealer.close(0)
ctx.term()
`;

Deno.test("peers that reset before they are accepted cost the listener nothing: no accept-failed, no backing off, the next libzmq peer is served at once", async () => {
  await using router = new Router({ linger: 0 });
  await router.bind("tcp://127.0.0.1:0");
  const failures: string[] = [];
  router.events.on("accept-failed", (event) => failures.push(event.code));
  const echo = (async () => {
    for await (const message of router) await router.send(message);
  })();
  assertEquals(
    await runPython(RESETS_THEN_ROUND_TRIP_PY, router.lastEndpoint!),
    "ping",
  );
  assertEquals(failures, []);
  await router.close();
  await echo;
});

Deno.test("an app that transfers away a received frame's buffer (the link's read buffer) ends that connection with a protocol-error event, not the process; the peer reconnects and delivers", async () => {
  await using pull = new Pull();
  await pull.bind("tcp://127.0.0.1:0");
  await using push = new Push();
  push.connect(pull.lastEndpoint!);
  await push.send("one");
  const [frame] = await pull.receive(timeout());
  assertEquals(decode(frame), "one");
  const ended = (async () => {
    for await (const event of pull.events) {
      if (event.type === "protocol-error") return event;
    }
  })();
  structuredClone(frame.buffer, { transfer: [frame.buffer as ArrayBuffer] });
  // The link's pending read went into the buffer transferred: what comes
  // next is lost with it, and the connection ends.
  await push.send("lost");
  const event = await deadline(ended, 5000);
  assertEquals(event?.kind, "local");
  assert(event?.reason.includes("transferred away a read buffer"));
  const [after] = await sendUntilReceived(
    () => push.send("after"),
    pull.receive(timeout()),
  );
  assertEquals(decode(after), "after");
});
