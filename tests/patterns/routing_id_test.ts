import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Dealer, Router } from "../../mod.ts";
import { RoutingIdGenerator } from "../../patterns/_routing_id.ts";
import { decode, until } from "../_helpers.ts";

const counter = (id: Uint8Array) =>
  new DataView(id.buffer, id.byteOffset, id.byteLength).getUint32(1);

Deno.test("routing ids: libzmq's 5 bytes, a zero then a counter, 64 to a shared block rather than a buffer each", () => {
  const ids = new RoutingIdGenerator();
  const made = Array.from({ length: 130 }, () => ids.next());
  for (const [i, id] of made.entries()) {
    assertEquals(id.length, 5);
    assertEquals(id[0], 0);
    if (i > 0) assertEquals(counter(id), (counter(made[i - 1]) + 1) >>> 0);
  }
  for (let i = 1; i < 64; i++) {
    assertStrictEquals(made[i].buffer, made[0].buffer);
  }
  assertEquals(made[0].buffer.byteLength, 64 * 5);
  assert(made[64].buffer !== made[0].buffer, "a block of more than 64");
  assertStrictEquals(made[129].buffer, made[128].buffer);
  // Writing over the block's later ids does not reach an earlier one.
  made[1].fill(0xff);
  assertEquals(made[0][0], 0);
  assertEquals(counter(made[2]), (counter(made[0]) + 2) >>> 0);
});

Deno.test("routing ids: ids in use are skipped", () => {
  const ids = new RoutingIdGenerator();
  const taken = new Set<number>();
  const first = ids.next();
  for (let n = 1; n <= 70; n++) taken.add((counter(first) + n) >>> 0);
  const next = ids.next((id) => taken.has(counter(id)));
  assertEquals(counter(next), (counter(first) + 71) >>> 0);
});

Deno.test("routing ids: a ROUTER lets go of peers whose id's buffer the app transferred away (64 share it), and routes by copies made before", async () => {
  await using router = new Router();
  await router.bind("inproc://routing-id-transfer");
  const dealers = [new Dealer(), new Dealer()];
  const ids: Uint8Array[] = [];
  for (const dealer of dealers) {
    dealer.connect("inproc://routing-id-transfer");
    await dealer.send("hi");
    const [id] = await deadline(router.receive(), 5000);
    ids.push(id);
  }
  assertStrictEquals(ids[0].buffer, ids[1].buffer, "not in one block");
  const copies = ids.map((id) => id.slice());
  structuredClone(ids[0].buffer, { transfer: [ids[0].buffer as ArrayBuffer] });
  assertEquals([ids[0].length, ids[1].length], [0, 0]);
  await router.send([copies[1], "still yours"]);
  const [reply] = await deadline(dealers[1].receive(), 5000);
  assertEquals(decode(reply), "still yours");
  // Its next message comes with its id again, made from the table's key.
  await dealers[1].send("again");
  const [id] = await deadline(router.receive(), 5000);
  assertEquals(id, copies[1]);
  // A newcomer gets an id from a fresh block, not from the emptied one.
  dealers.push(new Dealer());
  dealers[2].connect("inproc://routing-id-transfer");
  await dealers[2].send("new");
  const [newcomer] = await deadline(router.receive(), 5000);
  assertEquals(newcomer.length, 5);
  copies.push(newcomer.slice());
  for (const dealer of dealers) await dealer.close();
  await until(
    () => copies.every((id) => router.peer(id) === undefined),
    "table without the closed peers",
  );
});

Deno.test("routing ids: a connect's routingId and an inproc DEALER's own are copied, as libzmq's setsockopt copies: the app's buffer is its own", async () => {
  await using dealer = new Dealer();
  await dealer.bind("inproc://routing-id-copies");
  await using router = new Router();
  const name = new TextEncoder().encode("Q");
  router.connect("inproc://routing-id-copies", { routingId: name });
  name.fill(0x52); // "R"
  await dealer.send("hi");
  const [id] = await deadline(router.receive(), 5000);
  assertEquals(decode(id), "Q");
  await router.send(["Q", "back"]);
  const [back] = await deadline(dealer.receive(), 5000);
  assertEquals(decode(back), "back");
  // The other way: a DEALER's routingId reaches the ROUTER as a copy.
  await using named = new Dealer({ routingId: "D" });
  named.connect("inproc://routing-id-copies-2");
  await using other = new Router();
  await other.bind("inproc://routing-id-copies-2");
  await named.send("x");
  const [given] = await deadline(other.receive(), 5000);
  structuredClone(given.buffer, { transfer: [given.buffer as ArrayBuffer] });
  assertEquals(decode(named.routingId!), "D");
});
