/**
 * proxy() steered through a control socket, as `zmq_proxy_steerable`'s:
 * by a libzmq REQ (we bind / libzmq binds), by a PAIR, and from another
 * isolate over inproc.
 */
import { assertEquals, assertRejects } from "@std/assert";
import {
  Context,
  Pair,
  proxy,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  ZmqError,
} from "../../mod.ts";
import { decode, timeout } from "../_helpers.ts";
import { LibzmqPeer } from "../_libzmq_peer.ts";
import { TestWorker } from "../workers/_test_worker.ts";

/** STATISTICS's eight frames, each a little-endian uint64, as numbers. */
function counts(frames: Uint8Array[]): number[] {
  return frames.map((frame) => {
    assertEquals(frame.length, 8);
    return Number(
      new DataView(frame.buffer, frame.byteOffset).getBigUint64(0, true),
    );
  });
}

/** Asks a PAIR's proxy for STATISTICS: its answer also says the commands before it were taken. */
async function statistics(driver: Pair): Promise<number[]> {
  await driver.send("STATISTICS", timeout());
  return counts(await driver.receive(timeout()));
}

/** A PULL → PUSH streamer over inproc, with its source and sink. */
async function streamer(context: Context, name: string) {
  const frontend = new Pull({ context });
  await frontend.bind(`inproc://${name}-in`);
  const backend = new Push({ context });
  await backend.bind(`inproc://${name}-out`);
  const source = new Push({ context });
  source.connect(`inproc://${name}-in`);
  const sink = new Pull({ context });
  sink.connect(`inproc://${name}-out`);
  return { frontend, backend, source, sink };
}

Deno.test("proxy: a REP control socket takes PAUSE, RESUME, STATISTICS and TERMINATE from a libzmq REQ, as zmq_proxy_steerable's", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    await t.step(weBind ? "we bind" : "libzmq binds", async () => {
      await using context = new Context();
      const { frontend, backend, source, sink } = await streamer(
        context,
        `rep-${weBind}`,
      );
      const steering = new Reply({ context });
      const request = await peer.open("Request");
      if (weBind) {
        await steering.bind("tcp://127.0.0.1:0");
        await request.connect(steering.lastEndpoint!);
      } else {
        steering.connect(await request.bind("tcp://127.0.0.1:*"));
      }
      const ask = async (command: string) => {
        await request.send([command]);
        return await request.receive();
      };
      const running = proxy(frontend, backend, { control: steering });
      await source.send(["one", "22"]);
      assertEquals((await sink.receive(timeout())).map(decode), ["one", "22"]);
      // Each frame counted, as libzmq 4.3.5: 2 frames, 5 bytes, each way.
      assertEquals(counts(await ask("STATISTICS")), [2, 5, 0, 0, 0, 0, 2, 5]);
      assertEquals((await ask("PAUSE")).map(decode), [""]);
      await source.send("held");
      assertEquals((await ask("RESUME")).map(decode), [""]);
      assertEquals((await sink.receive(timeout())).map(decode), ["held"]);
      assertEquals((await ask("PAUSE")).map(decode), [""]);
      await source.send("kept");
      // Unknown: answered all the same, as a REP must.
      assertEquals((await ask("HELLO")).map(decode), [""]);
      assertEquals((await ask("TERMINATE")).map(decode), [""]);
      await running;
      // Paused, it took nothing: the message waits in the frontend.
      assertEquals((await frontend.receive(timeout())).map(decode), ["kept"]);
      await request.close();
    });
  }
});

Deno.test("proxy: a PAIR control socket answers STATISTICS only; paused, the proxy takes nothing, and TERMINATE leaves what waits in the frontend", async () => {
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context, "pair");
  const steering = new Pair({ context });
  await steering.bind("inproc://pair-control");
  const driver = new Pair({ context });
  driver.connect("inproc://pair-control");
  const running = proxy(frontend, backend, { control: steering });
  await driver.send("PAUSE", timeout());
  // Answered after the PAUSE before it: nothing else came back.
  assertEquals(await statistics(driver), [0, 0, 0, 0, 0, 0, 0, 0]);
  await source.send("held");
  await driver.send("RESUME", timeout());
  assertEquals(decode((await sink.receive(timeout()))[0]), "held");
  assertEquals(await statistics(driver), [1, 4, 0, 0, 0, 0, 1, 4]);
  await driver.send("PAUSE", timeout());
  // Its answer says the PAUSE before it was taken.
  assertEquals(await statistics(driver), [1, 4, 0, 0, 0, 0, 1, 4]);
  await source.send("kept");
  await driver.send("TERMINATE", timeout());
  await running;
  assertEquals(decode((await frontend.receive(timeout()))[0]), "kept");
});

Deno.test("proxy: closing its PAIR control socket stops it", async () => {
  await using context = new Context();
  const { frontend, backend } = await streamer(context, "pair-close");
  const steering = new Pair({ context });
  const running = proxy(frontend, backend, { control: steering });
  await steering.close();
  await running;
});

Deno.test("proxy: a SUB control socket takes commands from libzmq, as libzmq 4.3.4's example steers it; STATISTICS, which it cannot answer, is passed over", async () => {
  await using peer = new LibzmqPeer();
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context, "sub");
  const steering = new Subscriber({ context });
  steering.subscribe("");
  // An XPUB: its subscription coming back says what it sends gets through.
  const publisher = await peer.open("XPublisher");
  steering.connect(await publisher.bind("tcp://127.0.0.1:*"));
  const running = proxy(frontend, backend, { control: steering });
  assertEquals([...(await publisher.receive())[0]], [1]);
  await publisher.send(["STATISTICS"]);
  await source.send("one");
  assertEquals(decode((await sink.receive(timeout()))[0]), "one");
  await publisher.send(["TERMINATE"]);
  await running;
  await source.send("after");
  assertEquals(decode((await frontend.receive(timeout()))[0]), "after");
  await publisher.close();
});

Deno.test("proxy: a REP control socket that owes a reply fails it (EFSM), and it stops forwarding", async () => {
  await using context = new Context();
  const { frontend, backend, source, sink } = await streamer(context, "efsm");
  const steering = new Reply({ context });
  await steering.bind("inproc://efsm-control");
  const request = new Request({ context });
  request.connect("inproc://efsm-control");
  await request.send("a request the app takes itself", timeout());
  await steering.receive(timeout());
  const error = await assertRejects(
    () => proxy(frontend, backend, { control: steering }),
    ZmqError,
  );
  assertEquals(error.code, "EFSM");
  // Stopped: what comes now stays in the frontend.
  await source.send("after");
  assertEquals(decode((await frontend.receive(timeout()))[0]), "after");
  assertEquals(
    await sink.receive({ signal: AbortSignal.timeout(0) }).catch(() => "none"),
    "none",
  );
});

Deno.test("proxy: a control socket that cannot take a one-frame command (a ROUTER) is ENOTSUP, before anything is taken", async () => {
  await using context = new Context();
  const { frontend, backend } = await streamer(context, "enotsup");
  const error = await assertRejects(
    () => proxy(frontend, backend, { control: new Router({ context }) }),
    ZmqError,
  );
  assertEquals(error.code, "ENOTSUP");
});

Deno.test("proxy: in a Worker, steered from the main isolate through a PAIR over the shared context's inproc", async () => {
  const context = new Context();
  const worker = new TestWorker();
  try {
    await worker.start(context, "proxy", "inproc://steered", true);
    const source = new Push({ context });
    source.connect("inproc://steered/in");
    const sink = new Pull({ context });
    sink.connect("inproc://steered/out");
    const driver = new Pair({ context });
    driver.connect("inproc://steered/control");
    await source.send("one");
    assertEquals(decode((await sink.receive(timeout()))[0]), "one");
    await driver.send("PAUSE", timeout());
    assertEquals(await statistics(driver), [1, 3, 0, 0, 0, 0, 1, 3]);
    await source.send("held");
    await driver.send("RESUME", timeout());
    assertEquals(decode((await sink.receive(timeout()))[0]), "held");
    await driver.send("PAUSE", timeout());
    assertEquals(await statistics(driver), [2, 7, 0, 0, 0, 0, 2, 7]);
    await source.send("kept");
    await driver.send("TERMINATE", timeout());
    // Paused, it took nothing: the message waited in the Worker's frontend.
    const { message } = await worker.next("proxied");
    assertEquals(message?.map(decode), ["kept"]);
  } finally {
    await worker.stop();
    await context.close();
  }
});
