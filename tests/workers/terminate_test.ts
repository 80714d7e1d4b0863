/**
 * A Worker terminated in the middle of a stream over `inproc://`, in each
 * direction: its peer here hears `disconnected`, keeps what arrived (in
 * order), leaves no op behind (the sanitizers), and goes on serving. And
 * Workers terminated as soon as they closed their context leave no Web
 * Lock held.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { Context, Dealer, Pull, Push, ZmqError } from "../../mod.ts";
import { until } from "../_helpers.ts";
import { TestWorker } from "./_test_worker.ts";

/** A message carrying its number, to check order and gaps. */
function numbered(index: number): Uint8Array[] {
  const frame = new Uint8Array(100);
  new DataView(frame.buffer).setUint32(0, index);
  return [frame];
}

function numberOf(message: Uint8Array[] | undefined): number {
  const [frame] = message!;
  return new DataView(frame.buffer, frame.byteOffset).getUint32(0);
}

Deno.test("inproc across a Worker: its PULL terminated mid-stream, our PUSH hears disconnected, what it read came in order, and our close ends the send that waited", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({ context, linger: 0 });
  try {
    await worker.start(context, "pull", "inproc://terminated-pull", true);
    push.connect("inproc://terminated-pull");
    const disconnected = push.events.wait(
      "disconnected",
      AbortSignal.timeout(10_000),
    );
    let sent = 0;
    let ended: unknown;
    const sending = (async () => {
      try {
        for (;;) {
          await push.send(numbered(sent));
          sent++;
        }
      } catch (error) {
        ended = error;
      }
    })();
    await until(() => worker.waiting("message") >= 1000, "a stream there");
    worker.terminate();
    await disconnected;
    // No peer left: the next send waits, until close ends it.
    await push.close();
    await sending;
    assert(ended instanceof ZmqError && ended.code === "ETERM", `${ended}`);
    const read = worker.waiting("message");
    assert(read >= 1000 && read <= sent, `read ${read} of ${sent}`);
    for (let i = 0; i < read; i++) {
      assertEquals(numberOf((await worker.next("message")).message), i);
    }
  } finally {
    await context.close();
  }
});

Deno.test("inproc across a Worker: its PUSH terminated mid-stream, our PULL hears disconnected, reads what came in order, and serves the next peer", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://terminated-push");
    await worker.start(context, "push", "inproc://terminated-push", false);
    worker.post({ op: "stream" });
    // Well into a stream that has no end: terminated in its middle.
    for (let i = 0; i < 1000; i++) {
      assertEquals(numberOf(await pull.receive()), i);
    }
    const disconnected = pull.events.wait(
      "disconnected",
      AbortSignal.timeout(10_000),
    );
    worker.terminate();
    await disconnected;
    let read = 1000;
    while (pull.readable) assertEquals(numberOf(await pull.receive()), read++);
    // Nothing more comes from it: a receive waits, and fails only by time.
    await assertRejects(
      () => pull.receive({ signal: AbortSignal.timeout(100) }),
      DOMException,
    );
    const next = new Push({ context });
    next.connect("inproc://terminated-push");
    await next.send("after");
    assertEquals(new TextDecoder().decode((await pull.receive())[0]), "after");
    await next.close();
  } finally {
    await context.close();
  }
});

/** Names of our Web Locks held or asked for, in this process. */
async function lockNames(): Promise<string[]> {
  const locks = (navigator as unknown as {
    locks: {
      query(): Promise<
        { held?: { name?: string }[]; pending?: { name?: string }[] }
      >;
    };
  }).locks;
  const { held = [], pending = [] } = await locks.query();
  return [...held, ...pending].map((lock) => lock.name ?? "")
    .filter((name) => name.startsWith("@zmtp/zmq "));
}

/**
 * The lock names held or asked for now that were not at `before`, once
 * freeing has had its time: freeing takes a few turns of each isolate's
 * loop, and a leaked one is still there when the deadline passes.
 */
async function locksLeft(before: Set<string>): Promise<string[]> {
  const left = async () =>
    (await lockNames()).filter((name) => !before.has(name));
  const deadline = Date.now() + 3000;
  while ((await left()).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return left();
}

Deno.test("inproc across a Worker: Workers that close their context and are terminated at once leave no Web Lock held, in either isolate", async () => {
  // A watch on the peer's lock still waiting when the peer frees it is
  // granted the lock; Deno 2.9.6 never frees a grant its terminated Worker
  // had not taken yet. The side that closes stops its watches before its
  // goodbyes go, so no grant can come to it. Without that, 30 cycles left
  // some held, run after run.
  const before = new Set(await lockNames());
  const context = new Context();
  const dealer = new Dealer({ context, linger: 0 });
  // Ten requests out at a time, a new one for each reply: the Worker's
  // REP is busy when it stops, and our isolate free to see it go.
  let replies = 0;
  const asking = (async () => {
    for await (const _ of dealer) {
      replies++;
      await dealer.send(["", "request"]);
    }
  })().catch(() => {});
  try {
    await dealer.bind("inproc://closed-then-terminated");
    for (let cycle = 0; cycle < 30; cycle++) {
      const worker = new TestWorker();
      const connected = dealer.events.wait(
        "accepted",
        AbortSignal.timeout(10_000),
      );
      await worker.start(
        context,
        "rep",
        "inproc://closed-then-terminated",
        false,
      );
      await connected;
      // The last Worker's were lost with it.
      for (let i = 0; i < 10; i++) await dealer.send(["", "request"]);
      const before = replies;
      await until(() => replies >= before + 20, "replies");
      const disconnected = dealer.events.wait(
        "disconnected",
        AbortSignal.timeout(10_000),
      );
      worker.post({ op: "stop" });
      await worker.next("closed");
      worker.terminate();
      await disconnected;
    }
  } finally {
    await context.close();
    await asking;
  }
  assertEquals(await locksLeft(before), []);
});

Deno.test("inproc across a Worker: the last Workers of a context closed here, each closing its own and terminated at once, leave no Web Lock held", async () => {
  // The register of names stays here while Workers use it, and frees its
  // lock as the last of them leaves: a Worker still watching it then
  // would be granted it, and hold it for good once terminated (a node
  // stops its watch before it leaves).
  const before = new Set(await lockNames());
  const context = new Context();
  const handles = Array.from({ length: 20 }, () => context.share());
  await context.close();
  for (const [cycle, handle] of handles.entries()) {
    const worker = new TestWorker();
    await worker.startWith(handle, "pull", `inproc://last-node-${cycle}`, true);
    worker.post({ op: "stop" });
    await worker.next("closed");
    worker.terminate();
  }
  assertEquals(await locksLeft(before), []);
});
