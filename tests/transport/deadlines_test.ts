/**
 * The links' shared deadlines: one runtime timer for all, the earliest
 * deadline first, a due's later schedule replacing its earlier one, a
 * cancelled due never told, and no timer left once no deadline is.
 */
import { assert, assertEquals, assertLessOrEqual } from "@std/assert";
import {
  Deadlines,
  type Due,
  patientTimeout,
} from "../../transport/_deadlines.ts";
import { within } from "../_fakes.ts";
import { busyFor, collectUncaught } from "../_helpers.ts";

/** A due that records when it is told, and settles a promise then. */
class Recorder implements Due {
  told = 0;
  #waiters: (() => void)[] = [];
  constructor(readonly name: string, readonly log: string[]) {}
  onDeadline(): void {
    this.told++;
    this.log.push(this.name);
    for (const wake of this.#waiters.splice(0)) wake();
  }
  /** Settles once it has been told `count` times in all. */
  toldTimes(count: number): Promise<void> {
    if (this.told >= count) return Promise.resolve();
    return new Promise((resolve) =>
      this.#waiters.push(() => this.told >= count ? resolve() : undefined)
    );
  }
}

Deno.test("deadlines: earliest first, each due told once, and no timer left after", async () => {
  const deadlines = new Deadlines();
  const log: string[] = [];
  const [a, b, c] = ["a", "b", "c"].map((name) => new Recorder(name, log));
  deadlines.schedule(c, 30);
  deadlines.schedule(a, 5);
  deadlines.schedule(b, 15);
  assertEquals(deadlines.size, 3);
  assert(deadlines.timerPending);
  await within(c.toldTimes(1), "the last deadline");
  assertEquals(log, ["a", "b", "c"]);
  assertEquals(deadlines.size, 0);
  assertEquals(deadlines.timerPending, false, "no timer once none is due");
});

Deno.test("deadlines: scheduling a due again replaces its deadline", async () => {
  const deadlines = new Deadlines();
  const log: string[] = [];
  const again = new Recorder("again", log);
  const other = new Recorder("other", log);
  deadlines.schedule(again, 1);
  deadlines.schedule(again, 40);
  deadlines.schedule(other, 20);
  await within(again.toldTimes(1), "the replaced deadline");
  assertEquals(log, ["other", "again"], "told once, at its later deadline");
  assertEquals(deadlines.timerPending, false);
});

Deno.test("deadlines: a cancelled due is never told, and cancelling the last clears the timer", async () => {
  const deadlines = new Deadlines();
  const log: string[] = [];
  const gone = new Recorder("gone", log);
  const kept = new Recorder("kept", log);
  deadlines.schedule(gone, 1);
  deadlines.schedule(kept, 10);
  deadlines.cancel(gone);
  deadlines.cancel(gone); // twice is harmless
  await within(kept.toldTimes(1), "the kept deadline");
  assertEquals(log, ["kept"]);
  deadlines.schedule(gone, 60_000);
  assert(deadlines.timerPending);
  deadlines.cancel(gone);
  assertEquals(deadlines.timerPending, false, "the sanitizer sees no timer");
  assertEquals(deadlines.heapLength, 0);
});

Deno.test("deadlines: a due told may schedule itself and cancel others", async () => {
  const deadlines = new Deadlines();
  const log: string[] = [];
  const victim = new Recorder("victim", log);
  let beats = 0;
  const beating: Due = {
    onDeadline() {
      log.push("beat");
      if (++beats < 3) deadlines.schedule(beating, 1);
      else deadlines.cancel(victim);
    },
  };
  deadlines.schedule(beating, 0);
  deadlines.schedule(victim, 500);
  const done = new Recorder("done", log);
  deadlines.schedule(done, 100);
  await within(done.toldTimes(1), "the last due");
  assertEquals(log, ["beat", "beat", "beat", "done"]);
  assertEquals(victim.told, 0);
  assertEquals(deadlines.timerPending, false);
});

Deno.test("deadlines: cancelled entries do not pile up while others stay due", () => {
  const deadlines = new Deadlines();
  const log: string[] = [];
  const long = new Recorder("long", log);
  deadlines.schedule(long, 60_000);
  // A thousand connections that came and went while one stays.
  for (let i = 0; i < 1000; i++) {
    const brief = new Recorder(`brief ${i}`, log);
    deadlines.schedule(brief, 30_000);
    deadlines.cancel(brief);
  }
  // And one due rescheduled a thousand times (a heartbeat's every tick).
  const beating = new Recorder("beating", log);
  for (let i = 0; i < 1000; i++) deadlines.schedule(beating, 1000 + i);
  assertEquals(deadlines.size, 2);
  assertLessOrEqual(deadlines.heapLength, 2 * 2 + 64 + 1);
  deadlines.cancel(long);
  deadlines.cancel(beating);
  assertEquals(deadlines.timerPending, false);
  assertEquals(log, []);
});

Deno.test("deadlines: a due that throws still leaves the others their deadlines", async () => {
  const deadlines = new Deadlines();
  const log: string[] = [];
  {
    using uncaught = collectUncaught();
    const faulty: Due = {
      onDeadline() {
        throw new Error("a bug in a due");
      },
    };
    const later = new Recorder("later", log);
    deadlines.schedule(faulty, 0);
    deadlines.schedule(later, 20);
    await within(later.toldTimes(1), "the deadline after the faulty one");
    assertEquals((uncaught.errors[0] as Error).message, "a bug in a due");
  }
  assertEquals(log, ["later"]);
  assertEquals(deadlines.timerPending, false);
});

for (const pastDeadline of [2, 60]) {
  Deno.test(`deadlines: a read waiting behind a timer that came due while the app was busy (until ${pastDeadline} ms past the deadline) runs first, so a peer that answered in time is not judged silent`, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    const server = await listener.accept();
    try {
      const deadlines = new Deadlines();
      const log: string[] = [];
      const due = new Recorder("due", log);
      const read = server.read(new Uint8Array(16)).then(() => log.push("read"));
      const start = performance.now();
      deadlines.schedule(due, 10);
      // The peer's answer is in before the deadline, then the app is busy
      // past it: Deno ran the timer before the read that waited.
      await client.write(new Uint8Array([1, 2, 3]));
      busyFor(start + 10 + pastDeadline - performance.now());
      await within(due.toldTimes(1), "the deadline");
      await read;
      assertEquals(log, ["read", "due"]);
      assertEquals(deadlines.timerPending, false);
    } finally {
      client.close();
      server.close();
      listener.close();
    }
  });
}

Deno.test("deadlines: an isolate that stays busy has its deadlines told a turn of the loop later, not held while it stays busy", async () => {
  const deadlines = new Deadlines();
  const due = new Recorder("due", []);
  // Every turn of the loop busy for 30 ms, as an app's own work.
  const busy = setInterval(() => busyFor(30), 0);
  try {
    deadlines.schedule(due, 10);
    await within(due.toldTimes(1), "the deadline", 1000);
  } finally {
    clearInterval(busy);
  }
  assertEquals(deadlines.timerPending, false);
});

Deno.test("deadlines: a patient timeout calls back after its time and a turn of the loop, even while the isolate stays busy; cleared, never", async () => {
  const called: string[] = [];
  const { promise: onTime, resolve: onTimeCalled } = Promise.withResolvers<
    void
  >();
  patientTimeout(() => {
    called.push("on time");
    onTimeCalled();
  }, 5);
  const clear = patientTimeout(() => called.push("cleared"), 5);
  clear();
  await within(onTime, "the timeout");
  const busy = setInterval(() => busyFor(30), 0);
  try {
    const { promise: late, resolve: lateCalled } = Promise.withResolvers<
      void
    >();
    patientTimeout(lateCalled, 10);
    await within(late, "the timeout of a busy isolate", 1000);
  } finally {
    clearInterval(busy);
  }
  assertEquals(called, ["on time"]);
});

for (const first of ["stays", "is cancelled"]) {
  Deno.test(`deadlines: a deadline that passes while the app is busy, in another's wait for its turn of the loop (which ${first}), gets a turn of its own before it is judged`, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    const server = await listener.accept();
    const deadlines = new Deadlines();
    const log: string[] = [];
    const a = new Recorder("a", log);
    const later = new Recorder("later", []);
    const c = new Recorder("c", log);
    try {
      const read = server.read(new Uint8Array(16)).then(() => log.push("read"));
      const start = performance.now();
      deadlines.schedule(a, 10);
      deadlines.schedule(later, 5000);
      deadlines.schedule(c, 60);
      // Once a's deadline is found due (its wait begun: timers run in the
      // order they are due, a's at 10 ms before this one at 12), c's peer
      // answers, then the app works past c's deadline.
      await new Promise<void>((resolve) => setTimeout(resolve, 12));
      if (first === "is cancelled") deadlines.cancel(a);
      await client.write(new Uint8Array([1, 2, 3]));
      busyFor(start + 90 - performance.now());
      await within(c.toldTimes(1), "c's deadline");
      await read;
      assert(log.indexOf("read") < log.indexOf("c"), log.join(", "));
    } finally {
      deadlines.cancel(later);
      client.close();
      server.close();
      listener.close();
    }
  });
}
