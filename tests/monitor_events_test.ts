/**
 * What our events name, beside what libzmq's monitor names in the same
 * case (pyzmq's `get_monitor_socket`, libzmq 4.3.4).
 */
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Context,
  Pull,
  Push,
  Router,
  type SocketEvent,
  ZmqError,
} from "../mod.ts";
import {
  SocketEvents,
  type SocketEventsController,
} from "../patterns/events.ts";
import { coreOf } from "../patterns/_core.ts";
import { Metadata } from "../codec/metadata.ts";
import {
  collectUncaught,
  decode,
  freePort,
  runPython,
  timeout,
  typesUntil,
  until,
} from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** A libzmq PULL bound at `tcp://*:0`, a PUSH connected to 127.0.0.1: the
 * endpoints of its listening and accepted events, the port as `PORT`. */
const WILDCARD_PY = `
import zmq
from zmq.utils.monitor import recv_monitor_message
context = zmq.Context()
pull = context.socket(zmq.PULL)
monitor = pull.get_monitor_socket()
pull.bind("tcp://*:0")
port = pull.getsockopt(zmq.LAST_ENDPOINT).decode().rsplit(":", 1)[1]
push = context.socket(zmq.PUSH)
push.connect("tcp://127.0.0.1:" + port)
seen = {}
while "accepted" not in seen and monitor.poll(5000):
    event = recv_monitor_message(monitor)
    name = {zmq.EVENT_LISTENING: "listening", zmq.EVENT_ACCEPTED: "accepted"}.get(event["event"])
    if name:
        seen[name] = event["endpoint"].decode().replace(port, "PORT")
print(seen.get("listening"), seen.get("accepted"))
for socket in (push, pull, monitor):
    socket.close(0)
context.term()
`;

Deno.test("events: a peer accepted on a wildcard bind is named by the address it reached, as libzmq's monitor names it; unbind still drops it", async () => {
  const [listening, accepted] = (await runPython(WILDCARD_PY)).split(" ");
  assertEquals([listening, accepted], [
    "tcp://0.0.0.0:PORT",
    "tcp://127.0.0.1:PORT",
  ]);
  await using peer = new LibzmqPeer();
  await using pull = new Pull();
  await pull.bind("tcp://*:0");
  const port = pull.lastEndpoint!.split(":").at(-1)!;
  const named = async (type: SocketEvent["type"]) => {
    const event = await pull.events.wait(type, timeout().signal);
    return (event as { endpoint: string }).endpoint.replace(port, "PORT");
  };
  assertEquals(await named("listening"), listening);
  const push = await peer.open("Push");
  await push.connect(`tcp://127.0.0.1:${port}`);
  assertEquals(await named("accepted"), accepted);
  assertEquals(await named("handshake-succeeded"), accepted);
  // Unbinding drops the peers that came by it, whatever they are named (and
  // tells no `disconnected` for them: see below).
  await pull.unbind(pull.lastEndpoint!);
  await until(() => coreOf(pull).links.size === 0, "the peer dropped");
  await push.close();
});

Deno.test("events: disconnected tells a connection lost, not one we end (disconnect, unbind, close), as libzmq's monitor", async () => {
  await using peer = new LibzmqPeer();
  // Lost: libzmq's PULL closes.
  const pull = await peer.open("Pull");
  const endpoint = await pull.bind("tcp://127.0.0.1:0");
  await using push = new Push({ linger: 0 });
  push.connect(endpoint);
  await push.events.wait("handshake-succeeded", timeout().signal);
  await pull.close();
  await push.events.wait("disconnected", timeout().signal);
  // Ended by us: disconnect(); a bind after it marks the end of what it told.
  const other = await peer.open("Pull");
  const otherEndpoint = await other.bind("tcp://127.0.0.1:0");
  push.connect(otherEndpoint);
  await push.events.wait("handshake-succeeded", timeout().signal);
  await push.disconnect(otherEndpoint);
  await push.bind("tcp://127.0.0.1:0");
  assert(!(await typesUntil(push, "listening")).includes("disconnected"));
  // unbind(), on the side that bound.
  await using bound = new Pull();
  await bound.bind("tcp://127.0.0.1:0");
  const pusher = await peer.open("Push");
  await pusher.connect(bound.lastEndpoint!);
  await bound.events.wait("handshake-succeeded", timeout().signal);
  await bound.unbind(bound.lastEndpoint!);
  await bound.bind("tcp://127.0.0.1:0");
  assert(!(await typesUntil(bound, "listening")).includes("disconnected"));
  // close(), with a peer connected: its events end with `closed`.
  const closing = new Pull();
  await closing.bind("tcp://127.0.0.1:0");
  await pusher.connect(closing.lastEndpoint!);
  await closing.events.wait("handshake-succeeded", timeout().signal);
  await closing.close();
  const last = await typesUntil(closing, "closed");
  assertEquals(last.at(-1), "closed");
  assert(!last.includes("disconnected"), `${last}`);
  await other.close();
  await pusher.close();
});

Deno.test("events: a ROUTER's disconnected names the peer lost by the routing id its handshake-succeeded gave (libzmq DEALERs, one announced, one not)", async () => {
  await using peer = new LibzmqPeer();
  await using router = new Router();
  const endpoint = await router.bind("tcp://127.0.0.1:0");
  const hex = (id: Uint8Array | undefined) =>
    id ? Array.from(id, (byte) => byte.toString(16)).join(" ") : "none";
  const named = await peer.open("Dealer", { routingId: "alice" });
  const anonymous = await peer.open("Dealer");
  const ids = new Map<string, string>();
  for (const dealer of [named, anonymous]) {
    await dealer.connect(endpoint);
    const shaken = await router.events.wait(
      "handshake-succeeded",
      timeout().signal,
    );
    ids.set(dealer === named ? "named" : "anonymous", hex(shaken.routingId));
  }
  assertEquals(ids.get("named"), hex(new TextEncoder().encode("alice")));
  for (
    const [dealer, which] of [[anonymous, "anonymous"], [
      named,
      "named",
    ]] as const
  ) {
    await dealer.close();
    const lost = await router.events.wait("disconnected", timeout().signal);
    assertEquals(hex(lost.routingId), ids.get(which));
  }
});

Deno.test("events: an ipc path that reads like a wildcard (ipc://0.0.0.0:7, relative) is no wildcard: its peers are named by it", async () => {
  const directory = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  Deno.chdir(directory);
  try {
    await using pull = new Pull();
    await pull.bind("ipc://0.0.0.0:7");
    await using push = new Push();
    push.connect(`ipc://${directory}/0.0.0.0:7`);
    const accepted = await pull.events.wait("accepted", timeout().signal);
    assertEquals(accepted.endpoint, "ipc://0.0.0.0:7");
    await push.send("in");
    assertEquals(decode((await pull.receive(timeout()))[0]), "in");
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("events.on and off, as zeromq.js's Observer: each event of the type from then on, after the socket's own work, beside iteration", async () => {
  await using pull = new Pull();
  const heard: string[] = [];
  const listener = (event: { endpoint: string }) => heard.push(event.endpoint);
  pull.events.on("listening", listener);
  await pull.bind("tcp://127.0.0.1:0");
  await until(() => heard.length === 1, "the listener called");
  assertEquals(heard, [pull.lastEndpoint]);
  // Iteration still sees it.
  const listening = await pull.events.wait("listening", timeout().signal);
  assertEquals(listening.endpoint, pull.lastEndpoint);
  pull.events.off("listening", listener);
  await pull.bind("tcp://127.0.0.1:0");
  await pull.events.wait("listening", timeout().signal);
  assertEquals(heard.length, 1, "not after off");
  // A listener added for one type hears no other.
  const closed: number[] = [];
  pull.events.on("closed", (event) => closed.push(event.dropped));
  await pull.close();
  await until(() => closed.length === 1, "closed heard");
  assertEquals(closed, [0]);
  // connect() tells connect-delayed within its call: the listener runs after.
  await using push = new Push({ linger: 0 });
  const delayed: string[] = [];
  push.events.on("connect-delayed", (event) => delayed.push(event.endpoint));
  push.connect(`tcp://127.0.0.1:${freePort()}`);
  assertEquals(delayed, [], "not within connect()");
  await Promise.resolve();
  assertEquals(delayed.length, 1, "in the microtask after");
  // A listener added just after the call hears what it did: an inproc
  // connect to a bound name links within it.
  await using context = new Context();
  await using bound = new Pull({ context, linger: 0 });
  await bound.bind("inproc://heard");
  await using inproc = new Push({ context, linger: 0 });
  inproc.connect("inproc://heard");
  const heardAfter: string[] = [];
  inproc.events.on("connected", (event) => heardAfter.push(event.type));
  inproc.events.on(
    "handshake-succeeded",
    (event) => heardAfter.push(event.type),
  );
  await Promise.resolve();
  assertEquals(heardAfter, ["connected", "handshake-succeeded"]);
});

Deno.test("events: a name that is no event type is EINVAL for on, off and wait, saying ours for zeromq.js's (a listener for it would never be called)", async () => {
  await using pull = new Pull();
  const events = pull.events as unknown as {
    on(type: string, listener: () => void): void;
    off(type: string, listener: () => void): void;
    wait(type: string): Promise<unknown>;
  };
  const ignore = () => {};
  const connect = assertThrows(() => events.on("connect", ignore), ZmqError);
  assertEquals([connect.code, connect.message], [
    "EINVAL",
    `no socket event is called "connect" (zeromq.js's name: here "connected")`,
  ]);
  assertThrows(
    () => events.off("handshake:error:auth", ignore),
    ZmqError,
    `(zeromq.js's name: here "handshake-failed")`,
  );
  const end = await assertRejects(() => events.wait("end"), ZmqError);
  assertEquals(
    end.message,
    `no socket event is called "end" (zeromq.js's name: here "closed")`,
  );
  assertThrows(
    () => events.on("close", ignore),
    ZmqError,
    `(zeromq.js's name: no counterpart; the socket's own close is "closed")`,
  );
  assertThrows(
    () => events.on("toString", ignore),
    ZmqError,
    `no socket event is called "toString"`,
  );
  // Ours are taken, and the refusals took no event from the queue.
  events.on("listening", ignore);
  events.off("listening", ignore);
  await pull.bind("tcp://127.0.0.1:0");
  const listening = await pull.events.wait("listening", timeout().signal);
  assertEquals(listening.endpoint, pull.lastEndpoint);
});

Deno.test("events: a peer lost while disconnect() lets its connection go is told disconnected, with no handshake-failed, as libzmq's", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  const endpoint = await pull.bind("tcp://127.0.0.1:0");
  await using push = new Push({ linger: 10_000 });
  push.connect(endpoint);
  await push.events.wait("handshake-succeeded", timeout().signal);
  // More than the kernel's buffers hold: the disconnect's linger waits.
  const body = new Uint8Array(1024 * 1024);
  for (let i = 0; i < 40; i++) await push.send(body, timeout());
  const disconnecting = push.disconnect(endpoint);
  await pull.close();
  await deadline(disconnecting, 5000);
  await push.bind("tcp://127.0.0.1:0");
  const types = await typesUntil(push, "listening");
  assert(types.includes("disconnected"), `${types}`);
  assert(!types.includes("handshake-failed"), `${types}`);
});

Deno.test("connect-delayed is told for a tcp attempt, not for ipc, whose connect is done at once (as libzmq's ipc_connecter)", async () => {
  const directory = Deno.makeTempDirSync();
  try {
    for (
      const [endpoint, expected] of [
        [`tcp://127.0.0.1:${freePort()}`, [
          "connect-delayed",
          "connect-retried",
        ]],
        [`ipc://${directory}/nobody`, ["connect-retried"]],
      ] as const
    ) {
      await using push = new Push({ linger: 0 });
      const seen = typesUntil(push, "connect-retried");
      push.connect(endpoint);
      assertEquals(await seen, [...expected], endpoint);
    }
  } finally {
    Deno.removeSync(directory, { recursive: true });
  }
});

Deno.test("events.on: a listener that throws stops none of the others, and events a listener causes are told after those of its turn, in order", async () => {
  await using context = new Context();
  await using first = new Pull({ context, linger: 0 });
  await first.bind("inproc://told");
  await using second = new Pull({ context, linger: 0 });
  await second.bind("inproc://caused");
  await using push = new Push({ context, linger: 0 });
  const heard: string[] = [];
  let errors: unknown[];
  {
    using uncaught = collectUncaught();
    push.events.on("connected", (event) => {
      heard.push(`connected ${event.endpoint}`);
      throw new Error("a bug in a listener");
    });
    push.events.on("connected", (event) => {
      heard.push(`connected, again ${event.endpoint}`);
      // An inproc connect links within the call: its events are pushed
      // now, and told after the handshake-succeeded of this turn.
      if (event.endpoint === "inproc://told") push.connect("inproc://caused");
    });
    push.events.on("handshake-succeeded", (event) => {
      heard.push(`handshake-succeeded ${event.endpoint}`);
    });
    // Connected and handshaken within the call, over inproc: one turn.
    push.connect("inproc://told");
    await until(() => heard.length === 6, "the events told");
    errors = uncaught.errors;
  }
  assertEquals(heard, [
    "connected inproc://told",
    "connected, again inproc://told",
    "handshake-succeeded inproc://told",
    "connected inproc://caused",
    "connected, again inproc://caused",
    "handshake-succeeded inproc://caused",
  ]);
  assertEquals(errors.length, 2);
  assertEquals((errors[0] as Error).message, "a bug in a listener");
});

Deno.test("events.on: each event is told at its own place in the turn: a listener added after an await hears an event pushed after that await", async () => {
  let controller: SocketEventsController | undefined;
  const events = new SocketEvents((c) => controller = c);
  const heard: string[] = [];
  // The socket's own work queued before the first push, pushing later.
  queueMicrotask(() =>
    controller!.push({
      type: "handshake-succeeded",
      endpoint: "inproc://x",
      peer: { socketType: "PAIR", minor: 1, metadata: new Metadata() },
    })
  );
  controller!.push({ type: "connected", endpoint: "inproc://x" });
  events.on("connected", (event) => heard.push(event.type));
  // The app adds a listener one microtask on.
  const added = (async () => {
    await null;
    events.on("handshake-succeeded", (event) => heard.push(event.type));
  })();
  await added;
  await until(() => heard.length === 2, "both told");
  assertEquals(heard, ["connected", "handshake-succeeded"]);
  controller!.end();
});
