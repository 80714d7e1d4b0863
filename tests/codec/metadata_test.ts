import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import * as codec from "../../codec/mod.ts";
import { expectEvent } from "./_helpers.ts";

const encode = (entries: [string, string][]) =>
  codec.encodeMetadata(new codec.Metadata(entries));

Deno.test("metadata: the same small properties parse to one shared object, so thousands of like peers keep one", () => {
  const bytes = encode([["Socket-Type", "DEALER"], ["Identity", ""]]);
  const first = codec.parseMetadata(bytes);
  // Met again in another buffer (each peer's READY is read into its own).
  const readBuffer = new Uint8Array(300);
  readBuffer.set(bytes, 17);
  const again = codec.parseMetadata(readBuffer.subarray(17, 17 + bytes.length));
  assertStrictEquals(again, first);
  readBuffer.fill(0);
  assertEquals(again.getString("socket-type"), "DEALER");
  // Values come out as copies: a peer's cannot be changed for the others.
  first.get("Socket-Type")!.fill(0x41);
  [...first][0][1].fill(0x41);
  assertEquals(again.getString("Socket-Type"), "DEALER");
  const other = codec.parseMetadata(encode([["Socket-Type", "REQ"]]));
  assert(other !== first);
  assertEquals(other.getString("Socket-Type"), "REQ");
});

Deno.test("metadata: long properties are parsed afresh each time, and a full cache starts over with every value still right", () => {
  const long = encode([["Socket-Type", "DEALER"], ["X-Long", "x".repeat(300)]]);
  const a = codec.parseMetadata(long);
  const b = codec.parseMetadata(long);
  assert(a !== b, "metadata over 256 bytes shared");
  assertEquals(b.getString("x-long"), "x".repeat(300));
  // Peers that each announce an Identity: more than the cache holds.
  const parsed = Array.from(
    { length: 200 },
    (_, i) => codec.parseMetadata(encode([["Identity", `peer-${i}`]])),
  );
  parsed.forEach((metadata, i) =>
    assertEquals(metadata.getString("identity"), `peer-${i}`)
  );
  const last = encode([["Identity", "peer-199"]]);
  assertStrictEquals(codec.parseMetadata(last), parsed[199]);
  // The cache holds 64: one parsed 64 others ago was let go.
  const early = encode([["Identity", "peer-100"]]);
  assert(codec.parseMetadata(early) !== parsed[100], "the cache only grows");
});

Deno.test("metadata: two servers' connections from like clients share the clients' metadata object", () => {
  const peers = [0, 1].map(() => {
    const client = new codec.Connection({ socketType: "DEALER" });
    const server = new codec.Connection({
      socketType: "ROUTER",
    });
    const events = [client, server, client, server].flatMap((from) => {
      const to = from === client ? server : client;
      return from.takeOutput().flatMap((chunk) => to.receive(chunk.slice()));
    });
    const ready = events.filter((event) =>
      event.type === "ready" && event.peer.socketType === "DEALER"
    );
    assertEquals(ready.length, 1);
    return expectEvent(ready[0], "ready").peer;
  });
  assertStrictEquals(peers[0].metadata, peers[1].metadata);
  assertEquals(peers[1].metadata.getString("Socket-Type"), "DEALER");
});

Deno.test("metadata: getAll gives every value of a name in order, in any case, as copies of a peer's", () => {
  const entries: [string, string][] = [
    ["Socket-Type", "PUSH"],
    ["X-Tag", "a"],
    ["socket-type", "REQ"],
  ];
  const text = new TextDecoder();
  for (
    const metadata of [
      new codec.Metadata(entries),
      codec.parseMetadata(encode(entries)),
    ]
  ) {
    const all = metadata.getAll("SOCKET-TYPE");
    assertEquals(all.map((v) => text.decode(v)), ["PUSH", "REQ"]);
    assertEquals(metadata.getString("Socket-Type"), "PUSH");
    assertEquals(metadata.getAll("X-None"), []);
    all[0].fill(0x41);
  }
  const parsed = codec.parseMetadata(encode(entries));
  assertEquals(parsed.getString("Socket-Type"), "PUSH");
});
