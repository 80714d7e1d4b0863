/** Waiters on their own: counts by key on every way a waiter leaves. */
import { assert, assertEquals } from "@std/assert";
import { Waiters } from "../../patterns/_waiters.ts";

/** Waiters keyed by their data's first letter ("u": no key). */
function keyed(): Waiters<void, string> {
  const waiters = new Waiters<void, string>();
  waiters.keyBy((data) => data[0] === "u" ? undefined : data[0]);
  return waiters;
}

const outcome = (waiting: Promise<unknown>) =>
  waiting.then(
    () => "ok",
    (error) =>
      error instanceof DOMException ? error.name : String(error?.code ?? error),
  );

Deno.test("waiters: each way out (abort, timeout, a walk's went or throw, first resolved or rejected, all rejected) counts the waiter and its key out once", async () => {
  const waiters = keyed();
  const abort = new AbortController();
  const a1 = outcome(waiters.wait("A1", { signal: abort.signal }));
  const a2 = outcome(waiters.wait("A2", { timeout: 5 }));
  const b1 = outcome(waiters.wait("B1", {}));
  const u1 = outcome(waiters.wait("u1", {}));
  assertEquals([waiters.length, waiters.keyCount], [4, 2]);
  abort.abort();
  assertEquals(await a1, "AbortError");
  assertEquals([waiters.length, waiters.keyCount], [3, 2]);
  assertEquals(await a2, "EAGAIN");
  assertEquals([waiters.length, waiters.keyCount], [2, 1]);
  waiters.serve(() => (data) => {
    if (data === "B1") throw new Error("refused");
    return "went";
  });
  assertEquals([await b1, await u1], ["Error: refused", "ok"]);
  assertEquals([waiters.length, waiters.keyCount], [0, 0]);
  const c1 = outcome(waiters.wait("C1", {}));
  waiters.resolveFirst();
  assertEquals(await c1, "ok");
  const d1 = outcome(waiters.wait("D1", {}));
  waiters.rejectFirst(new Error("no"));
  assertEquals(await d1, "Error: no");
  const rest = [waiters.wait("E1", {}), waiters.wait("E2", {})].map(outcome);
  assertEquals(waiters.rejectAll(new Error("closed")), ["E1", "E2"]);
  await Promise.all(rest);
  assertEquals([waiters.length, waiters.keyCount], [0, 0]);
});

Deno.test("waiters: one set aside in a walk and aborted meanwhile is not served later, and its key is counted out", async () => {
  const waiters = keyed();
  const abort = new AbortController();
  const a1 = outcome(waiters.wait("A1", { signal: abort.signal }));
  const b1 = outcome(waiters.wait("B1", {}));
  waiters.serve(() => (data) => {
    if (data === "A1") return "waits";
    abort.abort(); // a side effect of B1's attempt
    return "went";
  });
  assertEquals([await a1, await b1], ["AbortError", "ok"]);
  let served = 0;
  waiters.serve(() => () => (served++, "went"));
  assertEquals([served, waiters.length, waiters.hasKey("A")], [0, 0, false]);
});

Deno.test("waiters: an attempt that withdraws its own waiter, the queue compacted by it, takes no other's place; a rejectAll inside a walk rejects those it set aside too", async () => {
  for (const answer of ["went", "waits", "throw"] as const) {
    const waiters = keyed();
    const abort = new AbortController();
    const head = outcome(waiters.wait("H", { signal: abort.signal }));
    const behind = outcome(waiters.wait("Y", {}));
    // Withdrawn ones behind, enough that H's leaving compacts the queue.
    for (let i = 0; i < 33; i++) {
      const gone = new AbortController();
      waiters.wait(`g${i}`, { signal: gone.signal }).catch(() => {});
      gone.abort();
    }
    const seen: string[] = [];
    waiters.serve(() => (data) => {
      seen.push(data);
      if (data !== "H") return "went";
      abort.abort();
      if (answer === "throw") throw new Error("refused");
      return answer;
    });
    assertEquals(seen, ["H", "Y"], answer);
    assertEquals([await head, await behind], ["AbortError", "ok"]);
    assertEquals(waiters.length, 0);
  }
  const waiters = keyed();
  const a1 = outcome(waiters.wait("A1", {}));
  const b1 = outcome(waiters.wait("B1", {}));
  let rejected: string[] = [];
  waiters.serve(() => (data) => {
    if (data === "A1") return "waits";
    rejected = waiters.rejectAll(new Error("closed"));
    return "waits";
  });
  assertEquals(rejected, ["A1", "B1"]);
  assertEquals([await a1, await b1], ["Error: closed", "Error: closed"]);
  assertEquals([waiters.length, waiters.keyCount], [0, 0]);
});

Deno.test("waiters: sends given up behind a stuck one are let go a key at a time: 1,000 stuck peers with 33 given up each hold about 4 each, not 34", async () => {
  const waiters = new Waiters<void, number>();
  waiters.keyBy((data) => data % 1000);
  const stuck = Array.from({ length: 1000 }, (_, i) => waiters.wait(i, {}));
  for (let round = 1; round <= 33; round++) {
    for (let peer = 0; peer < 1000; peer++) {
      const abort = new AbortController();
      const given = waiters.wait(round * 1000 + peer, { signal: abort.signal });
      abort.abort();
      await given.catch(() => {});
    }
  }
  assertEquals(waiters.length, 1000);
  // Each gone one holds its message: before, 32 a key were kept.
  const held = waiters.held;
  assert(held <= 4 * 1000, `${held} held`);
  waiters.rejectAll(new Error("closed"));
  await Promise.allSettled(stuck);
});

Deno.test("waiters: an attempt that stops the walk stops it for the keyed waiters too", async () => {
  const waiters = keyed();
  const u1 = outcome(waiters.wait("u1", {}));
  const a1 = outcome(waiters.wait("A1", {}));
  const seen: string[] = [];
  waiters.serve(() => (data) => {
    seen.push(data);
    return "stop";
  });
  assertEquals(seen, ["u1"]);
  waiters.rejectAll(new Error("closed"));
  assertEquals([await u1, await a1], ["Error: closed", "Error: closed"]);
});

Deno.test("waiters: a walk of one key asked for during another walk follows it, and one of all during a walk of one key follows as one of all", async () => {
  const waiters = keyed();
  const settled = ["A1", "B1", "C1"].map((data) =>
    outcome(waiters.wait(data, {}))
  );
  const seen: string[] = [];
  let nested = 0;
  waiters.serve(() => (data) => {
    seen.push(data);
    // The first walk (of A) asks for B's, then for all.
    if (nested === 0) {
      nested++;
      waiters.serve(() => () => "waits", "B");
      waiters.serve(() => () => "waits");
      return "waits";
    }
    return "went";
  }, "A");
  // A alone, then all of them (A, B, C) with a fresh attempt each walk.
  assertEquals(seen, ["A1", "A1", "B1", "C1"]);
  assertEquals(await Promise.all(settled), ["ok", "ok", "ok"]);
});
