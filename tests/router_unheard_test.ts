/**
 * A ROUTER's unheard peers (a newcomer whose routing id is in use without
 * handover, a handed-over old holder) against libzmq's: backpressure, seen
 * to leave, and each link of an anonymous connect a new pipe.
 */
import { assert, assertEquals } from "@std/assert";
import { codec, Dealer, Router } from "../mod.ts";
import { coreOf } from "../patterns/_core.ts";
import { decode, timeout, until } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("ROUTER: the unheard peer of a routing id in use is read no more (backpressure, as libzmq), the other is served", async (t) => {
  await using peer = new LibzmqPeer();
  for (const handover of [true, false]) {
    await t.step(`routerHandover ${handover}`, async () => {
      // Small queues: an anonymous peer's pipe takes its high-water mark.
      const router = new Router({
        routerHandover: handover,
        receiveHighWaterMark: 10,
      });
      await router.bind("tcp://127.0.0.1:0");
      const small = { routingId: "worker", sendHighWaterMark: 10 };
      const first = await peer.open("Dealer", small);
      await first.connect(router.lastEndpoint!);
      await first.send(["from first"]);
      await router.receive(timeout());
      const second = await peer.open("Dealer", small);
      await second.connect(router.lastEndpoint!);
      await until(
        () => [...coreOf(router).pipes].filter((p) => p.ready).length === 2,
        "both peers connected",
      );
      const [heard, unheard] = handover ? [second, first] : [first, second];
      // Read and dropped, it never blocked (2,000 went); paused, libzmq's
      // sends stop once its queue and the kernel's buffers are full.
      const flood = await unheard.sendUntilBlocked(65536, 2000, 500);
      assert(flood.blocked, `${flood.sent} sent without blocking`);
      await heard.send(["heard"]);
      assertEquals((await router.receive(timeout())).map(decode), [
        "worker",
        "heard",
      ]);
      await router.send(["worker", "to the heard one"], timeout());
      assertEquals((await heard.receive()).map(decode), ["to the heard one"]);
      assert(!router.readable);
      // What was read before reading paused is counted, never delivered.
      const summary = await router.close();
      assert(summary.unread > 0, `unread ${summary.unread}`);
      await first.close();
      await second.close();
    });
  }
});

Deno.test("ROUTER: anonymous peers (their routing id in use) that send and hang up are seen to leave, as libzmq's (their links were kept open)", async () => {
  await using peer = new LibzmqPeer();
  await using router = new Router();
  await router.bind("tcp://127.0.0.1:0");
  const first = await peer.open("Dealer", { routingId: "client" });
  await first.connect(router.lastEndpoint!);
  await first.send(["hello"]);
  await router.receive(timeout());
  for (let i = 0; i < 5; i++) {
    const retry = await peer.open("Dealer", { routingId: "client" });
    await retry.connect(router.lastEndpoint!);
    await retry.send(["retry"]);
    await router.events.wait("handshake-succeeded", timeout().signal);
    await retry.close();
  }
  await until(() => coreOf(router).links.size === 1, "the retries gone");
  assert(!router.readable);
  await first.close();
});

Deno.test("ROUTER: a connect left anonymous reads afresh on each link, as libzmq's new pipe for each (what an earlier link left unread filled its queue, then it never saw a hang-up)", async () => {
  await using peer = new LibzmqPeer();
  await using router = new Router({
    receiveHighWaterMark: 4,
    reconnectInterval: 20,
    reconnectIntervalMax: 20,
  });
  await router.bind("tcp://127.0.0.1:0");
  const holder = await peer.open("Dealer", { routingId: "x" });
  await holder.connect(router.lastEndpoint!);
  await holder.send(["hi"]);
  await router.receive(timeout());
  const free = new Router();
  await free.bind("tcp://127.0.0.1:0");
  const endpoint = free.lastEndpoint!;
  await free.close();
  router.connect(endpoint);
  for (let round = 0; round < 3; round++) {
    // Each round a new peer with the id in use: anonymous, it sends three
    // and leaves; the ROUTER must see it leave to dial the next one.
    const rival = await peer.open("Dealer", { routingId: "x" });
    await rival.bind(endpoint);
    await router.events.wait("handshake-succeeded", timeout().signal);
    for (let i = 0; i < 3; i++) await rival.send([`m${i}`]);
    await rival.close();
    await router.events.wait("disconnected", timeout().signal);
  }
  assert(!router.readable);
  await holder.close();
});

Deno.test("ROUTER: what an immediate connect's peer sent while heard stays readable under its id, and its next link, anonymous, is never delivered with it", async () => {
  await using peer = new LibzmqPeer();
  await using router = new Router({
    immediate: true,
    reconnectInterval: 20,
    reconnectIntervalMax: 20,
  });
  await router.bind("tcp://127.0.0.1:0");
  const bound = router.lastEndpoint!;
  const free = new Router();
  await free.bind("tcp://127.0.0.1:0");
  const endpoint = free.lastEndpoint!;
  await free.close();
  const first = await peer.open("Dealer", { routingId: "x" });
  await first.bind(endpoint);
  router.connect(endpoint);
  await router.events.wait("handshake-succeeded", timeout().signal);
  for (const body of ["m1", "m2", "m3"]) await first.send([body]);
  const core = coreOf(router);
  const held = () =>
    [...core.pipes].reduce((n, pipe) => n + pipe.inbound.length, 0) +
    core.withheld + core.departed.unread();
  await until(() => held() === 3, "the three unread");
  await first.close();
  await router.events.wait("disconnected", timeout().signal);
  // Another takes the id, so the connect's next link is anonymous.
  const holder = await peer.open("Dealer", { routingId: "x" });
  await holder.connect(bound);
  await router.events.wait("handshake-succeeded", timeout().signal);
  const second = await peer.open("Dealer", { routingId: "x" });
  await second.bind(endpoint);
  await router.events.wait("handshake-succeeded", timeout().signal);
  await second.send(["from the anonymous link"]);
  // (Counted kept or withheld: withheld counts what was withheld.)
  await until(() => held() === 4, "the anonymous one read");
  await second.close();
  await router.events.wait("disconnected", timeout().signal);
  const read: string[] = [];
  while (router.readable) {
    read.push((await router.receive()).map(decode).join("|"));
  }
  assertEquals(read, ["x|m1", "x|m2", "x|m3"]);
  await holder.close();
});

Deno.test("ROUTER: an anonymous link reads on, and sees its peer leave, though what its pipe holds from while heard fills the queue", async () => {
  await using router = new Router({
    immediate: true,
    reconnectInterval: 20,
    reconnectIntervalMax: 20,
    receiveHighWaterMark: 3,
  });
  await router.bind("tcp://127.0.0.1:0");
  const bound = router.lastEndpoint!;
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  router.connect(`tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  const text = new TextEncoder();
  const asX = async (raw: Deno.Conn) => {
    const fake = new codec.Connection({
      socketType: "DEALER",
      routingId: text.encode("x"),
    });
    for (const chunk of fake.takeOutput()) await raw.write(chunk);
    const buffer = new Uint8Array(4096);
    while (fake.state !== "ready") {
      fake.receive(buffer.slice(0, (await raw.read(buffer))!));
    }
  };
  const message = (body: string) =>
    new Uint8Array([0, body.length, ...text.encode(body)]);
  // The first link, heard as x, fills the queue, then asks for a 500 ms
  // TTL and goes quiet: paused, its end comes from that TTL.
  const first = await listener.accept();
  await asX(first);
  await router.events.wait("handshake-succeeded", timeout().signal);
  const ping = new Uint8Array([4, 7, 4, ...text.encode("PING"), 0, 5]);
  await first.write(new Uint8Array([...message("m0"), ...message("m1")]));
  await first.write(new Uint8Array([...ping, ...message("m2")]));
  await router.events.wait("disconnected", timeout().signal);
  first.close();
  await using holder = new Dealer({ routingId: "x" });
  holder.connect(bound);
  await router.events.wait("handshake-succeeded", timeout().signal);
  // The next link announces x too: anonymous. It sends and hangs up.
  const second = await listener.accept();
  await asX(second);
  await second.write(message("anon"));
  second.close();
  await router.events.wait("disconnected", timeout().signal);
  const read: string[] = [];
  while (router.readable) {
    read.push((await router.receive()).map(decode).join("|"));
  }
  assertEquals(read, ["x|m0", "x|m1", "x|m2"]);
});
