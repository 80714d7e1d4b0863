/**
 * Every socket pair across isolates: one socket in the main isolate, its
 * peer in a Web Worker sharing the context, both bind orders.
 */
import { assertEquals } from "@std/assert";
import * as zmq from "../../mod.ts";
import { within } from "../_fakes.ts";
import { until } from "../_helpers.ts";
import { WorkerReplies } from "./_worker_replies.ts";
import { coreOf } from "../../patterns/_core.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

interface Reply {
  op: string;
  message?: Uint8Array[];
}

async function withWorker(
  context: zmq.Context,
  start: Omit<import("./_pair_worker.ts").PairStart, "op" | "shared">,
  run: (next: () => Promise<Reply>) => Promise<void>,
): Promise<void> {
  const worker = new WorkerReplies<Reply>("./_pair_worker.ts");
  try {
    await worker.next("loaded");
    const shared = context.share();
    worker.post({ op: "start", shared, ...start }, [shared.port]);
    await worker.next("ready");
    await run(() => worker.next("message"));
  } finally {
    await worker.stop();
  }
}

/** The socket one of our classes makes, as these tests use it. */
interface TestSocket {
  bind(endpoint: string): Promise<void>;
  /** A PEER's gives the routing id of the peer it connects to. */
  connect(endpoint: string): number | void;
  send(message: Uint8Array[], options?: object): Promise<void>;
  receive(): Promise<Uint8Array[] & { routingId?: number }>;
}

/** A socket of the class `name` exports, in `context`. */
function socketOf(name: string, context: zmq.Context): TestSocket {
  const classes = zmq as unknown as Record<
    string,
    new (options: { context: zmq.Context }) => TestSocket
  >;
  return new classes[name]({ context });
}

const MESSAGE = [
  bytes("multi"),
  new Uint8Array(0),
  new Uint8Array(300).fill(1),
];
const SINGLE = [new Uint8Array(300).fill(2)];

/**
 * Registers a test of `ours` here and `theirs` in a Worker, both bind
 * orders; `exchange` runs once both are up.
 */
function pairTest(
  ours: string,
  theirs: string,
  mode: "echo" | "collect",
  exchange: (
    socket: TestSocket,
    next: () => Promise<Reply>,
    connected: number | void,
  ) => Promise<void>,
): void {
  for (const workerBinds of [false, true]) {
    const order = workerBinds ? "the Worker binds" : "we bind";
    const what = mode === "echo" ? " echoing" : "";
    Deno.test(`across a Worker: ${ours} here, ${theirs} there${what}, ${order}`, async () => {
      const context = new zmq.Context();
      const socket = socketOf(ours, context);
      const endpoint = `inproc://${ours}-${theirs}`;
      try {
        if (!workerBinds) await socket.bind(endpoint);
        await withWorker(
          context,
          { type: theirs, mode, endpoint, bind: workerBinds },
          async (next) => {
            const connected = workerBinds
              ? socket.connect(endpoint)
              : undefined;
            await exchange(socket, next, connected);
          },
        );
      } finally {
        await context.close();
      }
    });
  }
}

/** Pairs where the Worker echoes: ours sends, then reads the echo. */
const ECHOES: [string, string, Uint8Array[]][] = [
  ["Dealer", "Router", MESSAGE],
  ["Dealer", "Dealer", MESSAGE],
  ["Pair", "Pair", MESSAGE],
  ["Request", "Router", MESSAGE],
  ["Dealer", "Reply", MESSAGE],
  ["Client", "Server", SINGLE],
  ["Channel", "Channel", SINGLE],
];

for (const [ours, theirs, message] of ECHOES) {
  pairTest(ours, theirs, "echo", async (socket) => {
    for (let i = 0; i < 3; i++) {
      await socket.send(message);
      const echo = await within(socket.receive(), "the echo");
      assertEquals([...echo], message);
    }
  });
}

// PEER names each peer by a routing id: the side that connects knows it
// at once and speaks first; the Worker, when it connects, says hello.
pairTest("Peer", "Peer", "echo", async (socket, _next, connected) => {
  const peer = connected ??
    (await within(socket.receive(), "the Worker's hello")).routingId;
  for (let i = 0; i < 3; i++) {
    await socket.send(SINGLE, { routingId: peer });
    const echo = await within(socket.receive(), "the echo");
    assertEquals([...echo], SINGLE);
    assertEquals(echo.routingId, peer);
  }
});

// ROUTER to ROUTER: each names itself, and ours speaks first, to the
// Worker's name, once its link is up.
for (const workerBinds of [false, true]) {
  const order = workerBinds ? "the Worker binds" : "we bind";
  Deno.test(`across a Worker: Router here, Router there echoing, ${order}`, async () => {
    const context = new zmq.Context();
    const router = new zmq.Router({ context, routingId: "here" });
    const up = router.events.wait(
      "handshake-succeeded",
      AbortSignal.timeout(10_000),
    );
    const endpoint = "inproc://Router-Router";
    try {
      if (!workerBinds) await router.bind(endpoint);
      await withWorker(context, {
        type: "Router",
        mode: "echo",
        endpoint,
        bind: workerBinds,
        options: { routingId: "there" },
      }, async () => {
        if (workerBinds) router.connect(endpoint);
        const message = [bytes("there"), ...MESSAGE];
        await up;
        await router.send(message);
        const echo = await within(router.receive(), "the echo");
        assertEquals([...echo], message);
      });
    } finally {
      await context.close();
    }
  });
}

/** Pairs where the Worker collects: ours sends until the first arrives. */
const COLLECTS: [string, string, Uint8Array[], object][] = [
  ["Publisher", "Subscriber", MESSAGE, {}],
  ["XPublisher", "Subscriber", MESSAGE, {}],
  ["Publisher", "XSubscriber", MESSAGE, {}],
  ["Push", "Pull", MESSAGE, {}],
  ["Scatter", "Gather", SINGLE, {}],
  ["Radio", "Dish", SINGLE, { group: "g" }],
];

for (const [ours, theirs, message, sendOptions] of COLLECTS) {
  pairTest(ours, theirs, "collect", async (socket, next) => {
    // A subscriber's subscription (a dish's join) travels first: send
    // until one message is through, as the guide's slow joiner does, then
    // check what came.
    const first = next();
    let through = false;
    first.then(() => through = true, () => through = true);
    const started = Date.now();
    while (!through && Date.now() - started < 10_000) {
      await socket.send(message, sendOptions);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assertEquals((await first).message, message);
  });
}

Deno.test("across a Worker: a PAIR's unheard second peer that leaves ends its link at once, though it was paused and never read", async () => {
  await using context = new zmq.Context();
  const pair = new zmq.Pair({ context, linger: 0 });
  await pair.bind("inproc://unheard-worker");
  const first = new zmq.Pair({ context });
  first.connect("inproc://unheard-worker");
  await first.send("one");
  const [one] = await pair.receive({ signal: AbortSignal.timeout(5000) });
  assertEquals(new TextDecoder().decode(one), "one");
  await withWorker(context, {
    type: "Pair",
    mode: "send",
    endpoint: "inproc://unheard-worker",
    bind: false,
  }, async (next) => {
    await next(); // its twenty sent, the first of them pausing its link
  });
  // The Worker closed its context: before, the link waited for ever for
  // its messages to be taken, which nobody would.
  await until(
    () => coreOf(pair).links.size === 1,
    "the Worker's link to end",
  );
  await first.close();
  await pair.close();
});
