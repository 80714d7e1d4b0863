/**
 * The Paranoid Pirate examples (ppqueue.ts, ppworker.ts, with lpclient.ts
 * as the client) against libzmq peers speaking the Paranoid Pirate
 * Protocol, and together: heartbeats, a silent worker forgotten, a worker
 * that dies holding a request, a queue that dies and comes back.
 */
import { assert, assertEquals } from "@std/assert";
import { lazyClient } from "../examples/lpclient.ts";
import {
  paranoidQueue,
  type ParanoidQueueOptions,
  PPP_HEARTBEAT,
  PPP_READY,
} from "../examples/ppqueue.ts";
import {
  paranoidWorker,
  type ParanoidWorkerOptions,
} from "../examples/ppworker.ts";
import { decode, freePort } from "./_helpers.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";

const READY = new Uint8Array([PPP_READY]);
const HEARTBEAT = new Uint8Array([PPP_HEARTBEAT]);

/** A heartbeat as a worker ([HEARTBEAT]) or a queue ([id][HEARTBEAT]) gets it. */
function isHeartbeat(message: Uint8Array[]): boolean {
  const last = message[message.length - 1];
  return message.length <= 2 && last.length === 1 && last[0] === PPP_HEARTBEAT;
}

/**
 * The next message that is not a heartbeat; each heartbeat on the way is
 * sent back, as a live Paranoid Pirate peer does.
 */
async function receiveWork(socket: LibzmqSocket): Promise<Uint8Array[]> {
  while (true) {
    const message = await socket.receive();
    if (!isHeartbeat(message)) return message;
    await socket.send(message);
  }
}

/** The next message, or `undefined` if none comes within `ms`. */
async function receiveWithin(
  socket: LibzmqSocket,
  ms: number,
): Promise<Uint8Array[] | undefined> {
  try {
    return await socket.receive(ms);
  } catch (error) {
    if (String(error).includes("receive failed")) return undefined;
    throw error;
  }
}

/** A queue running on loopback tcp. */
interface RunningQueue {
  /** Its frontend and backend endpoints, once both are bound. */
  bound: Promise<[string, string]>;
  /** Stops the queue and waits until it has finished. */
  stop(): Promise<void>;
}

/** Starts the queue on loopback tcp. */
function startQueue(
  options: Pick<ParanoidQueueOptions, "heartbeatIntervalMs" | "print"> = {},
): RunningQueue {
  const bound = Promise.withResolvers<[string, string]>();
  const abort = new AbortController();
  const running = paranoidQueue({
    frontend: "tcp://127.0.0.1:0",
    backend: "tcp://127.0.0.1:0",
    onBound: (frontend, backend) => bound.resolve([frontend, backend]),
    signal: abort.signal,
    ...options,
  });
  return {
    bound: bound.promise,
    stop: () => {
      abort.abort();
      return running;
    },
  };
}

/** A ppworker.ts running, with what it prints. */
interface RunningWorker {
  /** Each line it has printed so far. */
  lines: string[];
  /** Stops the worker and waits until it has returned. */
  stop(): Promise<void>;
}

/** Starts ppworker.ts, collecting the lines it prints. */
function startWorker(
  options: Omit<ParanoidWorkerOptions, "signal" | "print">,
): RunningWorker {
  const abort = new AbortController();
  const lines: string[] = [];
  const running = paranoidWorker({
    ...options,
    signal: abort.signal,
    print: (line) => lines.push(line),
  });
  return {
    lines,
    stop: () => {
      abort.abort();
      return running;
    },
  };
}

Deno.test("ppqueue.ts with libzmq DEALER workers and REQ clients", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "routes requests to a READY worker and replies to their client; reports a bad signal and keeps serving",
    async () => {
      const lines: string[] = [];
      const queue = startQueue({ print: (line) => lines.push(line) });
      const [frontend, backend] = await queue.bound;
      const worker = await peer.open("Dealer", { routingId: "W1" });
      await worker.connect(backend);
      await worker.send([new Uint8Array([3])]); // neither READY nor HEARTBEAT
      await worker.send([READY]);
      const client = await peer.open("Request", { routingId: "C1" });
      await client.connect(frontend);
      for (const body of ["Hello", "", "x".repeat(300)]) {
        await client.send([body]);
        const request = await receiveWork(worker);
        assertEquals(request.map(decode), ["C1", "", body]);
        await worker.send(request);
        assertEquals((await client.receive()).map(decode), [body]);
      }
      assertEquals(lines, [
        "E: invalid message from worker",
        "-".repeat(40),
        "[001] 03",
      ]);
      await queue.stop();
      await client.close();
      await worker.close();
    },
  );

  await t.step(
    "heartbeats an idle worker, and keeps it while it heartbeats back",
    async () => {
      const queue = startQueue({ heartbeatIntervalMs: 100 });
      const [frontend, backend] = await queue.bound;
      const worker = await peer.open("Dealer");
      await worker.connect(backend);
      await worker.send([READY]);
      // Six heartbeats: twice as long as the three that would expire it.
      for (let n = 0; n < 6; n++) {
        assertEquals(await worker.receive(), [HEARTBEAT]);
        await worker.send([HEARTBEAT]);
      }
      const client = await peer.open("Request");
      await client.connect(frontend);
      await client.send(["still there?"]);
      const request = await receiveWork(worker);
      assertEquals(decode(request[request.length - 1]), "still there?");
      await worker.send(request);
      assertEquals((await client.receive()).map(decode), ["still there?"]);
      await queue.stop();
      await client.close();
      await worker.close();
    },
  );

  await t.step(
    "forgets a worker silent for three heartbeats; the request goes to the next one ready",
    async () => {
      const queue = startQueue({ heartbeatIntervalMs: 100 });
      const [frontend, backend] = await queue.bound;
      const silent = await peer.open("Dealer", { routingId: "silent" });
      await silent.connect(backend);
      await silent.send([READY]);
      // It hears heartbeats until the queue gives up on it, then nothing.
      let heartbeats = 0;
      for (let message; (message = await receiveWithin(silent, 800));) {
        assertEquals(message, [HEARTBEAT]);
        heartbeats++;
      }
      assert(heartbeats >= 1 && heartbeats <= 4, `${heartbeats} heartbeats`);
      const client = await peer.open("Request", { routingId: "C1" });
      await client.connect(frontend);
      await client.send(["for a live worker"]);
      const live = await peer.open("Dealer", { routingId: "live" });
      await live.connect(backend);
      await live.send([READY]);
      const request = await receiveWork(live);
      assertEquals(request.map(decode), ["C1", "", "for a live worker"]);
      await live.send(request);
      assertEquals((await client.receive()).map(decode), ["for a live worker"]);
      await queue.stop();
      for (const socket of [client, silent, live]) await socket.close();
    },
  );

  await t.step(
    "lpclient.ts retries when its worker dies holding the request; another answers",
    async () => {
      const queue = startQueue();
      const [frontend, backend] = await queue.bound;
      const doomed = await peer.open("Dealer");
      await doomed.connect(backend);
      await doomed.send([READY]);
      const lines: string[] = [];
      const client = lazyClient({
        endpoint: frontend,
        timeoutMs: 300,
        requests: 2,
        print: (line) => lines.push(line),
      });
      const request = await receiveWork(doomed);
      assertEquals(decode(request[request.length - 1]), "1");
      await doomed.close(); // dies without replying
      const survivor = await peer.open("Dealer");
      await survivor.connect(backend);
      await survivor.send([READY]);
      await survivor.echo(); // replies, and answers heartbeats with theirs
      assertEquals(await client, 2);
      assert(lines.includes("W: no response from server, retrying..."));
      assertEquals(lines.slice(-2), [
        "I: server replied OK (1)",
        "I: server replied OK (2)",
      ]);
      await queue.stop();
      await survivor.close();
    },
  );
});

Deno.test("ppworker.ts with a libzmq ROUTER as its queue", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "says READY, echoes requests, and heartbeats a queue that heartbeats back",
    async () => {
      const queue = await peer.open("Router");
      const worker = startWorker({
        endpoint: await queue.bind("tcp://127.0.0.1:*"),
        heartbeatIntervalMs: 200,
        workMs: 1,
        random: () => 0.99, // no simulated problems
      });
      const [identity, ready] = await queue.receive();
      assertEquals(ready, READY);
      for (const body of ["Hello", "", "x".repeat(300)]) {
        await queue.send([identity, "client", "", body]);
        assertEquals(
          (await receiveWork(queue)).map(decode),
          [decode(identity), "client", "", body],
        );
      }
      for (let n = 0; n < 3; n++) {
        const heartbeat = await queue.receive();
        assertEquals(heartbeat, [identity, HEARTBEAT]);
        await queue.send(heartbeat);
      }
      await worker.stop();
      assertEquals(worker.lines[0], "I: worker ready");
      assertEquals(
        worker.lines.filter((line) => line !== "I: worker heartbeat"),
        ["I: worker ready", ...Array(3).fill("I: normal reply")],
      );
      assert(worker.lines.includes("I: worker heartbeat"));
      await queue.close();
    },
  );

  await t.step(
    "a silent queue: heartbeat failure, then READY from a fresh socket, waiting twice as long each time",
    async () => {
      const queue = await peer.open("Router");
      const worker = startWorker({
        endpoint: await queue.bind("tcp://127.0.0.1:*"),
        heartbeatIntervalMs: 100,
        reconnectMs: 20,
        reconnectMaxMs: 40,
        workMs: 1,
      });
      const identities = new Set<string>();
      while (identities.size < 4) {
        const [identity, signal] = await queue.receive();
        if (signal[0] === PPP_READY) identities.add(identity.join());
        else assertEquals(signal, HEARTBEAT);
      }
      await worker.stop();
      assertEquals(
        worker.lines.filter((line) => line.startsWith("W:")),
        ["20", "40", "40"].flatMap((ms) => [
          "W: heartbeat failure, can't reach queue",
          `W: reconnecting in ${ms} msec...`,
        ]),
      );
      await queue.close();
    },
  );

  await t.step(
    "a queue that dies: the worker says READY to the one that takes its port",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const first = await peer.open("Router");
      await first.bind(endpoint);
      const worker = startWorker({
        endpoint,
        heartbeatIntervalMs: 100,
        reconnectMs: 20,
        workMs: 1,
        random: () => 0.99,
      });
      assertEquals((await first.receive())[1], READY);
      await first.close();
      const second = await peer.open("Router");
      await second.bind(endpoint);
      // The old socket may reconnect and heartbeat first; READY comes from
      // the fresh one once the silence has lasted three heartbeats.
      let identity: Uint8Array;
      while (true) {
        const [sender, signal] = await second.receive();
        if (signal[0] === PPP_READY) {
          identity = sender;
          break;
        }
      }
      await second.send([identity, "client", "", "after the restart"]);
      assertEquals(
        (await receiveWork(second)).map(decode),
        [decode(identity), "client", "", "after the restart"],
      );
      await worker.stop();
      assert(worker.lines.includes("W: heartbeat failure, can't reach queue"));
      await second.close();
    },
  );

  await t.step("simulates a crash at the fourth request", async () => {
    const queue = await peer.open("Router");
    const lines: string[] = [];
    const worker = paranoidWorker({
      endpoint: await queue.bind("tcp://127.0.0.1:*"),
      workMs: 1,
      random: () => 0, // the crash comes as soon as it may
      print: (line) => lines.push(line),
    });
    const [identity] = await queue.receive();
    for (let n = 1; n <= 3; n++) {
      await queue.send([identity, "client", "", String(n)]);
      assertEquals(
        (await receiveWork(queue)).map(decode).at(-1),
        String(n),
      );
    }
    await queue.send([identity, "client", "", "4"]);
    await worker;
    assertEquals(
      lines.filter((line) => line !== "I: worker heartbeat"),
      [
        "I: worker ready",
        ...Array(3).fill("I: normal reply"),
        "I: simulating a crash",
      ],
    );
    await queue.close();
  });
});

Deno.test("lpclient.ts through ppqueue.ts to two ppworker.ts, one of which crashes", async () => {
  const queue = startQueue({ heartbeatIntervalMs: 100 });
  const [frontend, backend] = await queue.bound;
  const stopWorkers = new AbortController();
  const crashing: string[] = [];
  const steady: string[] = [];
  const common = {
    endpoint: backend,
    heartbeatIntervalMs: 100,
    workMs: 1,
    signal: stopWorkers.signal,
  };
  const workers = [
    paranoidWorker({
      ...common,
      random: () => 0,
      print: (line) => crashing.push(line),
    }),
    paranoidWorker({
      ...common,
      random: () => 0.99,
      print: (line) => steady.push(line),
    }),
  ];
  const lines: string[] = [];
  const answered = await lazyClient({
    endpoint: frontend,
    timeoutMs: 500,
    requests: 10,
    print: (line) => lines.push(line),
  });
  assertEquals(answered, 10);
  assert(crashing.includes("I: simulating a crash"));
  assert(lines.includes("W: no response from server, retrying..."));
  assertEquals(lines.at(-1), "I: server replied OK (10)");
  stopWorkers.abort();
  await Promise.all([queue.stop(), ...workers]);
  assert(!steady.some((line) => line.startsWith("W:")));
});
