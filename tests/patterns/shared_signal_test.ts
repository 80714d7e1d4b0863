/**
 * Waits that share one AbortSignal cost the same however many share it,
 * shown with counters: Deno's EventTarget looks through a signal's
 * listeners at every add and remove, so a listener per wait made each of
 * N waits cost N (a shutdown signal every receive loop passed, a `poll`
 * over many sockets).
 */
import { assert, assertEquals } from "@std/assert";
import { Context, poll, Pull, Push } from "../../mod.ts";
import { onAbort } from "../../patterns/_on_abort.ts";
import { timeout } from "../_helpers.ts";

/** Counts abort listeners added and removed, on every signal, while `run` runs. */
async function countingListeners<T>(
  run: () => Promise<T>,
): Promise<{ result: T; added: number; removed: number }> {
  // AbortSignal's own (Deno's keep a timeout's timer while it is heard):
  // wrapped, and put back as they were.
  const proto = AbortSignal.prototype;
  const add = Object.getOwnPropertyDescriptor(proto, "addEventListener");
  const remove = Object.getOwnPropertyDescriptor(proto, "removeEventListener");
  const { addEventListener, removeEventListener } = proto;
  let added = 0;
  let removed = 0;
  Object.defineProperty(proto, "addEventListener", {
    ...add,
    value(this: AbortSignal, ...args: Parameters<typeof addEventListener>) {
      if (args[0] === "abort") added++;
      return addEventListener.apply(this, args);
    },
  });
  Object.defineProperty(proto, "removeEventListener", {
    ...remove,
    value(this: AbortSignal, ...args: Parameters<typeof removeEventListener>) {
      if (args[0] === "abort") removed++;
      return removeEventListener.apply(this, args);
    },
  });
  try {
    return { result: await run(), added, removed };
  } finally {
    if (add) Object.defineProperty(proto, "addEventListener", add);
    else delete (proto as Partial<AbortSignal>).addEventListener;
    if (remove) Object.defineProperty(proto, "removeEventListener", remove);
    else delete (proto as Partial<AbortSignal>).removeEventListener;
  }
}

Deno.test("shared signal: 1,000 receives waiting with one signal add one abort listener to it, and its abort rejects them all", async () => {
  await using context = new Context();
  const pulls = Array.from({ length: 1000 }, () => new Pull({ context }));
  const stop = new AbortController();
  const { result: settled, added, removed } = await countingListeners(
    async () => {
      const waits = pulls.map((pull) => pull.receive({ signal: stop.signal }));
      stop.abort(new Error("shutdown"));
      return await Promise.allSettled(waits);
    },
  );
  assertEquals(
    settled.filter((s) =>
      s.status === "rejected" && s.reason.message === "shutdown"
    ).length,
    1000,
  );
  assertEquals([added, removed], [1, 0]);
  for (const pull of pulls) await pull.close();
});

Deno.test("shared signal: 1,000 receives that settle one by one take their listener off, the signal's own with the last", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://shared-signal");
  const push = new Push({ context });
  push.connect("inproc://shared-signal");
  const stop = new AbortController();
  const { result: received, added, removed } = await countingListeners(
    async () => {
      const waits = Array.from(
        { length: 1000 },
        () => pull.receive({ signal: stop.signal }),
      );
      for (let i = 0; i < 1000; i++) await push.send(String(i));
      return await Promise.all(waits);
    },
  );
  assertEquals(received.length, 1000);
  assertEquals([added, removed], [1, 1]);
  // Later waits on the same signal start afresh, and still hear it.
  const late = pull.receive({ signal: stop.signal });
  stop.abort(new Error("late"));
  assertEquals(await late.catch((error) => error.message), "late");
  await push.close();
  await pull.close();
});

Deno.test("shared signal: a poll over 300 sockets adds a handful of abort listeners per wake-up, not one per socket", async () => {
  await using context = new Context();
  const sockets: Record<string, Pull> = {};
  const pushes: Push[] = [];
  for (let i = 0; i < 300; i++) {
    const pull = sockets[`s${i}`] = new Pull({ context });
    await pull.bind(`inproc://poll-${i}`);
    const push = new Push({ context });
    push.connect(`inproc://poll-${i}`);
    pushes.push(push);
  }
  const stop = timeout();
  const order = [7, 150, 299, 0, 42];
  const { result: got, added } = await countingListeners(async () => {
    const got: string[] = [];
    // Each message is sent a macrotask after the poll took the last, so
    // that it comes while the poll waits on all 300.
    const sendNext = () =>
      setTimeout(() => pushes[order[got.length]].send(`to ${got.length}`));
    sendNext();
    for await (const [name] of poll(sockets, stop)) {
      got.push(name);
      if (got.length === order.length) break;
      sendNext();
    }
    return got;
  });
  assertEquals(got, ["s7", "s150", "s299", "s0", "s42"]);
  // Before: about 300 a wake-up (1,500 in all).
  assert(added <= 5 * 3, `${added} abort listeners added`);
  for (const push of pushes) await push.close();
  for (const pull of Object.values(sockets)) await pull.close();
});

Deno.test("onAbort: a listener withdrawn is not called; the others are, once; a signal's listener goes with its last", () => {
  const controller = new AbortController();
  const calls: string[] = [];
  const offA = onAbort(controller.signal, () => calls.push("a"));
  const offB = onAbort(controller.signal, () => calls.push("b"));
  onAbort(controller.signal, () => calls.push("c"));
  offB();
  offB();
  controller.abort();
  controller.abort();
  offA();
  assertEquals(calls, ["a", "c"]);
});

Deno.test("onAbort: a listener that throws does not keep the others from running (the error is thrown on its own, as EventTarget reports it); one added to a signal aborted already runs at once", async () => {
  const controller = new AbortController();
  const calls: string[] = [];
  onAbort(controller.signal, () => calls.push("a"));
  onAbort(controller.signal, () => {
    throw new Error("listener b");
  });
  onAbort(controller.signal, () => calls.push("c"));
  const thrown = new Promise<unknown>((resolve) => {
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      globalThis.removeEventListener("error", onError);
      resolve(event.error);
    };
    globalThis.addEventListener("error", onError);
  });
  controller.abort();
  assertEquals(calls, ["a", "c"]);
  assertEquals(((await thrown) as Error).message, "listener b");
  const withdraw = onAbort(controller.signal, () => calls.push("late"));
  withdraw();
  assertEquals(calls, ["a", "c", "late"]);
});

Deno.test("events: of 2,000 waits, the 1,000 aborted in random order leave the others waiting in the order they came", async () => {
  await using context = new Context();
  const pull = new Pull({ context });
  const controllers = Array.from({ length: 2000 }, () => new AbortController());
  const waits = controllers.map((controller) =>
    pull.events.wait("listening", controller.signal)
  );
  // Every other one, in a shuffled order.
  const aborted = controllers.map((_, i) => i).filter((i) => i % 2 === 1);
  for (let i = aborted.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [aborted[i], aborted[j]] = [aborted[j], aborted[i]];
  }
  for (const i of aborted) controllers[i].abort(new Error(`abort ${i}`));
  for (let i = 0; i < 1000; i++) await pull.bind(`inproc://events-${i}`);
  const settled = await Promise.allSettled(waits);
  const endpoints = settled.map((result, i) =>
    result.status === "fulfilled"
      ? result.value.endpoint
      : (result.reason as Error).message === `abort ${i}`
  );
  assertEquals(
    endpoints,
    controllers.map((_, i) => i % 2 === 1 ? true : `inproc://events-${i / 2}`),
  );
  await pull.close();
});
