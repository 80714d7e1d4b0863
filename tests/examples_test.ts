/**
 * The examples stand in for their C twins: ours against libzmq peers, with
 * the C originals' printed lines; the edge publisher runs with
 * --allow-net=127.0.0.1 and nothing else.
 */
import { assert, assertEquals } from "@std/assert";
import { Subscriber, version } from "../mod.ts";
import { helloClient } from "../examples/hwclient.ts";
import { helloServer } from "../examples/hwserver.ts";
import { worker } from "../examples/taskwork.ts";
import { sink } from "../examples/tasksink.ts";
import { ventilator } from "../examples/taskvent.ts";
import { weatherServer } from "../examples/wuserver.ts";
import { versionLine } from "../examples/version.ts";
import { weatherClient } from "../examples/wuclient.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { sendUntilReceived } from "./_helpers.ts";
import { messageQueue } from "../examples/msgqueue.ts";
import { brokerClient } from "../examples/rrclient.ts";
import { brokerWorker } from "../examples/rrworker.ts";
import { weatherProxy } from "../examples/wuproxy.ts";

Deno.test("examples against libzmq", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "version.ts prints the C original's line with our version",
    async () => {
      const config = JSON.parse(
        await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
      );
      assertEquals(version, config.version);
      assertEquals(versionLine(), `Current 0MQ version is ${version}`);
    },
  );

  await t.step("hwclient.ts against a libzmq REP", async () => {
    const rep = await peer.open("Reply");
    const endpoint = await rep.bind("tcp://127.0.0.1:*");
    await rep.echo();
    const lines: string[] = [];
    await helloClient(endpoint, (line) => lines.push(line));
    const expected = ["Connecting to hello world server..."];
    for (let i = 0; i < 10; i++) {
      expected.push(`Sending Hello ${i}...`, `Received World ${i}`);
    }
    assertEquals(lines, expected);
    await rep.close();
  });

  await t.step("hwserver.ts against a libzmq REQ", async () => {
    const lines: string[] = [];
    const bound = Promise.withResolvers<string>();
    const server = helloServer({
      endpoint: "tcp://127.0.0.1:0",
      workMs: 1,
      requests: 3,
      onBound: bound.resolve,
      print: (line) => lines.push(line),
    });
    const req = await peer.open("Request");
    await req.connect(await bound.promise);
    for (let i = 0; i < 3; i++) {
      await req.send(["Hello"]);
      assertEquals(new TextDecoder().decode((await req.receive())[0]), "World");
    }
    await server;
    assertEquals(lines, ["Received Hello", "Received Hello", "Received Hello"]);
    await req.close();
  });

  await t.step("wuclient.ts against a libzmq PUB", async () => {
    const pub = await peer.open("Publisher");
    const endpoint = await pub.bind("tcp://127.0.0.1:*");
    const lines: string[] = [];
    let done = false;
    const client = weatherClient("10001 ", endpoint, (line) => lines.push(line))
      .finally(() => done = true);
    while (!done) {
      await pub.send(["20001 99 10"]); // another zip code: filtered out
      await pub.send(["10001 50 30"]);
    }
    assertEquals(await client, 50);
    assertEquals(lines, [
      "Collecting updates from weather server...",
      "Average temperature for zipcode '10001 ' was 50F",
    ]);
    await pub.close();
  });

  await t.step("wuserver.ts to a libzmq SUB", async () => {
    const stop = new AbortController();
    const bound = Promise.withResolvers<string>();
    const server = weatherServer({
      endpoint: "tcp://127.0.0.1:0",
      onBound: bound.resolve,
      signal: stop.signal,
    });
    const sub = await peer.open("Subscriber");
    await sub.subscribe("1");
    await sub.connect(await bound.promise);
    const [update] = await sub.receive();
    const fields = new TextDecoder().decode(update).split(" ");
    assertEquals(fields.length, 3);
    assert(/^1\d{4}$/.test(fields[0]), fields[0]);
    stop.abort();
    await server;
    await sub.close();
  });

  await t.step(
    "taskvent.ts and tasksink.ts with a libzmq worker's sockets",
    async () => {
      const bound = Promise.withResolvers<string>();
      const elapsed = sink({
        endpoint: "tcp://127.0.0.1:0",
        onBound: bound.resolve,
        write: () => {},
      });
      const sinkEndpoint = await bound.promise;
      const tasks = await peer.open("Pull");
      const results = await peer.open("Push");
      await results.connect(sinkEndpoint);
      const ventEndpoint = Promise.withResolvers<string>();
      const expected = ventilator({
        endpoint: "tcp://127.0.0.1:0",
        sinkEndpoint,
        print: () => {},
        async workersReady(sender) {
          ventEndpoint.resolve(sender.lastEndpoint!);
          await sender.events.wait("handshake-succeeded");
        },
      });
      await tasks.connect(await ventEndpoint.promise);
      let total = 0;
      for (let i = 0; i < 100; i++) {
        const [workload] = await tasks.receive();
        const ms = Number(new TextDecoder().decode(workload));
        assert(ms >= 1 && ms <= 100);
        total += ms;
        await results.send([""]);
      }
      assertEquals(await expected, total);
      assert((await elapsed) >= 0);
      await tasks.close();
      await results.close();
    },
  );

  await t.step(
    "taskwork.ts between a libzmq ventilator and a libzmq sink",
    async () => {
      const vent = await peer.open("Push");
      const ventEndpoint = await vent.bind("tcp://127.0.0.1:*");
      const sink = await peer.open("Pull");
      const sinkEndpoint = await sink.bind("tcp://127.0.0.1:*");
      const stop = new AbortController();
      let progress = "";
      const running = worker({
        ventilator: ventEndpoint,
        sink: sinkEndpoint,
        signal: stop.signal,
        write: (text) => progress += text,
      });
      for (const workload of ["3", "1", "2"]) await vent.send([workload]);
      for (let i = 0; i < 3; i++) {
        assertEquals(await sink.receive(), [
          new Uint8Array(),
        ]);
      }
      assertEquals(progress, "3.1.2.");
      stop.abort();
      await running;
      await vent.close();
      await sink.close();
    },
  );
});

Deno.test("chapter 2 brokers and proxies with libzmq clients and services", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "msgqueue.ts between rrclient.ts / a libzmq REQ and rrworker.ts / a libzmq REP",
    async () => {
      // A broker of its own for each half: one that still held the libzmq
      // worker's pipe, its hang-up not read yet, could hand it the second
      // half's request, lost with it (as libzmq's DEALER would).
      const startBroker = async () => {
        const stop = new AbortController();
        const bound = Promise.withResolvers<[string, string]>();
        const running = messageQueue({
          frontend: "tcp://127.0.0.1:0",
          backend: "tcp://127.0.0.1:0",
          onBound: (frontend, backend) => bound.resolve([frontend, backend]),
          signal: stop.signal,
        });
        const [frontend, backend] = await bound.promise;
        const stopBroker = async () => {
          stop.abort();
          await running;
        };
        return { frontend, backend, stopBroker };
      };
      // Our client, a libzmq worker (it echoes, so the reply is "Hello").
      const first = await startBroker();
      const libzmqWorker = await peer.open("Reply");
      await libzmqWorker.connect(first.backend);
      await libzmqWorker.echo();
      const lines: string[] = [];
      await brokerClient(first.frontend, (line) => lines.push(line));
      assertEquals(
        lines,
        Array.from({ length: 10 }, (_, i) => `Received reply ${i} [Hello]`),
      );
      await libzmqWorker.close();
      await first.stopBroker();
      // A libzmq client, our worker.
      const { frontend, backend, stopBroker } = await startBroker();
      const stopWorker = new AbortController();
      const workerLines: string[] = [];
      const running = brokerWorker({
        endpoint: backend,
        workMs: 1,
        signal: stopWorker.signal,
        print: (line) => workerLines.push(line),
      });
      const client = await peer.open("Request");
      await client.connect(frontend);
      await client.send(["Hello"]);
      assertEquals(await client.receive(), [new TextEncoder().encode("World")]);
      assertEquals(workerLines, ["Received request: [Hello]"]);
      stopWorker.abort();
      await running;
      await client.close();
      await stopBroker();
    },
  );

  await t.step("wuproxy.ts between a libzmq PUB and a libzmq SUB", async () => {
    const pub = await peer.open("Publisher");
    const stop = new AbortController();
    const bound = Promise.withResolvers<string>();
    const running = weatherProxy({
      frontend: await pub.bind("tcp://127.0.0.1:*"),
      backend: "tcp://127.0.0.1:0",
      onBound: bound.resolve,
      signal: stop.signal,
    });
    const sub = await peer.open("Subscriber");
    await sub.subscribe("10001 ");
    await sub.connect(await bound.promise);
    const update = await sendUntilReceived(async () => {
      await pub.send(["10001 72 40"]);
      await sub.touch();
    }, sub.receive());
    assertEquals(new TextDecoder().decode(update[0]), "10001 72 40");
    stop.abort();
    await running;
    await sub.close();
    await pub.close();
  });
});

Deno.test("edge_publisher.ts runs with --allow-net=127.0.0.1 only", async () => {
  await using subscriber = new Subscriber();
  subscriber.subscribe("tick");
  await subscriber.bind("tcp://127.0.0.1:0");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      new URL("../examples/edge_publisher.ts", import.meta.url).pathname,
      subscriber.lastEndpoint!,
      "20",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [topic, tick] = await subscriber.receive({
    signal: AbortSignal.timeout(20_000),
  });
  assertEquals(new TextDecoder().decode(topic), "tick");
  assert(Number(new TextDecoder().decode(tick)) >= 0);
  const { code, stderr } = await child.output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
});
