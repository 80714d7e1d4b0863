/** The subscription trie on its own: counting, prefixes, bytes, removal. */
import { assertEquals } from "@std/assert";
import { SubscriptionTrie } from "../../patterns/_subscription_trie.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Orders byte strings as memcmp does. */
const byteOrder = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
};

/** The subscribed prefixes as byte arrays, sorted, to compare. */
const topics = (trie: SubscriptionTrie) =>
  [...trie.topics()].map((topic) => [...topic]).sort(byteOrder);

Deno.test("counted (the default): a prefix added twice needs two removals", () => {
  const trie = new SubscriptionTrie();
  assertEquals(trie.add(bytes("A")), true, "new prefix");
  assertEquals(trie.add(bytes("A")), false, "already subscribed");
  assertEquals(trie.size, 1);
  assertEquals(topics(trie), [[...bytes("A")]], "listed once");
  assertEquals(trie.remove(bytes("A")), false, "one subscription left");
  assertEquals(trie.matches(bytes("A1")), true);
  assertEquals(trie.size, 1);
  assertEquals(trie.remove(bytes("A")), true, "the last one");
  assertEquals(trie.matches(bytes("A1")), false);
  assertEquals(trie.size, 0);
  assertEquals(trie.remove(bytes("A")), false, "nothing left to remove");
  assertEquals(trie.size, 0);
  assertEquals(trie.add(bytes("A")), true, "new again");
});

Deno.test("set mode: adding twice is one subscription, one removal ends it", () => {
  const trie = new SubscriptionTrie({ counted: false });
  assertEquals(trie.add(bytes("A")), true);
  assertEquals(trie.add(bytes("A")), false);
  assertEquals(trie.size, 1);
  assertEquals(trie.remove(bytes("A")), true);
  assertEquals(trie.matches(bytes("A")), false);
  assertEquals(trie.size, 0);
  assertEquals(trie.remove(bytes("A")), false);
  assertEquals(trie.add(bytes("A")), true);
});

Deno.test("removing what was never added changes nothing", () => {
  const trie = new SubscriptionTrie();
  assertEquals(trie.remove(bytes("x")), false, "empty trie");
  assertEquals(trie.remove(new Uint8Array()), false, "empty prefix");
  trie.add(bytes("abc"));
  assertEquals(
    trie.remove(bytes("ab")),
    false,
    "a shorter prefix, on its path",
  );
  assertEquals(trie.remove(bytes("abcd")), false, "a longer one");
  assertEquals(trie.remove(bytes("abd")), false, "a sibling");
  assertEquals(trie.size, 1);
  assertEquals(topics(trie), [[...bytes("abc")]]);
  assertEquals(trie.matches(bytes("abc")), true);
  assertEquals(trie.matches(bytes("ab")), false);
});

Deno.test("an empty trie matches nothing; the empty prefix matches everything", () => {
  const trie = new SubscriptionTrie();
  assertEquals(trie.matches(new Uint8Array()), false);
  assertEquals(trie.matches(bytes("anything")), false);
  assertEquals(trie.add(new Uint8Array()), true);
  assertEquals(trie.size, 1);
  assertEquals(topics(trie), [[]]);
  for (const message of ["", "anything", "\0", "\xff"]) {
    assertEquals(trie.matches(bytes(message)), true, JSON.stringify(message));
  }
  assertEquals(trie.matches(new Uint8Array([0x00])), true);
  assertEquals(trie.matches(new Uint8Array([0xff])), true);
  assertEquals(trie.remove(new Uint8Array()), true);
  assertEquals(trie.matches(bytes("anything")), false);
  assertEquals(trie.size, 0);
});

Deno.test("a prefix matches itself and longer topics, never shorter or other ones", () => {
  const trie = new SubscriptionTrie();
  trie.add(bytes("ab"));
  for (
    const [message, wanted] of [
      ["ab", true],
      ["abc", true],
      ["ab ", true],
      ["a", false],
      ["", false],
      ["b", false],
      ["ba", false],
      ["aab", false],
      ["Ab", false],
    ] as const
  ) {
    assertEquals(trie.matches(bytes(message)), wanted, message);
  }
  // A longer prefix under a shorter one adds nothing the shorter one does not match.
  trie.add(bytes("abcd"));
  assertEquals(trie.size, 2);
  assertEquals(trie.matches(bytes("abc")), true);
  trie.remove(bytes("ab"));
  assertEquals(trie.matches(bytes("ab")), false);
  assertEquals(trie.matches(bytes("abc")), false);
  assertEquals(trie.matches(bytes("abcd")), true);
  assertEquals(trie.matches(bytes("abcde")), true);
});

Deno.test("binary prefixes: 0x00 and 0xff are bytes like any other", () => {
  const trie = new SubscriptionTrie();
  trie.add(new Uint8Array([0x00]));
  trie.add(new Uint8Array([0xff, 0x00]));
  trie.add(new Uint8Array([0x01, 0x00, 0xff]));
  assertEquals(trie.size, 3);
  const cases: [number[], boolean][] = [
    [[0x00], true],
    [[0x00, 0xff], true],
    [[0x00, 0x00], true],
    [[0xff, 0x00], true],
    [[0xff, 0x00, 0x00], true],
    [[0xff], false],
    [[0xff, 0xff], false],
    [[0xff, 0x01], false],
    [[0x01, 0x00], false],
    [[0x01, 0x00, 0xff], true],
    [[0x01, 0x00, 0xfe], false],
    [[0x01], false],
    [[], false],
  ];
  for (const [message, wanted] of cases) {
    assertEquals(
      trie.matches(new Uint8Array(message)),
      wanted,
      `[${message}]`,
    );
  }
  assertEquals(topics(trie), [[0x00], [0x01, 0x00, 0xff], [0xff, 0x00]]);
  assertEquals(trie.remove(new Uint8Array([0xff])), false);
  assertEquals(trie.remove(new Uint8Array([0xff, 0x00])), true);
  assertEquals(trie.matches(new Uint8Array([0xff, 0x00])), false);
  assertEquals(trie.matches(new Uint8Array([0x00])), true);
});

Deno.test("removal prunes: size and topics() follow, the rest still matches", () => {
  const trie = new SubscriptionTrie();
  for (const topic of ["a", "abc", "abd", "b"]) {
    assertEquals(trie.add(bytes(topic)), true, topic);
  }
  assertEquals(trie.size, 4);
  const listed = (names: string[]) => names.map((name) => [...bytes(name)]);
  assertEquals(topics(trie), listed(["a", "abc", "abd", "b"]));

  // A leaf with a sibling: the sibling and the prefix above stay.
  assertEquals(trie.remove(bytes("abc")), true);
  assertEquals(trie.size, 3);
  assertEquals(topics(trie), listed(["a", "abd", "b"]));
  assertEquals(trie.matches(bytes("abc")), true, "still under a");
  assertEquals(trie.matches(bytes("abd")), true);

  // A prefix with subscriptions under it: they stay, it no longer matches.
  assertEquals(trie.remove(bytes("a")), true);
  assertEquals(trie.size, 2);
  assertEquals(topics(trie), listed(["abd", "b"]));
  assertEquals(trie.matches(bytes("a")), false);
  assertEquals(trie.matches(bytes("ab")), false);
  assertEquals(trie.matches(bytes("abc")), false);
  assertEquals(trie.matches(bytes("abdx")), true);

  // The last one down a branch: the whole branch goes.
  assertEquals(trie.remove(bytes("abd")), true);
  assertEquals(trie.size, 1);
  assertEquals(topics(trie), listed(["b"]));
  assertEquals(trie.matches(bytes("abd")), false);
  assertEquals(trie.remove(bytes("ab")), false, "no node left to remove");
  assertEquals(trie.matches(bytes("b")), true);

  assertEquals(trie.remove(bytes("b")), true);
  assertEquals(trie.size, 0);
  assertEquals(topics(trie), []);
  for (const message of ["", "a", "abd", "b"]) {
    assertEquals(trie.matches(bytes(message)), false, message);
  }
  // A pruned path is rebuilt as new.
  assertEquals(trie.add(bytes("abd")), true);
  assertEquals(topics(trie), listed(["abd"]));
  assertEquals(trie.matches(bytes("abd")), true);
  assertEquals(trie.matches(bytes("ab")), false);
});

Deno.test("clear() forgets every prefix and every count", () => {
  for (const counted of [true, false]) {
    const trie = new SubscriptionTrie({ counted });
    trie.add(new Uint8Array());
    trie.add(bytes("A"));
    trie.add(bytes("A"));
    trie.add(new Uint8Array([0x00, 0xff]));
    trie.clear();
    assertEquals(trie.size, 0, `counted: ${counted}`);
    assertEquals(topics(trie), []);
    assertEquals(trie.matches(bytes("A")), false, "the empty prefix is gone");
    assertEquals(trie.matches(new Uint8Array([0x00, 0xff])), false);
    assertEquals(trie.remove(bytes("A")), false);
    // Counts start again from nothing: one add, one removal ends it.
    assertEquals(trie.add(bytes("A")), true);
    assertEquals(trie.remove(bytes("A")), true);
    assertEquals(trie.size, 0);
  }
});

Deno.test("topics() gives prefixes as long as a frame may be, beside their branches", () => {
  const trie = new SubscriptionTrie();
  const long = new Uint8Array(100_000).fill(7);
  trie.add(long);
  trie.add(long.subarray(0, 3));
  trie.add(Uint8Array.of(7, 7, 8));
  assertEquals(
    [...trie.topics()].map((topic) => topic.length).sort((a, b) => a - b),
    [3, 3, 100_000],
  );
  assertEquals(topics(trie).filter((topic) => topic.length === 3), [
    [7, 7, 7],
    [7, 7, 8],
  ]);
});

Deno.test("topics() walks in byte order, as libzmq's trie resends subscriptions", () => {
  const trie = new SubscriptionTrie();
  for (const topic of ["c", "ab", "b", "a", "", "\xff", "a\x00"]) {
    trie.add(new Uint8Array([...topic].map((c) => c.charCodeAt(0))));
  }
  assertEquals(
    [...trie.topics()].map((topic) => [...topic]),
    [[], [97], [97, 0], [97, 98], [98], [99], [255]],
  );
});
