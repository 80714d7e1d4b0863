/**
 * The bytes the library keeps are its own, as libzmq copies what it is
 * given and what it hands out: an application that writes into a
 * received routing id, or reuses its buffer after subscribe, join or a
 * key option (a Node Buffer too, whose slice() shares memory), changes
 * nothing it did not mean to.
 */
import { assertEquals } from "@std/assert";
import { Buffer } from "node:buffer";
import {
  Context,
  curveKeyPair,
  Dealer,
  Dish,
  Publisher,
  Radio,
  Reply,
  Request,
  Router,
  Subscriber,
  z85Decode,
} from "../mod.ts";
import { decode, sendUntilReceived, timeout } from "./_helpers.ts";

const text = new TextEncoder();

Deno.test("a routing id received from a ROUTER may be written into: the next message names the peer as it is, and a connect's id stays the route after a reconnect", async () => {
  await using context = new Context();
  const router = new Router({ context, routerMandatory: true });
  await router.bind("inproc://ids");
  const shaken = router.events.wait("handshake-succeeded", timeout().signal);
  const dealer = new Dealer({ context, routingId: "alice" });
  dealer.connect("inproc://ids");
  await dealer.send("one");
  await dealer.send("two");
  const [id] = await router.receive(timeout());
  id.fill(0x78);
  assertEquals(decode((await router.receive(timeout()))[0]), "alice");
  // What the peer announced, and its event, are apart from what messages
  // hand out.
  assertEquals(decode(router.peer(text.encode("alice"))!.routingId!), "alice");
  // By the id as a string too, as send takes it.
  assertEquals(decode(router.peer("alice")!.routingId!), "alice");
  assertEquals(decode((await shaken).routingId!), "alice");
  await router.send(["alice", "still alice"]);
  assertEquals(decode((await dealer.receive(timeout()))[0]), "still alice");

  // A ROUTER that connects names its peer: the name stays its route.
  let peer = new Dealer({ context });
  await peer.bind("inproc://named");
  const named = new Router({ context, routerMandatory: true });
  named.connect("inproc://named", { routingId: "peerA" });
  await peer.send("hi");
  (await named.receive(timeout()))[0].set(text.encode("XXXXX"));
  await peer.close();
  peer = new Dealer({ context });
  await peer.bind("inproc://named");
  await sendUntilReceived(
    () => named.send(["peerA", "ping"]).catch(() => {}),
    peer.receive(timeout()),
  );
  for (const socket of [router, dealer, peer, named]) socket.linger = 0;
});

Deno.test("subscribe, join and a CURVE key copy the caller's bytes, a Node Buffer's too: reusing the buffer after changes nothing", async () => {
  await using context = new Context();
  const publisher = new Publisher({ context });
  await publisher.bind("inproc://topics");
  const subscriber = new Subscriber({ context });
  subscriber.connect("inproc://topics");
  const topic = Buffer.from("news");
  subscriber.subscribe(topic);
  topic.set(text.encode("xxxx"));
  const heard = await sendUntilReceived(
    () => publisher.send("news: hello"),
    subscriber.receive(timeout()),
  );
  assertEquals(decode(heard[0]), "news: hello");

  const radio = new Radio();
  await radio.bind("tcp://127.0.0.1:0");
  const dish = new Dish();
  const group = text.encode("news");
  dish.join(group);
  group.set(text.encode("xxxx"));
  dish.connect(radio.lastEndpoint!);
  const got = await sendUntilReceived(
    () => radio.send("hello", { group: "news" }),
    dish.receive(timeout()),
  );
  assertEquals([got.group, decode(got[0])], ["news", "hello"]);

  const keys = curveKeyPair();
  const secret = Buffer.from(z85Decode(keys.secretKey));
  // Over tcp: inproc runs no mechanism.
  const server = new Reply({ curveServer: true, curveSecretKey: secret });
  secret.fill(0);
  await server.bind("tcp://127.0.0.1:0");
  const client = new Request({ curveServerKey: keys.publicKey });
  client.connect(server.lastEndpoint!);
  await client.send("ping");
  await server.receive(timeout());
  await server.send("pong");
  assertEquals(decode((await client.receive(timeout()))[0]), "pong");
  for (const socket of [publisher, subscriber, radio, dish, server, client]) {
    socket.linger = 0;
    await socket.close();
  }
});
