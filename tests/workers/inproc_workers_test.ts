/**
 * `inproc://` across isolates: sockets in the main isolate and in a Web
 * Worker share one context's names (`Context.share`).
 */
import {
  assertEquals,
  assertGreaterOrEqual,
  assertLessOrEqual,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { PORT_CREDIT_MESSAGES } from "../../transport/_port_credit.ts";
import {
  Context,
  Dealer,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  type SharedContext,
  Subscriber,
  ZmqError,
} from "../../mod.ts";
import { coreOf } from "../../patterns/_core.ts";
import { within } from "../_fakes.ts";
import { until } from "../_helpers.ts";
import { TestWorker } from "./_test_worker.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

const MESSAGES = [
  [bytes("one")],
  [bytes("multi"), new Uint8Array(0), bytes("part")],
  [new Uint8Array(0)],
  [new Uint8Array(300).fill(7)],
  [new Uint8Array(1024 * 1024).fill(9)],
];

for (const workerBinds of [false, true]) {
  const order = workerBinds ? "the Worker binds" : "the main isolate binds";
  Deno.test(`inproc across a Worker: PUSH here, PULL there, ${order}`, async () => {
    const context = new Context();
    const worker = new TestWorker();
    const push = new Push({ context });
    try {
      if (!workerBinds) await push.bind("inproc://work");
      await worker.start(context, "pull", "inproc://work", workerBinds);
      if (workerBinds) push.connect("inproc://work");
      for (const message of MESSAGES) await push.send(message);
      for (const message of MESSAGES) {
        const got = await worker.next("message");
        assertEquals(got.message, message);
      }
    } finally {
      await worker.stop();
      await context.close();
    }
  });

  Deno.test(`inproc across a Worker: REQ here, REP there, ${order}`, async () => {
    const context = new Context();
    const worker = new TestWorker();
    const request = new Request({ context });
    try {
      if (!workerBinds) await request.bind("inproc://echo");
      await worker.start(context, "rep", "inproc://echo", workerBinds);
      if (workerBinds) request.connect("inproc://echo");
      for (const message of MESSAGES) {
        await request.send(message);
        assertEquals(await within(request.receive(), "the reply"), message);
      }
    } finally {
      await worker.stop();
      await context.close();
    }
  });
}

Deno.test("inproc across a Worker: PUSH there, PULL here", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://up");
    await worker.start(context, "push", "inproc://up", false);
    for (const message of MESSAGES) worker.post({ op: "send", message });
    for (const message of MESSAGES) {
      assertEquals(await within(pull.receive(), "a message"), message);
    }
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a name bound in one isolate cannot be bound in another", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const reply = new Reply({ context });
  try {
    await worker.start(context, "rep", "inproc://taken", true);
    const error = await assertRejects(
      () => reply.bind("inproc://taken"),
      ZmqError,
    );
    assertEquals(error.code, "EADDRINUSE");
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a terminated Worker ends its peers' pipes", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://from-worker");
    await worker.start(context, "push", "inproc://from-worker", false);
    worker.post({ op: "send", message: [bytes("last words")] });
    assertEquals(await within(pull.receive(), "a message"), [
      bytes("last words"),
    ]);
    const disconnected = pull.events.wait(
      "disconnected",
      AbortSignal.timeout(5000),
    );
    worker.terminate();
    await disconnected;
  } finally {
    await context.close();
  }
});

Deno.test("inproc across Workers: when the Worker holding the register of names ends, links made go on and binds and connects across isolates fail with ETERM", async () => {
  const host = new TestWorker();
  await host.next("loaded");
  host.post({ op: "host" });
  const { shared } = await host.next("hosted") as unknown as {
    shared: SharedContext;
  };
  const context = new Context({ shared });
  const other = new TestWorker();
  const push = new Push({ context });
  const dialer = new Push({ context });
  const late = new Pull({ context });
  try {
    await other.start(context, "pull", "inproc://kept", true);
    push.connect("inproc://kept");
    await push.send("before");
    assertEquals((await other.next("message")).message, [bytes("before")]);
    dialer.connect("inproc://nobody");
    const retried = dialer.events.wait(
      "connect-retried",
      AbortSignal.timeout(5000),
    );
    host.terminate();
    await retried;
    const error = await assertRejects(
      () => late.bind("inproc://after"),
      ZmqError,
    );
    assertEquals(error.code, "ETERM");
    assertEquals(assertThrows(() => context.share(), ZmqError).code, "ETERM");
    await push.send("after");
    assertEquals((await other.next("message")).message, [bytes("after")]);
  } finally {
    await other.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a name bound in a terminated Worker is free again", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const reply = new Reply({ context });
  try {
    await worker.start(context, "rep", "inproc://freed", true);
    worker.terminate();
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await reply.bind("inproc://freed");
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        // The hub learns of the Worker's end from its lock: wait for it.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    await context.close();
  }
});

Deno.test("inproc across a Worker: sends block at the high-water marks plus the credit in transit, and lose nothing", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({
    context,
    sendHighWaterMark: 5,
    // Long enough for the Worker's first credit to come back on a loaded
    // machine: until it does, the batches in flight stop the sends short
    // of the message credit.
    sendTimeout: 2000,
  });
  try {
    await push.bind("inproc://held");
    await worker.start(context, "hold", "inproc://held", false);
    let sent = 0;
    for (;;) {
      const frame = new Uint8Array(4);
      new DataView(frame.buffer).setUint32(0, sent);
      try {
        await push.send([frame]);
      } catch (error) {
        if (!(error instanceof ZmqError) || error.code !== "EAGAIN") {
          throw error;
        }
        break;
      }
      sent++;
      if (sent > 5 + PORT_CREDIT_MESSAGES + 5) {
        throw new Error("sends never blocked");
      }
    }
    // Our 5, the Worker's 5, and what the link lets be in transit between:
    // PORT_CREDIT_MESSAGES messages, the bound that stops these small ones.
    assertLessOrEqual(sent, 5 + PORT_CREDIT_MESSAGES + 5);
    assertGreaterOrEqual(sent, PORT_CREDIT_MESSAGES);
    worker.post({ op: "read", count: sent });
    const { count } = await worker.next("read");
    assertEquals(count, sent, "every message, in order");
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: its sends to us block at the high-water marks plus the credit in transit, and lose nothing (the other way)", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context, receiveHighWaterMark: 5 });
  try {
    await pull.bind("inproc://flooded");
    await worker.start(context, "flood", "inproc://flooded", false);
    worker.post({ op: "flood" });
    const { count: sent } = await worker.next("flooded");
    assertLessOrEqual(sent!, 5 + PORT_CREDIT_MESSAGES + 5);
    assertGreaterOrEqual(sent!, PORT_CREDIT_MESSAGES);
    for (let i = 0; i < sent!; i++) {
      const [frame] = await pull.receive();
      assertEquals(
        new DataView(frame.buffer, frame.byteOffset).getUint32(0),
        i,
      );
    }
    assertEquals(pull.readable, false);
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("inproc between two Workers, the main isolate only sharing the context", async () => {
  const context = new Context();
  const pulling = new TestWorker();
  const pushing = new TestWorker();
  try {
    await pushing.start(context, "push", "inproc://sideways", false);
    await pulling.start(context, "pull", "inproc://sideways", true);
    for (const message of MESSAGES) pushing.post({ op: "send", message });
    for (const message of MESSAGES) {
      assertEquals((await pulling.next("message")).message, message);
    }
  } finally {
    await pushing.stop();
    await pulling.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a Worker whose context closes ends our pipe after its last messages", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://closing");
    await worker.start(context, "push", "inproc://closing", false);
    for (const message of MESSAGES) worker.post({ op: "send", message });
    const disconnected = pull.events.wait(
      "disconnected",
      AbortSignal.timeout(5000),
    );
    await worker.stop();
    await disconnected;
    // What it sent before it closed (within its linger) is here to read.
    for (const message of MESSAGES) {
      assertEquals(await within(pull.receive(), "a message"), message);
    }
  } finally {
    await context.close();
  }
});

Deno.test("inproc across a Worker: a Worker that closes in the middle of a stream: every message sent was read there, left unread there, or is dropped here", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({ context, linger: 0 });
  try {
    await worker.start(context, "pull", "inproc://midstream", true);
    push.connect("inproc://midstream");
    const disconnected = push.events.wait(
      "disconnected",
      AbortSignal.timeout(10_000),
    );
    let sent = 0;
    let stopping = false;
    const frame = new Uint8Array(100);
    const sending = (async () => {
      while (!stopping) {
        try {
          await push.send(frame);
        } catch {
          return; // the close fails a send still waiting: never sent
        }
        sent++;
      }
    })();
    await until(() => worker.waiting("message") >= 1000, "a stream");
    // Closed while batches cross to it: those are in no count of its own.
    worker.post({ op: "stop" });
    const { count, unread } = await worker.next("closed");
    await disconnected;
    stopping = true;
    const { dropped } = await push.close();
    await sending;
    const read = worker.waiting("message");
    assertEquals(read + unread! + count! + dropped, sent);
  } finally {
    worker.terminate();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a Worker's context closing ends its connect to a name no isolate bound, and drops what it queued, linger -1 and all (libzmq's context end)", async () => {
  const context = new Context();
  const worker = new TestWorker();
  try {
    await worker.start(context, "stray", "inproc://nobody", false);
    worker.post({ op: "send", message: [bytes("never read")] });
    worker.post({ op: "stop" });
    assertEquals((await worker.next("closed")).count, 1);
  } finally {
    worker.terminate();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a peer that leaves while our socket is full gets nothing more: our sends go to the peer that stays, and what it sent is read", async () => {
  const context = new Context();
  const [leaving, staying] = [new TestWorker(), new TestWorker()];
  const dealer = new Dealer({ context, receiveHighWaterMark: 2 });
  try {
    await dealer.bind("inproc://leaving");
    await staying.start(context, "dealer", "inproc://leaving", false);
    await leaving.start(context, "dealer", "inproc://leaving", false);
    const sent = Array.from({ length: 10 }, (_, i) => [bytes(`from A ${i}`)]);
    for (const message of sent) leaving.post({ op: "send", message });
    // Its messages wait for our full socket; then it leaves.
    await until(() => dealer.readable, "the leaving peer's messages");
    const disconnected = dealer.events.wait(
      "disconnected",
      AbortSignal.timeout(5000),
    );
    await leaving.stop();
    await disconnected;
    for (let i = 0; i < 10; i++) {
      await within(dealer.send(`to B ${i}`), "a send");
    }
    for (let i = 0; i < 10; i++) {
      const { message } = await staying.next("message");
      assertEquals(message, [bytes(`to B ${i}`)]);
    }
    // What the peer that left sent is still ours to read, in order.
    for (const message of sent) {
      assertEquals(await within(dealer.receive(), "a message"), message);
    }
  } finally {
    await staying.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a Worker that crashes ends our pipe", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://crashing");
    await worker.start(context, "push", "inproc://crashing", false);
    worker.post({ op: "send", message: [bytes("before")] });
    assertEquals(await within(pull.receive(), "a message"), [
      bytes("before"),
    ]);
    const disconnected = pull.events.wait(
      "disconnected",
      AbortSignal.timeout(5000),
    );
    worker.post({ op: "crash" });
    await worker.next("error");
    await disconnected;
  } finally {
    worker.terminate();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a connect made before the context was shared reaches a name the Worker binds", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    pull.connect("inproc://early");
    await worker.start(context, "push", "inproc://early", true);
    worker.post({ op: "send", message: [bytes("found")] });
    assertEquals(await within(pull.receive(), "a message"), [bytes("found")]);
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("inproc across a Worker: a bind still in flight when the context is shared is claimed for the Worker too", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await worker.next("loaded");
    const bound = pull.bind("inproc://racing");
    const shared = context.share();
    worker.post({
      op: "start",
      shared,
      role: "push",
      endpoint: "inproc://racing",
      bind: false,
    }, [shared.port]);
    await worker.next("ready");
    await bound;
    worker.post({ op: "send", message: [bytes("claimed")] });
    assertEquals(await within(pull.receive(), "a message"), [
      bytes("claimed"),
    ]);
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("a closed context shares nothing (ETERM), and leaves no hub behind", async () => {
  const context = new Context();
  await context.close();
  const error = assertThrows(() => context.share(), ZmqError);
  assertEquals(error.code, "ETERM");
});

Deno.test("inproc across a Worker: close() counts as unread what waits in the link for a full socket", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context, receiveHighWaterMark: 5 });
  try {
    await pull.bind("inproc://unread");
    await worker.start(context, "push", "inproc://unread", false);
    for (let i = 0; i < 50; i++) {
      worker.post({ op: "send", message: [bytes(`m${i}`)] });
    }
    // 5 in the socket's queue, the rest held by its link.
    const held = () =>
      [...coreOf(pull).links.keys()].reduce(
        (sum, link) => sum + (link.unread ?? 0),
        0,
      );
    await until(() => held() >= 45, "45 messages held", 10_000);
    assertEquals(await pull.close(), { dropped: 0, unread: 50 });
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("inproc in a shared context: a connect made before a bind in its own isolate links directly, by reference, within the high-water marks", async () => {
  const context = new Context();
  const shared = context.share(); // for a Worker that has not joined yet
  const push = new Push({ context, sendHighWaterMark: 5, linger: 0 });
  const pull = new Pull({ context, receiveHighWaterMark: 5 });
  try {
    push.connect("inproc://here");
    await pull.bind("inproc://here");
    const frame = new Uint8Array(64 * 1024);
    await push.send(frame, { transfer: true });
    const [received] = await within(pull.receive(), "the message");
    // Not through a port: not given up, and the very buffer.
    assertEquals((frame.buffer as ArrayBuffer).detached, false);
    assertEquals(received.buffer, frame.buffer);
    // And the high-water marks hold as in one isolate: 5 + 5, no credit.
    push.sendTimeout = 0;
    let sent = 0;
    while (sent <= 10) {
      const error = await push.send("x").then(() => undefined, (e) => e);
      if (error) {
        assertEquals(error.code, "EAGAIN");
        break;
      }
      sent++;
    }
    assertEquals(sent, 10);
  } finally {
    shared.port.close();
    await context.close();
  }
});

Deno.test("a shared handle joins one context: a second is EINVAL, and the first goes on", async () => {
  const context = new Context();
  const shared = context.share();
  const joined = new Context({ shared });
  const error = assertThrows(() => new Context({ shared }), ZmqError);
  assertEquals(error.code, "EINVAL");
  const pull = new Pull({ context: joined });
  const push = new Push({ context });
  try {
    await within(pull.bind("inproc://joined-once"), "the bind");
    push.connect("inproc://joined-once");
    await push.send("across");
    assertEquals(await within(pull.receive(), "the message"), [
      bytes("across"),
    ]);
  } finally {
    await joined.close();
    await context.close();
  }
});

Deno.test("inproc between two Workers: a context closed at once after sharing still joins them", async () => {
  const context = new Context();
  const pulling = new TestWorker();
  const pushing = new TestWorker();
  const forPull = context.share();
  const forPush = context.share();
  const closing = context.close();
  try {
    await pulling.startWith(forPull, "pull", "inproc://after-close", true);
    await pushing.startWith(forPush, "push", "inproc://after-close", false);
    pushing.post({ op: "send", message: [bytes("still")] });
    assertEquals((await pulling.next("message")).message, [bytes("still")]);
  } finally {
    await pushing.stop();
    await pulling.stop();
    await closing;
  }
});

/** How a Deno program with these arguments exits (killed after 30 s). */
async function exitCode(args: string[]): Promise<number> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("../..", import.meta.url),
    stdout: "null",
    stderr: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  return code;
}

Deno.test("a handle shared and never joined does not keep the process alive", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = await exitCode([
    "eval",
    `import { Context } from "${mod}";
     const context = new Context();
     context.share(); // for a Worker that crashed before it joined
     await context.close();`,
  ]);
  assertEquals(code, 0);
});

Deno.test("a context that joined a hub ended before it answered still lets the process exit", async () => {
  assertEquals(await exitCode(["run", "-A", "tests/workers/_orphan.ts"]), 0);
});

Deno.test("inproc between two contexts sharing a handle (a MessagePort link, as across Workers): sent = unread + dropped when the PULL closes with batches in transit; a PUB drops what crossed to a SUB that left uncounted, as at its HWM", async () => {
  const a = new Context();
  const b = new Context({ shared: a.share() });
  try {
    const push = new Push({ context: a, linger: 0 });
    const pull = new Pull({ context: b });
    await pull.bind("inproc://transit");
    push.connect("inproc://transit");
    await push.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
    for (let i = 0; i < 500; i++) await push.send("m");
    const [link] = coreOf(push).links.keys();
    await link.whenFlushed();
    const { unread } = await pull.close();
    await push.events.wait("disconnected", AbortSignal.timeout(5000));
    const { dropped } = await push.close();
    assertEquals(unread + dropped, 500);

    const pub = new Publisher({ context: a, linger: 0 });
    const sub = new Subscriber({ context: b });
    sub.subscribe("");
    await pub.bind("inproc://fan");
    sub.connect("inproc://fan");
    await pub.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
    for (let i = 0; i < 500; i++) await pub.send("m");
    await [...coreOf(pub).links.keys()][0].whenFlushed();
    await sub.close();
    await pub.events.wait("disconnected", AbortSignal.timeout(5000));
    assertEquals((await pub.close()).dropped, 0);
  } finally {
    await b.close();
    await a.close();
  }
});
