/**
 * Majordomo (RFC 7 MDP/0.1, RFC 8 MMI): our broker with our client and
 * worker, and each of the three against libzmq peers that speak the
 * protocol's frames byte for byte, as the C originals do.
 */
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import { type Message, ZmqError } from "../mod.ts";
import {
  majordomoBroker,
  type MajordomoBrokerOptions,
} from "../examples/mdbroker.ts";
import { MajordomoClient } from "../examples/mdcliapi.ts";
import { MajordomoWorker } from "../examples/mdwrkapi.ts";
import { echoClient } from "../examples/mdclient.ts";
import { echoWorker } from "../examples/mdworker.ts";
import { LONG } from "./_draft_helpers.ts";
import { decode, timeout } from "./_helpers.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";

const encode = (value: string) => new TextEncoder().encode(value);
/** Frames from text and bytes, for byte-exact comparisons. */
const f = (...parts: (string | Uint8Array)[]) =>
  parts.map((part) => typeof part === "string" ? encode(part) : part);
const EMPTY = new Uint8Array(0);
const MDPC = encode("MDPC01");
const MDPW = encode("MDPW01");
const READY = Uint8Array.of(0x01);
const REQUEST = Uint8Array.of(0x02);
const REPLY = Uint8Array.of(0x03);
const HEARTBEAT = Uint8Array.of(0x04);
const DISCONNECT = Uint8Array.of(0x05);

/** Printed lines, and a way to wait for some. */
class Lines {
  readonly all: string[] = [];
  #printed = Promise.withResolvers<void>();

  print = (line: string): void => {
    this.all.push(line);
    this.#printed.resolve();
    this.#printed = Promise.withResolvers();
  };

  /** Waits (5 s at most) until `count` lines start with `prefix`. */
  async until(prefix: string, count = 1): Promise<void> {
    const end = Date.now() + 5000;
    while (this.all.filter((l) => l.startsWith(prefix)).length < count) {
      await deadline(this.#printed.promise, Math.max(0, end - Date.now()));
    }
  }
}

/** Our broker on a loopback port, verbose, stopped when disposed. */
async function startBroker(
  options: MajordomoBrokerOptions = {},
): Promise<{ endpoint: string; lines: Lines } & AsyncDisposable> {
  const stop = new AbortController();
  const lines = new Lines();
  const bound = Promise.withResolvers<string>();
  const running = majordomoBroker({
    endpoint: "tcp://127.0.0.1:0",
    verbose: true,
    print: lines.print,
    onBound: bound.resolve,
    signal: stop.signal,
    ...options,
  });
  const endpoint = await Promise.race([bound.promise, running.then(() => "")]);
  return {
    endpoint,
    lines,
    async [Symbol.asyncDispose]() {
      stop.abort();
      await running;
    },
  };
}

/** The next message a libzmq socket playing the broker gets, heartbeats skipped. */
async function nextCommand(router: LibzmqSocket): Promise<Message> {
  for (;;) {
    const message = await router.receive();
    const [, , , command] = message;
    if (!(message.length === 4 && command[0] === 0x04)) return message;
  }
}

Deno.test("Majordomo (RFC 7, RFC 8)", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "our client and worker through our broker: a queued request, bodies empty and long, mmi.service 200/404/501, DISCONNECT on close",
    async () => {
      await using broker = await startBroker({ heartbeatInterval: 250 });
      await using client = new MajordomoClient(broker.endpoint, {
        print: () => {},
      });
      const lookup = async (name: string) =>
        decode((await client.send("mmi.service", name, timeout()))[0]);
      assertEquals(await lookup("echo"), "404");

      // Queued for a service nobody offers yet, served once a worker comes.
      const early = client.send("echo", "early", timeout());
      const stop = new AbortController();
      const worker = new MajordomoWorker(broker.endpoint, "echo", {
        heartbeatInterval: 250,
        print: () => {},
      });
      const serving = worker.serve((request) => request, {
        signal: stop.signal,
      });
      assertEquals((await early).map(decode), ["early"]);
      assertEquals(await lookup("echo"), "200");
      assertEquals(await lookup("nobody"), "404");
      assertEquals(
        (await client.send("mmi.workers", "echo", timeout())).map(decode),
        ["501"],
      );
      for (const body of [[EMPTY], [encode("Hello world")], [LONG, EMPTY]]) {
        assertEquals(await client.send("echo", body, timeout()), body);
      }

      stop.abort();
      await serving;
      await worker.close();
      await broker.lines.until("I: received DISCONNECT from worker");
      assertEquals(await lookup("echo"), "404");
    },
  );

  await t.step(
    "a libzmq worker (DEALER) and libzmq clients (REQ, DEALER) through our broker, frame by frame",
    async () => {
      await using broker = await startBroker();
      const worker = await peer.open("Dealer", { routingId: "W1" });
      await worker.connect(broker.endpoint);
      await worker.send(["", MDPW, READY, "echo"]);
      await broker.lines.until("I: registering new worker: 5731");

      const req = await peer.open("Request");
      await req.connect(broker.endpoint);
      for (const body of [[encode("hello")], [EMPTY], [LONG, encode("x")]]) {
        await req.send([MDPC, "echo", ...body]);
        const request = await worker.receive();
        const [client] = request.slice(3);
        assertEquals(request, [EMPTY, MDPW, REQUEST, client, EMPTY, ...body]);
        assertEquals(client.length, 5); // the ROUTER's own id for a REQ
        await worker.send(["", MDPW, REPLY, client, "", "re:", ...body]);
        assertEquals(await req.receive(), f(MDPC, "echo", "re:", ...body));
      }

      const dealer = await peer.open("Dealer", { routingId: "C2" });
      await dealer.connect(broker.endpoint);
      await dealer.send(["", MDPC, "echo", "a", "b"]);
      assertEquals(
        (await worker.receive()).map(decode),
        ["", "MDPW01", "\x02", "C2", "", "a", "b"],
      );
      await worker.send(["", MDPW, REPLY, "C2", "", "ab"]);
      assertEquals(
        (await dealer.receive()).map(decode),
        ["", "MDPC01", "echo", "ab"],
      );

      await req.send([MDPC, "mmi.service", "echo"]);
      assertEquals(
        (await req.receive()).map(decode),
        ["MDPC01", "mmi.service", "200"],
      );
      await worker.send(["", MDPW, DISCONNECT]);
      await broker.lines.until("I: received DISCONNECT from worker 5731");
      await req.send([MDPC, "mmi.service", "echo"]);
      assertEquals(
        (await req.receive()).map(decode),
        ["MDPC01", "mmi.service", "404"],
      );
      await Promise.all([worker.close(), req.close(), dealer.close()]);
    },
  );

  await t.step(
    "our broker answers a worker's protocol errors with DISCONNECT, drops invalid messages, and keeps serving",
    async () => {
      await using broker = await startBroker();
      const worker = await peer.open("Dealer", { routingId: "W2" });
      await worker.connect(broker.endpoint);
      const disconnected = async () =>
        assertEquals(await worker.receive(), [EMPTY, MDPW, DISCONNECT]);

      await worker.send(["", MDPW, HEARTBEAT]); // before READY
      await disconnected();
      await worker.send(["", MDPW, READY, "mmi.echo"]); // the broker's namespace
      await disconnected();
      await worker.send(["", MDPW, REPLY, "C", "", "nobody asked"]);
      await disconnected();
      await worker.send(["", MDPW, READY, "echo"]);
      await worker.send(["", MDPW, READY, "echo"]); // a second READY
      await disconnected();
      await worker.send(["", MDPW, READY, "echo"]);
      await worker.send(["", MDPW, Uint8Array.of(0x09)]); // no such command
      await disconnected();

      await worker.send(["", "MDPX01", "junk"]); // neither client nor worker
      await broker.lines.until("E: invalid message from 5732");
      const bodiless = await peer.open("Dealer");
      await bodiless.connect(broker.endpoint);
      await bodiless.send(["", MDPC, "echo"]); // a request with no body
      await broker.lines.until("E: invalid message from", 2);
      await bodiless.close();
      const req = await peer.open("Request");
      await req.connect(broker.endpoint);

      await worker.send(["", MDPW, READY, "echo"]);
      await req.send([MDPC, "echo", "still serving"]);
      const [, , , client] = await worker.receive();
      await worker.send(["", MDPW, REPLY, client, "", "yes"]);
      assertEquals(
        (await req.receive()).map(decode),
        ["MDPC01", "echo", "yes"],
      );
      await Promise.all([worker.close(), req.close()]);
    },
  );

  await t.step(
    "our broker heartbeats an idle libzmq worker and forgets it when its heartbeats stop",
    async () => {
      await using broker = await startBroker({
        heartbeatInterval: 50,
        heartbeatLiveness: 3,
      });
      const worker = await peer.open("Dealer", { routingId: "W3" });
      await worker.connect(broker.endpoint);
      await worker.send(["", MDPW, READY, "echo"]);
      assertEquals(await worker.receive(), [EMPTY, MDPW, HEARTBEAT]);
      await broker.lines.until("I: deleting expired worker: 5733");
      await using client = new MajordomoClient(broker.endpoint, {
        print: () => {},
      });
      assertEquals(
        (await client.send("mmi.service", "echo", timeout())).map(decode),
        ["404"],
      );
      // Its next heartbeat is from a stranger: the broker says DISCONNECT.
      await worker.send(["", MDPW, HEARTBEAT]);
      for (;;) {
        const [, , command] = await worker.receive();
        if (command[0] === 0x05) break; // heartbeats sent before may come first
      }
      await worker.close();
    },
  );

  await t.step(
    "our worker against a libzmq ROUTER broker: READY, heartbeats, a request, and a new session after DISCONNECT or silence",
    async () => {
      const router = await peer.open("Router");
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      const lines = new Lines();
      const worker = new MajordomoWorker(endpoint, "echo", {
        heartbeatInterval: 100,
        heartbeatLiveness: 5,
        reconnectInterval: 50,
        verbose: true,
        print: lines.print,
      });
      const first = worker.receive(timeout());
      await assertRejects(() => worker.receive(), ZmqError, "one request");
      const [id, ...ready] = await router.receive();
      assertEquals(ready, [EMPTY, MDPW, READY, encode("echo")]);
      assertEquals(await router.receive(), [id, EMPTY, MDPW, HEARTBEAT]);

      await router.send([id, "", MDPW, REQUEST, "C1", "", "ping", LONG]);
      assertEquals(await first, [encode("ping"), LONG]);
      await assertRejects(() => worker.receive(), ZmqError, "reply() first");
      await worker.reply(["pong", EMPTY]);
      await assertRejects(() => worker.reply("again"), ZmqError, "receive()");
      const pong = f(id, "", MDPW, REPLY, "C1", "", "pong", "");
      assertEquals(await nextCommand(router), pong);

      const second = worker.receive(timeout());
      await router.send([id, "", "MDPX01", "junk"]);
      await lines.until("E: invalid input message from broker");
      await router.send([id, "", MDPW, DISCONNECT]);
      const [id2, ...ready2] = await nextCommand(router);
      assertEquals(ready2, [EMPTY, MDPW, READY, encode("echo")]);
      assertNotEquals(id2, id); // a new socket
      // The broker falls silent: after five intervals, a third session.
      const [id3, ...ready3] = await nextCommand(router);
      assertEquals(ready3, [EMPTY, MDPW, READY, encode("echo")]);
      assertNotEquals(id3, id2);
      assert(lines.all.includes("W: disconnected from broker - retrying..."));

      await router.send([id3, "", MDPW, REQUEST, "C2", "", ""]);
      assertEquals(await second, [EMPTY]);
      await worker.reply("");
      const empty = f(id3, "", MDPW, REPLY, "C2", "", "");
      assertEquals(await nextCommand(router), empty);
      await worker.close();
      assertEquals(await nextCommand(router), [id3, EMPTY, MDPW, DISCONNECT]);
      await assertRejects(() => worker.receive(), ZmqError, "closed");
      await router.close();
    },
  );

  await t.step(
    "our client against a libzmq ROUTER broker: frames, a retry on a new socket, a malformed reply, giving up",
    async () => {
      const router = await peer.open("Router");
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      const lines = new Lines();
      await using client = new MajordomoClient(endpoint, {
        timeout: 300,
        retries: 3,
        verbose: true,
        print: lines.print,
      });

      const hello = client.send("echo", ["hello", LONG]);
      const busy = () => client.send("echo", "x");
      await assertRejects(busy, ZmqError, "one request");
      const [id, ...request] = await router.receive();
      assertEquals(request, f("", MDPC, "echo", "hello", LONG));
      await router.send([id, "", MDPC, "echo", "world", ""]);
      assertEquals(await hello, [encode("world"), EMPTY]);

      // No reply in time: the same request again, from a new socket.
      const again = client.send("echo", "again");
      const [lost, ...first] = await router.receive();
      const [retry, ...second] = await router.receive();
      assertEquals(first, second);
      assertNotEquals(retry, lost);
      await router.send([retry, "", MDPC, "echo", "fresh"]);
      assertEquals((await again).map(decode), ["fresh"]);
      assert(lines.all.includes("W: no reply, reconnecting..."));

      // A reply naming another service is not the answer: try again.
      const checked = client.send("echo", "checked");
      const [wrong] = await router.receive();
      await router.send([wrong, "", MDPC, "other", "no"]);
      const [right] = await router.receive();
      await router.send([right, "", MDPC, "echo", "yes"]);
      assertEquals((await checked).map(decode), ["yes"]);
      assert(lines.all.includes("E: malformed reply from broker"));

      const abandoned = client.send("echo", "nobody answers");
      // Watched at once: it gives up 300 ms after its third try, which may
      // come before the third receive here does on a loaded machine.
      const gaveUp = assertRejects(() => abandoned, ZmqError);
      for (let i = 0; i < 3; i++) await router.receive();
      const error = await gaveUp;
      assertEquals(error.code, "EAGAIN");
      assert(lines.all.includes("W: permanent error, abandoning"));

      // Still usable, after giving up and after an abort.
      const stop = new AbortController();
      const aborted = client.send("echo", "abort me", { signal: stop.signal });
      await router.receive();
      stop.abort();
      await assertRejects(() => aborted);
      const last = client.send("echo", "last");
      const [lastId] = await router.receive();
      await router.send([lastId, "", MDPC, "echo", "done"]);
      assertEquals((await last).map(decode), ["done"]);
      await router.close();
    },
  );

  await t.step(
    "mdworker.ts and mdclient.ts echo through mdbroker.ts",
    async () => {
      await using broker = await startBroker({ verbose: false });
      const stop = new AbortController();
      const worker = echoWorker({
        endpoint: broker.endpoint,
        signal: stop.signal,
        print: () => {},
      });
      const lines: string[] = [];
      assertEquals(
        await echoClient({
          endpoint: broker.endpoint,
          requests: 100,
          print: (line) => lines.push(line),
        }),
        100,
      );
      assertEquals(lines, ["100 requests/replies processed"]);
      stop.abort();
      await worker;
      assert(
        broker.lines.all[0].startsWith(
          "I: MDP broker/0.2.0 is active at tcp://127.0.0.1:",
        ),
      );
    },
  );

  await t.step(
    "mdbroker.ts runs alone with --allow-net=127.0.0.1 and stops on Ctrl-C",
    async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "--allow-net=127.0.0.1",
          "examples/mdbroker.ts",
          "tcp://127.0.0.1:0",
        ],
        cwd: new URL("..", import.meta.url).pathname,
        stdout: "piped",
      }).spawn();
      const stdout = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let printed = "";
      while (!printed.includes("\n")) {
        const { value, done } = await stdout.read();
        if (done) break;
        printed += value;
      }
      const endpoint = printed.match(/active at (\S+)/)![1];
      const worker = await peer.open("Dealer");
      await worker.connect(endpoint);
      await worker.send(["", MDPW, READY, "echo"]);
      const req = await peer.open("Request");
      await req.connect(endpoint);
      await req.send([MDPC, "echo", "hi"]);
      const [, , , client] = await worker.receive();
      await worker.send(["", MDPW, REPLY, client, "", "hi"]);
      assertEquals((await req.receive()).map(decode), ["MDPC01", "echo", "hi"]);
      child.kill("SIGINT");
      for (let chunk; !(chunk = await stdout.read()).done;) {
        printed += chunk.value;
      }
      assertEquals((await child.status).code, 0);
      assert(printed.endsWith("W: interrupt received, shutting down...\n"));
      await Promise.all([worker.close(), req.close()]);
    },
  );
});
