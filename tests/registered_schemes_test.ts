/**
 * A transport registered under a scheme of its own (the registry's
 * `{ ...tcp, scheme: "tcp4" }`) carries what it carries under its first
 * name: the sockets ask the transport what it is, never its scheme.
 *
 * @module
 */
import { assertEquals, assertNotEquals } from "@std/assert";
import { Dealer, Pull, Push, Router, Stream } from "../mod.ts";
import { Datagram } from "../patterns/datagram.ts";
import { Dish } from "../patterns/dish.ts";
import { Radio } from "../patterns/radio.ts";
import { inproc, registerTransport, tcp, udp } from "../transport/mod.ts";
import { decode, portOf } from "./_helpers.ts";

registerTransport({ ...tcp, scheme: "tcp4" });
registerTransport({ ...udp, scheme: "udp4" });
registerTransport({ ...inproc, scheme: "inproc4" });

const timeout = () => ({ signal: AbortSignal.timeout(5000) });

Deno.test("tcp registered as tcp4: a STREAM speaks raw bytes over it, and endpoints bound and accepted are spelt tcp4://, for unbind to find", async () => {
  await using stream = new Stream();
  const bound = await stream.bind("tcp4://127.0.0.1:0");
  assertEquals(bound, `tcp4://127.0.0.1:${portOf(bound)}`);
  assertEquals(stream.lastEndpoint, bound);
  using conn = await Deno.connect({ port: portOf(bound) });
  const [id, hello] = await stream.receive(timeout());
  assertEquals(hello.length, 0);
  await conn.write(new TextEncoder().encode("raw"));
  const [from, data] = await stream.receive(timeout());
  assertEquals([from, decode(data)], [id, "raw"]);
  await using pull = new Pull();
  const endpoint = await pull.bind("tcp4://127.0.0.1:0");
  const accepted = pull.events.wait("accepted", AbortSignal.timeout(5000));
  await using push = new Push();
  push.connect(endpoint);
  await push.send("over tcp4");
  assertEquals(decode((await pull.receive(timeout()))[0]), "over tcp4");
  assert4((await accepted).endpoint);
  await pull.unbind(endpoint);
  await stream.unbind(bound);
});

function assert4(endpoint: string): void {
  assertEquals(endpoint.slice(0, "tcp4://".length), "tcp4://", endpoint);
}

Deno.test("udp registered as udp4: a DGRAM binds it, and a RADIO connected with immediate sends every group to it at once, as over udp", async () => {
  await using datagram = new Datagram();
  const bound = await datagram.bind("udp4://127.0.0.1:0");
  assertEquals(bound, `udp4://127.0.0.1:${portOf(bound)}`);
  await using dish = new Dish();
  dish.join("g");
  await dish.bind("udp4://127.0.0.1:0");
  await using radio = new Radio({ immediate: true });
  radio.connect(dish.lastEndpoint!);
  await radio.send("first", { group: "g" });
  const message = await dish.receive(timeout());
  assertEquals([message.group, decode(message[0])], ["g", "first"]);
});

Deno.test("inproc registered as inproc4: each connect makes its own pipe, to an endpoint connected already too, as over inproc", async () => {
  await using router = new Router();
  await router.bind("inproc4://pipes");
  await using dealer = new Dealer();
  dealer.connect("inproc4://pipes");
  dealer.connect("inproc4://pipes");
  await dealer.send("a");
  await dealer.send("b");
  const [first] = await router.receive(timeout());
  const [second] = await router.receive(timeout());
  // Two pipes, two peers: over tcp the second connect does nothing.
  assertNotEquals([...first], [...second]);
});
