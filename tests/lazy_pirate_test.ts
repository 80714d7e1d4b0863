/**
 * REQ with requestRelaxed and requestCorrelate against libzmq, and the Lazy
 * Pirate examples: the client's requests as a libzmq ROUTER sees them, and
 * recovering from a libzmq server that dies mid-request.
 */
import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { Reply, Request, Router, type ZmqError } from "../mod.ts";
import { lazyClient } from "../examples/lpclient.ts";
import { lazyServer } from "../examples/lpserver.ts";
import { freePort, runPython, timeout, until } from "./_helpers.ts";
import { coreOf } from "../patterns/_core.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

const text = new TextEncoder();
const decode = (frame: Uint8Array) => new TextDecoder().decode(frame);

Deno.test("Lazy Pirate against libzmq", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "requestCorrelate puts a request id on the wire; relaxed drops the stale reply",
    async () => {
      const router = await peer.open("Router");
      const req = new Request({ requestRelaxed: true, requestCorrelate: true });
      req.connect(await router.bind("tcp://127.0.0.1:*"));
      await req.send("first");
      const [id, firstId, delimiter, body] = await router.receive();
      assertEquals([firstId.length, delimiter.length, decode(body)], [
        4,
        0,
        "first",
      ]);
      await req.send("second"); // relaxed: no reply needed first
      const [, secondId, , secondBody] = await router.receive();
      // Little-endian, as libzmq's REQ (below) counts on this machine.
      const view = (bytes: Uint8Array) =>
        new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
      assertEquals(view(secondId), (view(firstId) + 1) >>> 0);
      assertEquals(decode(secondBody), "second");
      await router.send([
        id,
        firstId,
        new Uint8Array(),
        text.encode("late reply to first"),
      ]);
      await router.send([
        id,
        secondId,
        new Uint8Array(),
        text.encode("reply to second"),
      ]);
      assertEquals(
        (await req.receive({ signal: AbortSignal.timeout(5000) })).map(decode),
        ["reply to second"],
      );
      await req.close();
      await router.close();
      // libzmq's REQ counts the same way on the wire.
      const ours = new Router();
      await ours.bind("tcp://127.0.0.1:0");
      const theirs = await peer.open("Request", {
        correlate: true,
        relaxed: true,
      });
      await theirs.connect(ours.lastEndpoint!);
      await theirs.send(["one"]);
      const [, oneId] = await ours.receive(timeout());
      await theirs.send(["two"]);
      const [, twoId] = await ours.receive(timeout());
      assertEquals(view(twoId), (view(oneId) + 1) >>> 0);
      await theirs.close();
      await ours.close();
    },
  );

  await t.step(
    "lpclient.ts sends a plain REQ's requests, [id, empty, body] at a libzmq ROUTER, on a new socket when it retries (the guide's ppworker.c takes exactly that)",
    async () => {
      const router = await peer.open("Router");
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      const client = lazyClient({
        endpoint,
        timeoutMs: 300,
        requests: 1,
        print: () => {},
      });
      const [first, ...request] = await router.receive();
      assertEquals(request.map(decode), ["", "1"]);
      // Unanswered: the retry comes from another socket, as in the guide.
      const [second, ...again] = await router.receive();
      assertEquals(again.map(decode), ["", "1"]);
      assertNotEquals(first, second);
      await router.send([second, "", "1"]);
      assertEquals(await client, 1);
      await router.close();
    },
  );

  await t.step(
    "lpclient.ts takes a wrong reply as none: after the timeout it resends on a new socket, as lpclient.c",
    async () => {
      const router = await peer.open("Router");
      const endpoint = await router.bind("tcp://127.0.0.1:*");
      const lines: string[] = [];
      const client = lazyClient({
        endpoint,
        timeoutMs: 300,
        requests: 1,
        print: (line) => lines.push(line),
      });
      const [first] = await router.receive();
      await router.send([first, "", "99"]);
      const [second, ...again] = await router.receive();
      assertEquals(again.map(decode), ["", "1"]);
      assertNotEquals(first, second);
      await router.send([second, "", "1"]);
      assertEquals(await client, 1);
      assertEquals(lines, [
        "I: connecting to server...",
        "E: malformed reply from server: 99",
        "W: no response from server, retrying...",
        "I: reconnecting to server...",
        "I: server replied OK (1)",
      ]);
      await router.close();
    },
  );

  await t.step(
    "lpclient.ts recovers when its libzmq server dies mid-request",
    async () => {
      const endpoint = `tcp://127.0.0.1:${freePort()}`;
      const first = await peer.open("Reply");
      await first.bind(endpoint);
      const lines: string[] = [];
      const client = lazyClient({
        endpoint,
        timeoutMs: 300,
        requests: 2,
        print: (line) => lines.push(line),
      });
      assertEquals((await first.receive()).map(decode), ["1"]);
      await first.close(); // dies without replying
      const second = await peer.open("Reply");
      await second.bind(endpoint);
      await second.echo();
      assertEquals(await client, 2);
      assertEquals(lines[0], "I: connecting to server...");
      assertEquals(
        lines.includes("W: no response from server, retrying..."),
        true,
      );
      assertEquals(lines.slice(-2), [
        "I: server replied OK (1)",
        "I: server replied OK (2)",
      ]);
      await second.close();
    },
  );

  await t.step(
    "lpserver.ts serves a libzmq REQ, then simulates a crash",
    async () => {
      const lines: string[] = [];
      const bound = Promise.withResolvers<string>();
      const server = lazyServer({
        endpoint: "tcp://127.0.0.1:0",
        random: () => 0, // the crash comes as soon as it may, at the fourth request
        workMs: 1,
        onBound: bound.resolve,
        print: (line) => lines.push(line),
      });
      const req = await peer.open("Request");
      await req.connect(await bound.promise);
      for (let i = 1; i <= 3; i++) {
        await req.send([String(i)]);
        assertEquals((await req.receive()).map(decode), [String(i)]);
      }
      await req.send(["4"]);
      await server;
      assertEquals(lines, [
        "I: normal request (1)",
        "I: normal request (2)",
        "I: normal request (3)",
        "I: simulating a crash",
      ]);
      await req.close();
    },
  );
});

const RELAXED_FAILED_SEND_PY = `
import time, zmq
ctx = zmq.Context()
req = ctx.socket(zmq.REQ)
req.setsockopt(zmq.REQ_RELAXED, 1)
req.setsockopt(zmq.REQ_CORRELATE, 1)
req.linger = 0
port = req.bind_to_random_port("tcp://127.0.0.1")
rep = ctx.socket(zmq.REP)
rep.linger = 0
rep.connect("tcp://127.0.0.1:%d" % port)
req.send(b"q0")
rep.recv()
rep.close()
# Until the REQ has no peer left to send to (POLLOUT off), 5 s at most.
deadline = time.time() + 5
while req.getsockopt(zmq.EVENTS) & zmq.POLLOUT:
    if time.time() > deadline:
        raise SystemExit("the peer never left")
    time.sleep(0.001)
def outcome(call):
    try:
        call()
        return "ok"
    except zmq.ZMQError as e:
        return {zmq.EAGAIN: "EAGAIN", zmq.EFSM: "EFSM"}.get(e.errno, str(e.errno))
req.sndtimeo = 100
req.rcvtimeo = 1000
print(outcome(lambda: req.send(b"q1")), outcome(lambda: req.recv()))
req.close()
ctx.term()
`;

Deno.test("a relaxed REQ whose next request cannot go has given up the owed reply, as libzmq's: receive is EFSM at once", async () => {
  const native = await runPython(RELAXED_FAILED_SEND_PY);
  await using req = new Request({
    requestRelaxed: true,
    requestCorrelate: true,
    linger: 0,
  });
  await req.bind("tcp://127.0.0.1:0");
  const rep = new Reply({ linger: 0 });
  rep.connect(req.lastEndpoint!);
  await req.send("q0", timeout());
  await rep.receive(timeout()); // taken, never answered
  await rep.close();
  await until(() => !req.writable, "no peer left to send to");
  req.sendTimeout = 100;
  req.receiveTimeout = 1000;
  const outcome = (promise: Promise<unknown>) =>
    promise.then(() => "ok", (error) => (error as ZmqError).code);
  const sent = await outcome(req.send("q1"));
  const started = Date.now();
  const received = await outcome(req.receive());
  assertEquals(`${sent} ${received}`, native);
  assertEquals(native, "EAGAIN EFSM");
  assert(Date.now() - started < 500, "not after the receive timeout");
});

Deno.test("a relaxed REQ's receive, started while its next request waits to go, does not take a late reply to the last one", async () => {
  await using router = new Router({ receiveHighWaterMark: 1, linger: 0 });
  await router.bind("inproc://late-reply");
  await using req = new Request({
    requestRelaxed: true,
    sendHighWaterMark: 1,
    linger: 0,
  });
  req.connect("inproc://late-reply");
  await req.send("first", timeout());
  const [id] = await router.receive(timeout());
  // The router reads no more: one request waits at it (its high-water
  // mark), one in our pipe (ours), and the next one cannot go.
  const [pipe] = coreOf(req).pipes;
  await req.send("filler 0", timeout());
  await until(() => pipe.outbound.length === 0, "filler at the router");
  await req.send("filler 1", timeout());
  let sent = false;
  const sending = req.send("second", timeout()).then(() => sent = true);
  sending.catch(() => {}); // failed below if the test goes wrong first
  let settled = false;
  const receiving = req.receive(timeout()).finally(() => settled = true);
  await router.send([id, "", "late reply to first"], timeout());
  await until(
    () => settled || pipe.inbound.length === 1,
    "late reply at the REQ",
  );
  assert(!sent, "the request went: the pipe was not full");
  assert(!settled, "the late reply was taken while the request waited");
  assertEquals(decode((await router.receive(timeout())).at(-1)!), "filler 0");
  assertEquals(decode((await router.receive(timeout())).at(-1)!), "filler 1");
  assertEquals(decode((await router.receive(timeout())).at(-1)!), "second");
  await sending;
  await router.send([id, "", "reply to second"], timeout());
  assertEquals((await receiving).map(decode), ["reply to second"]);
});
