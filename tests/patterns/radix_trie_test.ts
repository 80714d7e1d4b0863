/** The radix trie under the subscription tries, against a plain model. */
import { assertEquals } from "@std/assert";
import { RadixTrie } from "../../patterns/_radix_trie.ts";

/** A deterministic generator (xorshift), so that a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const keyOf = (bytes: Uint8Array) => [...bytes].join(",");

/** What the model says: every key that starts `bytes`, shortest first. */
function modelPrefixes(model: Map<string, number>, bytes: Uint8Array) {
  const found: number[] = [];
  for (let length = 0; length <= bytes.length; length++) {
    const value = model.get(keyOf(bytes.subarray(0, length)));
    if (value !== undefined) found.push(value);
  }
  return found;
}

Deno.test("radix trie: sets, deletes and prefix walks agree with a plain map over 20,000 random operations (edges split and joined)", () => {
  const next = random(0x2545f491);
  const trie = new RadixTrie<number>();
  const model = new Map<string, number>();
  // Short keys over three bytes: they share prefixes and split edges often.
  const key = () =>
    new Uint8Array(
      Array.from({ length: Math.floor(next() * 7) }, () =>
        [0, 97, 255][
          Math.floor(next() * 3)
        ]),
    );
  for (let i = 0; i < 20_000; i++) {
    const bytes = key();
    const op = next();
    if (op < 0.45) {
      trie.set(bytes, i);
      model.set(keyOf(bytes), i);
    } else if (op < 0.85) {
      assertEquals(trie.delete(bytes), model.delete(keyOf(bytes)));
    } else {
      const found: number[] = [];
      const steps = trie.walkPrefixes(bytes, (value, into) => {
        into.push(value);
      }, found);
      assertEquals(found, modelPrefixes(model, bytes));
      assertEquals(steps > 0 && steps <= bytes.length + 1, true);
    }
    assertEquals(trie.get(bytes), model.get(keyOf(bytes)));
    assertEquals(trie.size, model.size);
  }
  const entries: [string, number][] = [...trie.entries()].map((
    [k, v],
  ) => [keyOf(k), v]);
  const sorted = [...model].sort(([a], [b]) => {
    const x = a === "" ? [] : a.split(",").map(Number);
    const y = b === "" ? [] : b.split(",").map(Number);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i] - y[i];
    }
    return x.length - y.length;
  });
  assertEquals(entries, sorted, "in byte order");
  for (const [k] of entries) {
    trie.delete(new Uint8Array(k === "" ? [] : k.split(",").map(Number)));
  }
  assertEquals(trie.size, 0);
  assertEquals([...trie.entries()], []);
});

Deno.test("radix trie: a walk stops where its visit says, negated; keys of every byte value and longer than a chunk come back whole", () => {
  const trie = new RadixTrie<string>();
  const long = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
  trie.set(long, "long");
  trie.set(long.subarray(0, 5000), "half");
  trie.set(new Uint8Array(), "all");
  assertEquals(trie.get(long), "long");
  assertEquals(trie.get(long.subarray(0, 4999)), undefined);
  const seen: string[] = [];
  const steps = trie.walkPrefixes(long, (value, into) => {
    into.push(value);
    return value === "half";
  }, seen);
  assertEquals(seen, ["all", "half"]);
  assertEquals(steps, -2);
  assertEquals(
    [...trie.entries()].map(([key, value]) => [key.length, value]),
    [[0, "all"], [5000, "half"], [10_000, "long"]],
  );
  assertEquals([...trie.entries()][2][0], long);
  // Joined back once the key between them goes: the long one still found.
  assertEquals(trie.delete(long.subarray(0, 5000)), true);
  assertEquals(trie.get(long), "long");
  assertEquals(trie.walkPrefixes(long, () => {}, undefined), 2);
});
