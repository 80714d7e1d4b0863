/**
 * The chapter-2 examples against libzmq peers, with the C originals'
 * printed lines.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { multipleSocketReader } from "../examples/msreader.ts";
import { multipleSocketPoller } from "../examples/mspoller.ts";
import { requestReplyBroker } from "../examples/rrbroker.ts";
import { killableWorker } from "../examples/taskwork2.ts";
import { killingSink } from "../examples/tasksink2.ts";
import { multithreadedServer } from "../examples/mtserver.ts";
import { relay } from "../examples/mtrelay.ts";
import { syncPublisher } from "../examples/syncpub.ts";
import { syncSubscriber } from "../examples/syncsub.ts";
import { envelopePublisher } from "../examples/psenvpub.ts";
import { envelopeSubscriber } from "../examples/psenvsub.ts";
import { identityCheck } from "../examples/identity.ts";
import { routerToDealer } from "../examples/rtdealer.ts";
import { routerToRequest } from "../examples/rtreq.ts";
import { deadline } from "@std/async/deadline";
import { decode, sendUntilReceived, until } from "./_helpers.ts";
import { Publisher, Push } from "../mod.ts";
import { coreOf } from "../patterns/_core.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("msreader.ts and mspoller.ts read a libzmq ventilator and weather server", async (t) => {
  await using peer = new LibzmqPeer();
  for (
    const [name, reader] of [
      ["msreader.ts", multipleSocketReader],
      ["mspoller.ts", multipleSocketPoller],
    ] as const
  ) {
    await t.step(name, async () => {
      const ventilator = await peer.open("Push");
      const weather = await peer.open("Publisher");
      const stop = new AbortController();
      const tasks: string[] = [];
      const updates: string[] = [];
      const gotUpdate = Promise.withResolvers<void>();
      const gotTasks = Promise.withResolvers<void>();
      const running = reader({
        ventilator: await ventilator.bind("tcp://127.0.0.1:*"),
        weather: await weather.bind("tcp://127.0.0.1:*"),
        onTask: ([task]) => {
          if (tasks.push(decode(task)) === 3) gotTasks.resolve();
        },
        onUpdate: ([update]) => {
          updates.push(decode(update));
          gotUpdate.resolve();
        },
        signal: stop.signal,
      });
      for (const n of [1, 2, 3]) await ventilator.send([`${n}`]);
      await sendUntilReceived(async () => {
        await weather.send(["10001 72 40"]);
        await weather.send(["10002 99 99"]);
      }, gotUpdate.promise);
      await deadline(gotTasks.promise, 5000);
      stop.abort();
      await running;
      assertEquals(tasks, ["1", "2", "3"]);
      assert(updates.every((update) => update === "10001 72 40"));
      await ventilator.close();
      await weather.close();
    });
  }
});

Deno.test("rrbroker.ts between a libzmq REQ and a libzmq REP", async () => {
  await using peer = new LibzmqPeer();
  const stop = new AbortController();
  const bound = Promise.withResolvers<[string, string]>();
  const broker = requestReplyBroker({
    frontend: "tcp://127.0.0.1:0",
    backend: "tcp://127.0.0.1:0",
    onBound: (frontend, backend) => bound.resolve([frontend, backend]),
    signal: stop.signal,
  });
  const [frontend, backend] = await bound.promise;
  const worker = await peer.open("Reply");
  await worker.connect(backend);
  await worker.echo();
  const client = await peer.open("Request");
  await client.connect(frontend);
  for (const request of ["Hello", "", "x".repeat(300)]) {
    await client.send([request, "second frame"]);
    assertEquals((await client.receive()).map(decode), [
      request,
      "second frame",
    ]);
  }
  stop.abort();
  await broker;
  await client.close();
  await worker.close();
});

Deno.test("taskwork2.ts and tasksink2.ts: the KILL signal with libzmq", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "taskwork2.ts works for libzmq and exits on its KILL",
    async () => {
      const ventilator = await peer.open("Push");
      const sink = await peer.open("Pull");
      const controller = await peer.open("Publisher");
      let output = "";
      const running = killableWorker({
        ventilator: await ventilator.bind("tcp://127.0.0.1:*"),
        sink: await sink.bind("tcp://127.0.0.1:*"),
        controller: await controller.bind("tcp://127.0.0.1:*"),
        write: (text) => output += text,
      });
      for (const workload of ["1", "2", "3"]) await ventilator.send([workload]);
      for (let i = 0; i < 3; i++) {
        assertEquals(
          (await sink.receive()).length,
          1,
        );
      }
      assertEquals(output, "1.2.3.");
      await sendUntilReceived(() => controller.send(["KILL"]), running);
      await ventilator.close();
      await sink.close();
      await controller.close();
    },
  );
  await t.step(
    "tasksink2.ts collects from libzmq and KILLs a libzmq worker",
    async () => {
      const bound = Promise.withResolvers<[string, string]>();
      let controllerEndpoint = "";
      let output = "";
      const running = killingSink({
        endpoint: "tcp://127.0.0.1:0",
        controller: "tcp://127.0.0.1:0",
        onControllerBound: (endpoint) => controllerEndpoint = endpoint,
        onBound: (endpoint) => bound.resolve([endpoint, controllerEndpoint]),
        write: (text) => output += text,
      });
      const [results, control] = await bound.promise;
      const killSwitch = await peer.open("Subscriber");
      await killSwitch.subscribe("");
      await killSwitch.connect(control);
      const worker = await peer.open("Push");
      await worker.connect(results);
      await worker.send(["0"]); // The start of the batch
      await worker.sendSequence("", 100);
      await running;
      assertMatch(
        output,
        /^:\.{9}(:\.{9}){9}Total elapsed time: \d+ msec\n$/,
      );
      assertEquals((await killSwitch.receive()).map(decode), ["KILL"]);
      await worker.close();
      await killSwitch.close();
    },
  );
});

Deno.test("mtserver.ts serves libzmq REQs, four at once, from inproc workers in Web Workers", async () => {
  await using peer = new LibzmqPeer();
  const stop = new AbortController();
  const bound = Promise.withResolvers<string>();
  const lines: string[] = [];
  const running = multithreadedServer({
    endpoint: "tcp://127.0.0.1:0",
    onBound: bound.resolve,
    workMs: 1,
    threads: 2,
    signal: stop.signal,
    print: (line) => lines.push(line),
  });
  const endpoint = await bound.promise;
  const clients = await Promise.all(
    Array.from({ length: 4 }, () => peer.open("Request")),
  );
  await Promise.all(clients.map((client) => client.connect(endpoint)));
  await Promise.all(clients.map(async (client) => {
    for (let i = 0; i < 3; i++) {
      await client.send(["Hello"]);
      // The first waits for a Worker to start (`deno test` type-checks its
      // module then).
      const reply = await client.receive(i === 0 ? 60_000 : 5000);
      assertEquals(reply.map(decode), ["World"]);
    }
  }));
  assertEquals(lines, Array(12).fill("Received request: [Hello]"));
  stop.abort();
  await running;
  await Promise.all(clients.map((client) => client.close()));
});

Deno.test("mtrelay.ts: three steps in three threads (the main one and two nested Web Workers) signal in turn", async () => {
  const lines: string[] = [];
  await relay((line) => lines.push(line));
  assertEquals(lines, [
    "Step 1 ready, signaling step 2",
    "Step 2 ready, signaling step 3",
    "Test successful!",
  ]);
});

Deno.test("syncpub.ts and syncsub.ts with libzmq on the other side", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step(
    "syncpub.ts waits for a libzmq subscriber and ours, then broadcasts",
    async () => {
      const bound = Promise.withResolvers<[string, string]>();
      const lines: string[] = [];
      const publishing = syncPublisher({
        publish: "tcp://127.0.0.1:0",
        sync: "tcp://127.0.0.1:0",
        onBound: (publish, sync) => bound.resolve([publish, sync]),
        subscribers: 2,
        updates: 1000,
        print: (line) => lines.push(line),
      });
      const [publish, sync] = await bound.promise;
      const subscribing = syncSubscriber({ publish, sync, print: () => {} });
      const subscriber = await peer.open("Subscriber");
      await subscriber.subscribe("");
      await subscriber.connect(publish);
      const syncClient = await peer.open("Request");
      await syncClient.connect(sync);
      await syncClient.send([""]);
      await syncClient.receive();
      let count = 0;
      while (decode((await subscriber.receive())[0]) !== "END") count++;
      assertEquals(count, 1000);
      assertEquals(await subscribing, 1000);
      await publishing;
      assertEquals(lines, ["Waiting for subscribers", "Broadcasting messages"]);
      await subscriber.close();
      await syncClient.close();
    },
  );
  await t.step(
    "syncsub.ts against a libzmq publisher and sync service",
    async () => {
      const publisher = await peer.open("Publisher", { sendHighWaterMark: 0 });
      const syncService = await peer.open("Reply");
      const lines: string[] = [];
      const subscribing = syncSubscriber({
        publish: await publisher.bind("tcp://127.0.0.1:*"),
        sync: await syncService.bind("tcp://127.0.0.1:*"),
        print: (line) => lines.push(line),
      });
      await syncService.receive();
      await syncService.send([""]);
      await publisher.sendSequence("Rhubarb ", 1000);
      await publisher.send(["END"]);
      assertEquals(await subscribing, 1000);
      assertEquals(lines, ["Received 1000 updates"]);
      await publisher.close();
      await syncService.close();
    },
  );
});

Deno.test("psenvpub.ts and psenvsub.ts: envelopes to and from libzmq", async (t) => {
  await using peer = new LibzmqPeer();
  await t.step("a libzmq SUB on B gets only B's two frames", async () => {
    const stop = new AbortController();
    const bound = Promise.withResolvers<string>();
    const publishing = envelopePublisher({
      endpoint: "tcp://127.0.0.1:0",
      onBound: bound.resolve,
      intervalMs: 10,
      signal: stop.signal,
    });
    const subscriber = await peer.open("Subscriber");
    await subscriber.subscribe("B");
    await subscriber.connect(await bound.promise);
    for (let i = 0; i < 2; i++) {
      assertEquals((await subscriber.receive()).map(decode), [
        "B",
        "We would like to see this",
      ]);
    }
    stop.abort();
    await publishing;
    await subscriber.close();
  });
  await t.step(
    "psenvsub.ts prints B's messages from a libzmq PUB",
    async () => {
      const publisher = await peer.open("Publisher");
      const lines: string[] = [];
      const subscribing = envelopeSubscriber({
        endpoint: await publisher.bind("tcp://127.0.0.1:*"),
        count: 2,
        print: (line) => lines.push(line),
      });
      await sendUntilReceived(async () => {
        await publisher.send(["A", "We don't want to see this"]);
        await publisher.send(["B", "We would like to see this"]);
      }, subscribing);
      assertEquals(lines, Array(2).fill("[B] We would like to see this"));
      await publisher.close();
    },
  );
});

Deno.test("identity.ts prints what the ROUTER sees, as the C original", async () => {
  const lines: string[] = [];
  await identityCheck((line) => lines.push(line));
  assertEquals(lines.length, 8);
  assertEquals(lines[0], "-".repeat(40));
  assertMatch(lines[1], /^\[005\] 00[0-9A-F]{8}$/);
  assertEquals(lines.slice(2), [
    "[000] ",
    "[039] ROUTER uses a generated 5 byte identity",
    "-".repeat(40),
    "[005] PEER2",
    "[000] ",
    "[040] ROUTER socket uses REQ's socket identity",
  ]);
});

for (
  const [file, run, type] of [
    ["rtdealer.ts", routerToDealer, "Dealer"],
    ["rtreq.ts", routerToRequest, "Request"],
  ] as const
) {
  Deno.test(`${file} hands out work to its workers and a libzmq ${type}, then fires them`, async () => {
    await using peer = new LibzmqPeer();
    const bound = Promise.withResolvers<string>();
    const lines: string[] = [];
    const running = run({
      endpoint: "tcp://127.0.0.1:0",
      workers: 3,
      fire: 4,
      runMs: 200,
      maxWorkMs: 10,
      onBound: bound.resolve,
      print: (line) => lines.push(line),
    });
    const worker = await peer.open(type, { routingId: "LIBZMQ-1" });
    await worker.connect(await bound.promise);
    // A DEALER writes the delimiter a REQ adds, and reads it back.
    const envelope = type === "Dealer" ? [""] : [];
    let total = 0;
    while (true) {
      await worker.send([...envelope, "Hi Boss"]);
      const reply = (await worker.receive()).map(decode);
      assertEquals(reply.slice(0, envelope.length), envelope);
      const workload = reply.at(-1);
      if (workload === "Fired!") break;
      assertEquals(workload, "Work harder");
      total++;
    }
    const totals = await running;
    assert(total > 0);
    assertEquals(totals.length, 3);
    assertEquals(
      lines.toSorted(),
      totals.map((n) => `Completed: ${n} tasks`).toSorted(),
    );
    await worker.close();
  });
}

Deno.test("interrupt.ts: as interrupt.c, it says W: recv for a request, and Ctrl-C or SIGTERM ends the blocking receive and closes cleanly", async () => {
  await using peer = new LibzmqPeer();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "examples/interrupt.ts",
      "tcp://127.0.0.1:0",
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.getReader();
  let announced = "";
  while (!announced.includes("\n")) {
    const { value, done } = await stderr.read();
    if (done) throw new Error(`exited early: ${announced}`);
    announced += new TextDecoder().decode(value);
  }
  const endpoint = announced.match(/Listening on (\S+)/)![1];
  const client = await peer.open("Request");
  await client.connect(endpoint);
  await client.send(["Hello"]);
  // As the C one, it says it took the request and sends nothing back.
  const stdout = child.stdout.getReader();
  let printed = "";
  while (!printed.includes("W: recv\n")) {
    const { value, done } = await stdout.read();
    if (done) throw new Error(`stdout ended: ${printed}`);
    printed += new TextDecoder().decode(value);
  }
  child.kill("SIGTERM"); // as Ctrl-C: the guide's s_catch_signals takes both
  const [status] = await Promise.all([
    child.status,
    (async () => {
      for (let read; !(read = await stdout.read()).done;) {
        printed += new TextDecoder().decode(read.value);
      }
    })(),
    (async () => {
      while (!(await stderr.read()).done);
    })(),
  ]);
  assertEquals(
    printed,
    "W: recv\nW: interrupt received, killing server...\nW: cleaning up\n",
  );
  assertEquals(status.code, 0);
  await client.close();
});

Deno.test("msreader.ts run as a program reads each message and stops at SIGTERM (it spun without reading when nobody was told of them)", async () => {
  const ventilator = new Push();
  await ventilator.bind("tcp://127.0.0.1:0");
  const weather = new Publisher();
  await weather.bind("tcp://127.0.0.1:0");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "examples/msreader.ts",
      ventilator.lastEndpoint!,
      weather.lastEndpoint!,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await ventilator.send("task", { signal: AbortSignal.timeout(10_000) });
    // Written to the reader, which then spun on it without reading.
    const core = coreOf(ventilator);
    await until(
      () =>
        core.links.size > 0 &&
        [...core.pipes].every((pipe) => pipe.outbound.length === 0),
      "the task sent",
    );
    // Not a wait for an event: a window in which the reader gets the task
    // (a broken one then spins for good and never hears the SIGTERM).
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill("SIGTERM");
    const status = await deadline(child.status, 10_000);
    assertEquals(status.code, 0);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Gone already.
    }
    await child.status;
    await ventilator.close();
    await weather.close();
  }
});
