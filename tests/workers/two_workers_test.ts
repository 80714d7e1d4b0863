/**
 * Every socket pair between two Web Workers sharing the main isolate's
 * context, both bind orders: the main isolate only shares the context and
 * hears what the Workers report.
 */
import { assert, assertEquals } from "@std/assert";
import { Context } from "../../mod.ts";
import { WorkerReplies } from "./_worker_replies.ts";
import type { PairStart } from "./_pair_worker.ts";

const encoder = new TextEncoder();

interface Reply {
  op: string;
  message?: Uint8Array[];
  fromPeer?: boolean;
}

/** A Worker of _pair_worker.ts, its replies awaited in order. */
class PairWorker extends WorkerReplies<Reply> {
  constructor() {
    super("./_pair_worker.ts");
  }

  async start(
    context: Context,
    start: Omit<PairStart, "op" | "shared">,
  ): Promise<void> {
    await this.next("loaded", 60_000);
    const shared = context.share();
    this.post({ op: "start", shared, ...start }, [shared.port]);
    await this.next("ready");
  }
}

const MESSAGE = [
  encoder.encode("multi"),
  new Uint8Array(0),
  new Uint8Array(300).fill(1),
];
const SINGLE = [new Uint8Array(300).fill(2)];

/**
 * Registers a test of `first` in one Worker and `second` in another, both
 * bind orders; `exchange` runs once both are up.
 */
function pairTest(
  first: Omit<PairStart, "op" | "shared" | "endpoint" | "bind">,
  second: Omit<PairStart, "op" | "shared" | "endpoint" | "bind">,
  exchange: (first: PairWorker, second: PairWorker) => Promise<void>,
  label = "",
): void {
  for (const firstBinds of [true, false]) {
    const order = firstBinds ? "the first binds" : "the second binds";
    Deno.test(`between two Workers: ${first.type} (${first.mode}) and ${second.type} (${second.mode})${label}, ${order}`, async () => {
      const context = new Context();
      const endpoint = `inproc://${first.type}-${second.type}`;
      const workers = [new PairWorker(), new PairWorker()];
      try {
        const [binder, connecter] = firstBinds ? workers : workers.reverse();
        const [binds, connects] = firstBinds
          ? [first, second]
          : [second, first];
        await binder.start(context, { ...binds, endpoint, bind: true });
        await connecter.start(context, { ...connects, endpoint, bind: false });
        if (!firstBinds) workers.reverse();
        await exchange(workers[0], workers[1]);
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
        await context.close();
      }
    });
  }
}

/** The first asks, the second echoes. */
const ECHOES: [string, string, Uint8Array[]][] = [
  ["Dealer", "Router", MESSAGE],
  ["Dealer", "Dealer", MESSAGE],
  ["Pair", "Pair", MESSAGE],
  ["Request", "Router", MESSAGE],
  ["Request", "Reply", MESSAGE],
  ["Dealer", "Reply", MESSAGE],
  ["Client", "Server", SINGLE],
  ["Channel", "Channel", SINGLE],
  ["Peer", "Peer", SINGLE],
];

for (const [asker, echoer, message] of ECHOES) {
  pairTest(
    { type: asker, mode: "ask", message },
    { type: echoer, mode: "echo" },
    async (first) => {
      for (let i = 0; i < 3; i++) {
        const echo = await first.next("message");
        assertEquals(echo.message, message);
        // A PEER's names the peer it came from: the one asked.
        if (asker === "Peer") assert(echo.fromPeer, "the echo is the peer's");
      }
    },
  );
}

/** The first pumps until the second, which subscribes or joins, has one. */
const COLLECTS: [string, string, Uint8Array[], object][] = [
  ["Publisher", "Subscriber", MESSAGE, {}],
  ["XPublisher", "XSubscriber", MESSAGE, {}],
  ["Push", "Pull", MESSAGE, {}],
  ["Scatter", "Gather", SINGLE, {}],
  ["Radio", "Dish", SINGLE, { group: "g" }],
];

for (const [sender, collector, message, sendOptions] of COLLECTS) {
  pairTest(
    { type: sender, mode: "pump", message, sendOptions },
    { type: collector, mode: "collect" },
    async (first, second) => {
      assertEquals((await second.next("message")).message, message);
      first.post({ op: "halt" });
    },
  );
}

// Subscriptions cross too, and filter there: what the subscriber did not
// subscribe to never reaches it.
for (
  const [sender, collector] of [["Publisher", "Subscriber"], [
    "XPublisher",
    "XSubscriber",
  ]]
) {
  pairTest(
    {
      type: sender,
      mode: "pump",
      message: [encoder.encode("other")],
      also: [encoder.encode("topic.1"), encoder.encode("body")],
    },
    { type: collector, mode: "collect", topic: "topic" },
    async (first, second) => {
      for (let i = 0; i < 3; i++) {
        assertEquals((await second.next("message")).message, [
          encoder.encode("topic.1"),
          encoder.encode("body"),
        ]);
      }
      first.post({ op: "halt" });
    },
    " to one topic, the rest filtered out",
  );
}
