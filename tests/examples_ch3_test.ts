/**
 * The chapter-3 examples (the load-balancing broker, the asynchronous
 * client-server, the brokers' state flow) on their own and against libzmq peers, with the C
 * originals' behaviour and printed lines.
 */
import { assertEquals, assertMatch } from "@std/assert";
import { loadBalancingBroker } from "../examples/lbbroker.ts";
import { asyncClient, asyncServer } from "../examples/asyncsrv.ts";
import { peeringStateFlow } from "../examples/peering1.ts";
import { decode } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** Starts the broker on loopback tcp; resolves its endpoints. */
function startBroker(
  options: Parameters<typeof loadBalancingBroker>[0],
): { running: Promise<number>; bound: Promise<[string, string]> } {
  const bound = Promise.withResolvers<[string, string]>();
  const running = loadBalancingBroker({
    frontend: "tcp://127.0.0.1:0",
    backend: "tcp://127.0.0.1:0",
    onBound: (frontend, backend) => bound.resolve([frontend, backend]),
    ...options,
  });
  return { running, bound: bound.promise };
}

Deno.test("lbbroker.ts: ten clients, three workers, as the C original", async () => {
  const lines: string[] = [];
  const routed = await loadBalancingBroker({
    print: (line) => lines.push(line),
  });
  assertEquals(routed, 10);
  assertEquals(
    lines.toSorted(),
    [...Array(10).fill("Client: OK"), ...Array(10).fill("Worker: HELLO")],
  );
});

Deno.test("lbbroker.ts with libzmq REQ clients and libzmq REQ workers", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "requests wait for a READY worker, go to the one ready longest, and replies reach their client",
    async () => {
      const { running, bound } = startBroker({
        clients: 0,
        workers: 0,
        replies: 4,
      });
      const [frontend, backend] = await bound;
      const alice = await peer.open("Request", { routingId: "alice" });
      const bob = await peer.open("Request", { routingId: "bob" });
      const first = await peer.open("Request", { routingId: "W1" });
      const second = await peer.open("Request", { routingId: "W2" });
      for (const client of [alice, bob]) await client.connect(frontend);
      for (const worker of [first, second]) await worker.connect(backend);
      // No worker is ready: alice's request waits in the frontend.
      await alice.send(["one"]);
      await first.send(["READY"]);
      assertEquals((await first.receive()).map(decode), ["alice", "", "one"]);
      await second.send(["READY"]);
      await bob.send(["two"]);
      assertEquals((await second.receive()).map(decode), ["bob", "", "two"]);
      // W1 answers before W2, so W1 is the one ready longest afterwards.
      await first.send(["alice", "", "reply to one"]);
      assertEquals((await alice.receive()).map(decode), ["reply to one"]);
      await second.send(["bob", "", "reply to two"]);
      assertEquals((await bob.receive()).map(decode), ["reply to two"]);
      await bob.send([""]);
      assertEquals((await first.receive()).map(decode), ["bob", "", ""]);
      const long = "x".repeat(300);
      await alice.send([long]);
      assertEquals((await second.receive()).map(decode), ["alice", "", long]);
      await second.send(["alice", "", long]);
      await first.send(["bob", "", ""]);
      assertEquals((await alice.receive()).map(decode), [long]);
      assertEquals((await bob.receive()).map(decode), [""]);
      assertEquals(await running, 4);
      for (const socket of [alice, bob, first, second]) await socket.close();
    },
  );

  await t.step("its workers serve libzmq clients", async () => {
    const lines: string[] = [];
    const { running, bound } = startBroker({
      clients: 0,
      replies: 3,
      print: (line) => lines.push(line),
    });
    const [frontend] = await bound;
    const clients = [];
    for (let n = 0; n < 3; n++) {
      const client = await peer.open("Request");
      await client.connect(frontend);
      await client.send(["HELLO"]);
      clients.push(client);
    }
    for (const client of clients) {
      assertEquals((await client.receive()).map(decode), ["OK"]);
      await client.close();
    }
    assertEquals(await running, 3);
    assertEquals(lines, Array(3).fill("Worker: HELLO"));
  });

  await t.step(
    "its clients, with printable identities, reach a libzmq worker",
    async () => {
      const lines: string[] = [];
      const { running, bound } = startBroker({
        clients: 3,
        workers: 0,
        print: (line) => lines.push(line),
      });
      const [, backend] = await bound;
      const worker = await peer.open("Request");
      await worker.connect(backend);
      await worker.send(["READY"]);
      for (let n = 0; n < 3; n++) {
        const [client, empty, request] = (await worker.receive()).map(decode);
        assertMatch(client, /^[0-9A-F]{4}-[0-9A-F]{4}$/);
        assertEquals([empty, request], ["", "HELLO"]);
        await worker.send([client, "", "OK from libzmq"]);
      }
      assertEquals(await running, 3);
      assertEquals(lines, Array(3).fill("Client: OK from libzmq"));
      await worker.close();
    },
  );
});

Deno.test("asyncsrv.ts: three of its clients and its server, as main runs them", async () => {
  const stop = new AbortController();
  const bound = Promise.withResolvers<string>();
  const server = asyncServer({
    endpoint: "tcp://127.0.0.1:0",
    random: () => 0.5, // two replies to each request, after 3 ms
    maxPauseMs: 5,
    onBound: bound.resolve,
    signal: stop.signal,
  });
  const endpoint = await bound.promise;
  const lines: string[] = [];
  const allReplies = Promise.withResolvers<void>();
  const clients = ["0000-0001", "0000-0002", "0000-0003"].map((identity) =>
    asyncClient({
      endpoint,
      identity,
      intervalMs: 10,
      requests: 2,
      signal: stop.signal,
      print: (line) => {
        if (lines.push(line) === 12) allReplies.resolve();
      },
    })
  );
  await allReplies.promise;
  stop.abort();
  await Promise.all([server, ...clients]);
  for (const identity of ["0000-0001", "0000-0002", "0000-0003"]) {
    assertEquals(
      lines.filter((line) => line.startsWith(identity)).toSorted(),
      [1, 1, 2, 2].map((n) => `${identity}[010] request #${n}`),
    );
  }
});

Deno.test("asyncsrv.ts with libzmq on the other side", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "its server answers libzmq DEALER clients, each with its own replies",
    async () => {
      const stop = new AbortController();
      const bound = Promise.withResolvers<string>();
      const server = asyncServer({
        endpoint: "tcp://127.0.0.1:0",
        random: () => 0.5,
        maxPauseMs: 5,
        onBound: bound.resolve,
        signal: stop.signal,
      });
      const endpoint = await bound.promise;
      const clients = [];
      for (const name of ["A", "B", "C"]) {
        const socket = await peer.open("Dealer", { routingId: name });
        await socket.connect(endpoint);
        const requests = [`${name} #1`, "", `${name}${"x".repeat(300)}`];
        for (const request of requests) await socket.send([request]);
        clients.push({ socket, requests });
      }
      for (const { socket, requests } of clients) {
        const replies = [];
        for (let n = 0; n < 2 * requests.length; n++) {
          replies.push((await socket.receive()).map(decode));
        }
        assertEquals(
          replies.toSorted(),
          [...requests, ...requests].map((request) => [request]).toSorted(),
        );
        await socket.close();
      }
      stop.abort();
      await server;
    },
  );

  await t.step(
    "its client prints a libzmq ROUTER's replies as zframe_print does",
    async () => {
      const server = await peer.open("Router");
      const stop = new AbortController();
      const lines: string[] = [];
      const printed = Promise.withResolvers<void>();
      const client = asyncClient({
        endpoint: await server.bind("tcp://127.0.0.1:*"),
        identity: "ABCD-0001",
        intervalMs: 10,
        requests: 2,
        signal: stop.signal,
        print: (line) => {
          if (lines.push(line) === 5) printed.resolve();
        },
      });
      const long = "y".repeat(300);
      const answers = [[long], ["", new Uint8Array([0, 1, 255])]];
      for (const [n, extra] of answers.entries()) {
        const [identity, request] = await server.receive();
        assertEquals(
          [decode(identity), decode(request)],
          ["ABCD-0001", `request #${n + 1}`],
        );
        for (const reply of [request, ...extra]) {
          await server.send([identity, reply]);
        }
      }
      await printed.promise;
      stop.abort();
      await client;
      assertEquals(lines, [
        "ABCD-0001[010] request #1",
        `ABCD-0001[300] ${long}`,
        "ABCD-0001[010] request #2",
        "ABCD-0001[000] ",
        "ABCD-0001[003] 0001FF",
      ]);
      await server.close();
    },
  );
});

Deno.test("peering1.ts: two brokers and a libzmq one hear each other's state over ipc", async () => {
  await using peer = new LibzmqPeer();
  const dir = await Deno.makeTempDir();
  const stateEndpoint = (name: string) => `ipc://${dir}/${name}-state.ipc`;
  const stop = new AbortController();
  const heard = { DC1: [] as string[], DC2: [] as string[] };
  const options = (name: "DC1" | "DC2") => ({
    stateEndpoint,
    heartbeatMs: 20,
    random: () => 0.42,
    print: (line: string) => heard[name].push(line),
    signal: stop.signal,
  });
  // libzmq's DC3 publishes first: the others connect to it as to any peer.
  const dc3 = await peer.open("Publisher");
  await dc3.bind(stateEndpoint("DC3"));
  const brokers = [
    peeringStateFlow("DC1", ["DC2", "DC3"], options("DC1")),
    peeringStateFlow("DC2", ["DC1"], options("DC2")),
  ];
  const listener = await peer.open("Subscriber");
  await listener.subscribe("");
  await listener.connect(stateEndpoint("DC1"));
  try {
    const deadline = Date.now() + 10_000;
    while (!heard.DC1.includes("DC3 - 7 workers free")) {
      if (Date.now() > deadline) throw new Error("DC1 never heard DC3");
      await dc3.send(["DC3", "7"]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assertEquals((await listener.receive()).map(decode), ["DC1", "4"]);
    for (const [who, line] of [["DC2", "DC1"], ["DC1", "DC2"]] as const) {
      while (!heard[who].includes(`${line} - 4 workers free`)) {
        if (Date.now() > deadline) {
          throw new Error(`${who} never heard ${line}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    assertEquals(heard.DC1.slice(0, 3), [
      "I: preparing broker at DC1...",
      "I: connecting to state backend at 'DC2'",
      "I: connecting to state backend at 'DC3'",
    ]);
  } finally {
    stop.abort();
    await Promise.all(brokers);
    await listener.close();
    await dc3.close();
    await Deno.remove(dir, { recursive: true });
  }
});
