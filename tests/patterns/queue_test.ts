/**
 * The FIFO under every pipe and waiter list (patterns/_queue.ts): against a
 * plain array, through each way it empties (a lone item, after several)
 * and its compaction past a thousand shifted items.
 */
import { assertEquals } from "@std/assert";
import { Queue } from "../../transport/_queue.ts";

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

Deno.test("queue: matches an array through random pushes, shifts, peeks and clears", () => {
  const next = random(7);
  const queue = new Queue<number>();
  let model: number[] = [];
  let counter = 0;
  for (let step = 0; step < 200_000; step++) {
    const roll = next();
    // Bursts of pushes then of shifts, so it runs empty, holds one item,
    // and grows past the compaction threshold in turn.
    const phase = Math.floor(step / 5_000) % 4;
    const pushBias = phase === 0 ? 0.8 : phase === 1 ? 0.2 : 0.5;
    if (roll < 0.001) {
      assertEquals(queue.clear(), model, `clear at step ${step}`);
      model = [];
    } else if (roll < pushBias) {
      queue.push(counter);
      model.push(counter++);
    } else {
      assertEquals(queue.shift(), model.shift(), `shift at step ${step}`);
    }
    assertEquals(queue.length, model.length, `length at step ${step}`);
    assertEquals(queue.peek(), model[0], `peek at step ${step}`);
  }
});

Deno.test("queue: a lone item in and out, over and over, then many", () => {
  const queue = new Queue<string>();
  for (let i = 0; i < 1_000; i++) {
    queue.push(`m${i}`);
    assertEquals(queue.length, 1);
    assertEquals(queue.shift(), `m${i}`);
    assertEquals(queue.length, 0);
    assertEquals(queue.shift(), undefined);
    assertEquals(queue.peek(), undefined);
  }
  for (let i = 0; i < 3_000; i++) queue.push(`n${i}`);
  for (let i = 0; i < 2_999; i++) assertEquals(queue.shift(), `n${i}`);
  assertEquals(queue.length, 1);
  assertEquals(queue.clear(), ["n2999"]);
  assertEquals(queue.length, 0);
});
