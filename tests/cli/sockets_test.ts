/**
 * The `zmq` command's socket types against our own sockets (those the
 * libzmq tests in tests/cli_test.ts leave out), the proxy, and --monitor,
 * --stats and Ctrl-C.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import {
  Channel,
  Datagram,
  Dealer,
  Gather,
  Pair,
  Peer,
  Publisher,
  Pull,
  Push,
  Request,
  Router,
  Scatter,
  Subscriber,
} from "../../mod.ts";
import { decode, freePort, portOf, timeout, upgradeFrom } from "../_helpers.ts";
import { RunningZmq, zmqCommand } from "./_zmq.ts";

const text = new TextEncoder();

/** Sends until the command, which receives, is done. */
async function sendUntilExit(
  running: RunningZmq,
  send: () => Promise<void>,
): Promise<Awaited<ReturnType<RunningZmq["finished"]>>> {
  let exited = false;
  const done = running.finished().finally(() => exited = true);
  while (!exited) {
    await send();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return await done;
}

Deno.test("zmq TYPE talks to our sockets of the peer type", async (t) => {
  for (
    const [name, make] of [["pair", () => new Pair()], [
      "channel",
      () => new Channel(),
    ]] as const
  ) {
    await t.step(`zmq ${name} both ways`, async () => {
      await using ours = make();
      await ours.bind("tcp://127.0.0.1:0");
      await using cli = new RunningZmq([
        name,
        "--connect",
        ours.lastEndpoint!,
        "-n",
        "1",
      ]);
      await cli.write("hi\n");
      assertEquals((await ours.receive(timeout())).map(decode), ["hi"]);
      await ours.send("yo");
      const { code, text } = await cli.finished();
      assertEquals([code, text], [0, "yo\n"]);
    });
  }

  await t.step("zmq dealer --identity to a ROUTER, and back", async () => {
    await using router = new Router();
    await router.bind("tcp://127.0.0.1:0");
    await using cli = new RunningZmq([
      "dealer",
      "--connect",
      router.lastEndpoint!,
      "-n",
      "1",
      "--identity",
      "cli",
    ]);
    await cli.write("\thello\n");
    const [id, empty, body] = await router.receive(timeout());
    assertEquals([decode(id), empty.length, decode(body)], ["cli", 0, "hello"]);
    await router.send([id, "", "world"]);
    assertEquals((await cli.finished()).text, "\tworld\n");
  });

  await t.step(
    "zmq router --echo answers a DEALER; hex shows its routing id",
    async () => {
      await using cli = new RunningZmq([
        "router",
        "--bind",
        "tcp://127.0.0.1:0",
        "--monitor",
        "--echo",
        "-n",
        "1",
        "--format",
        "hex",
      ], true);
      await using dealer = new Dealer({ routingId: "D1" });
      dealer.connect(await cli.bound());
      await dealer.send("ping");
      assertEquals((await dealer.receive(timeout())).map(decode), ["ping"]);
      assertEquals((await cli.finished()).text, "4431\t70696e67\n");
    },
  );

  await t.step(
    "zmq xpub prints a subscription; zmq xsub hears a PUB",
    async () => {
      await using xpub = new RunningZmq([
        "xpub",
        "--bind",
        "tcp://127.0.0.1:0",
        "--monitor",
        "-n",
        "1",
        "--format",
        "hex",
      ], true);
      await using subscriber = new Subscriber();
      subscriber.subscribe("ab");
      subscriber.connect(await xpub.bound());
      assertEquals((await xpub.finished()).text, "016162\n");

      await using publisher = new Publisher();
      await publisher.bind("tcp://127.0.0.1:0");
      await using xsub = new RunningZmq(
        [
          "xsub",
          "--connect",
          publisher.lastEndpoint!,
          "--subscribe",
          "news",
          "-n",
          "1",
        ],
        true,
      );
      const heard = await sendUntilExit(
        xsub,
        () => publisher.send("news flash"),
      );
      assertEquals([heard.code, heard.text], [0, "news flash\n"]);
    },
  );

  await t.step("zmq stream --echo is a TCP echo server", async () => {
    await using cli = new RunningZmq([
      "stream",
      "--bind",
      "tcp://127.0.0.1:0",
      "--monitor",
      "--echo",
      "-n",
      "3",
      "--format",
      "hex",
    ], true);
    const connection = await Deno.connect({
      hostname: "127.0.0.1",
      port: portOf(await cli.bound()),
    });
    await connection.write(text.encode("abc"));
    const buffer = new Uint8Array(3);
    let read = 0;
    while (read < 3) read += (await connection.read(buffer.subarray(read)))!;
    assertEquals(decode(buffer), "abc");
    connection.close();
    const { code, text: printed } = await cli.finished();
    const lines = printed.split("\n").slice(0, -1).map((line) =>
      line.split("\t")
    );
    assertEquals(code, 0);
    assertEquals(lines.map(([, data]) => data), ["", "616263", ""]);
    assertEquals(new Set(lines.map(([id]) => id)).size, 1, "one peer");
  });

  await t.step(
    "zmq scatter to a GATHER; zmq gather from a SCATTER",
    async () => {
      await using gather = new Gather();
      await gather.bind("tcp://127.0.0.1:0");
      await using scatter = new RunningZmq([
        "scatter",
        "--connect",
        gather.lastEndpoint!,
      ]);
      await scatter.write("a\nb\n");
      assertEquals((await gather.receive(timeout())).map(decode), ["a"]);
      assertEquals((await gather.receive(timeout())).map(decode), ["b"]);
      assertEquals((await scatter.finished()).code, 0);

      await using ours = new Scatter();
      await ours.bind("tcp://127.0.0.1:0");
      await using cli = new RunningZmq([
        "gather",
        "--connect",
        ours.lastEndpoint!,
        "-n",
        "2",
      ], true);
      await ours.send("c", timeout());
      await ours.send("d", timeout());
      assertEquals((await cli.finished()).text, "c\nd\n");
    },
  );

  await t.step(
    "zmq peer connects, names the peer on stderr, and talks to it",
    async () => {
      await using ours = new Peer();
      await ours.bind("tcp://127.0.0.1:0");
      await using cli = new RunningZmq([
        "peer",
        "--connect",
        ours.lastEndpoint!,
        "-n",
        "1",
      ]);
      const [, id] = await cli.stderrMatch(/has routing id (\d+)/);
      await cli.write(`${id}\thi\n`);
      const greeting = await ours.receive(timeout());
      assertEquals(decode(greeting[0]), "hi");
      await ours.send("yo", { routingId: greeting.routingId });
      assertEquals((await cli.finished()).text, `${id}\tyo\n`);
    },
  );

  await t.step(
    "zmq dgram --echo sends a datagram back where it came from",
    async () => {
      await using cli = new RunningZmq([
        "dgram",
        "--bind",
        "udp://127.0.0.1:0",
        "--monitor",
        "--echo",
        "-n",
        "1",
      ], true);
      const address = (await cli.bound()).slice("udp://".length);
      await using ours = new Datagram();
      await ours.bind("udp://127.0.0.1:0");
      await ours.send([address, "hello"]);
      const [, body] = await ours.receive(timeout());
      assertEquals(decode(body), "hello");
      const ourAddress = ours.lastEndpoint!.slice("udp://".length);
      assertEquals((await cli.finished()).text, `${ourAddress}\thello\n`);
    },
  );
});

Deno.test("zmq rep < replies answers a request per reply, and takes none once stdin has ended", async () => {
  await using cli = new RunningZmq([
    "rep",
    "--bind",
    "tcp://127.0.0.1:0",
    "--monitor",
  ]);
  await cli.write("r1\nr2\n");
  await cli.closeStdin();
  await using request = new Request();
  request.connect(await cli.bound());
  for (const [question, answer] of [["q1", "r1"], ["q2", "r2"]]) {
    await request.send(question, timeout());
    assertEquals((await request.receive(timeout())).map(decode), [answer]);
  }
  // No third request is waited for: it could not be answered.
  const { code, text } = await cli.finished();
  assertEquals([code, text], [0, "q1\nq2\n"]);
});

Deno.test("zmq rep < replies (a file) takes no request queued once its replies ran out: two queued, one reply, one request printed", async () => {
  const replies = Deno.makeTempFileSync();
  Deno.writeTextFileSync(replies, "r1\n");
  try {
    // --delay holds the REP back until both requests wait in its queue.
    await using cli = new RunningZmq(
      [
        "rep",
        "--bind",
        "tcp://127.0.0.1:0",
        "--monitor",
        "--delay",
        "2000",
      ],
      false,
      replies,
    );
    const endpoint = await cli.bound();
    await using first = new Request({ linger: 0 });
    await using second = new Request({ linger: 0 });
    for (const request of [first, second]) {
      request.connect(endpoint);
      await request.send(`q${request === first ? "a" : "b"}`, timeout());
    }
    await cli.stderrMatch(/handshake-succeeded[^]*handshake-succeeded/);
    const { code, text } = await cli.finished();
    assertEquals(code, 0);
    assert(["qa\n", "qb\n"].includes(text), JSON.stringify(text));
  } finally {
    Deno.removeSync(replies);
  }
});

Deno.test("zmq rep with a pipe for stdin prints each request before its reply is read: a program at the pipe's other end answers what it reads", async () => {
  await using cli = new RunningZmq([
    "rep",
    "--bind",
    "tcp://127.0.0.1:0",
    "--monitor",
  ]);
  await using request = new Request({ linger: 0 });
  request.connect(await cli.bound());
  for (const question of ["q1", "q2"]) {
    await request.send(question, timeout());
    assertEquals(await cli.stdoutLine(), question);
    await cli.write(`re ${question}\n`);
    assertEquals(
      decode((await request.receive(timeout()))[0]),
      `re ${question}`,
    );
  }
  await cli.closeStdin();
  assertEquals((await cli.finished()).code, 0);
});

Deno.test("zmq proxy forwards PULL to PUSH until stopped", async () => {
  await using cli = new RunningZmq(
    ["proxy", "pull@tcp://127.0.0.1:0", "push@tcp://127.0.0.1:0", "--monitor"],
    true,
  );
  const [, front] = await cli.stderrMatch(/monitor front: listening (\S+)/);
  const [, back] = await cli.stderrMatch(/monitor back: listening (\S+)/);
  await using push = new Push();
  push.connect(front);
  await using pull = new Pull();
  pull.connect(back);
  await push.send(["through", "the proxy"]);
  assertEquals((await pull.receive(timeout())).map(decode), [
    "through",
    "the proxy",
  ]);
  cli.kill("SIGTERM");
  assertEquals((await cli.finished()).code, 143);
});

Deno.test("zmq proxy --control: a REQ steers it as zmq_proxy_steerable's control socket, and TERMINATE ends it with status 0", async () => {
  await using cli = new RunningZmq(
    [
      "proxy",
      "pull@tcp://127.0.0.1:0",
      "push@tcp://127.0.0.1:0",
      "--control",
      "rep@tcp://127.0.0.1:0",
      "--monitor",
    ],
    true,
  );
  const [, front] = await cli.stderrMatch(/monitor front: listening (\S+)/);
  const [, back] = await cli.stderrMatch(/monitor back: listening (\S+)/);
  const [, control] = await cli.stderrMatch(
    /monitor control: listening (\S+)/,
  );
  await using push = new Push();
  push.connect(front);
  await using pull = new Pull();
  pull.connect(back);
  await using request = new Request();
  request.connect(control);
  const ask = async (command: string) => {
    await request.send(command, timeout());
    return await request.receive(timeout());
  };
  assertEquals((await ask("PAUSE")).map(decode), [""]);
  await push.send("held");
  assertEquals((await ask("RESUME")).map(decode), [""]);
  assertEquals(decode((await pull.receive(timeout()))[0]), "held");
  const counts = (await ask("STATISTICS")).map((frame) =>
    Number(new DataView(frame.buffer, frame.byteOffset).getBigUint64(0, true))
  );
  assertEquals(counts, [1, 4, 0, 0, 0, 0, 1, 4]);
  assertEquals((await ask("TERMINATE")).map(decode), [""]);
  assertEquals((await cli.finished()).code, 0);
});

Deno.test("zmq proxy --control takes no socket that cannot take a one-frame command (a ROUTER)", async () => {
  await using cli = new RunningZmq([
    "proxy",
    "pull@tcp://127.0.0.1:0",
    "push@tcp://127.0.0.1:0",
    "--control",
    "router@tcp://127.0.0.1:0",
  ]);
  const { code, stderr } = await cli.finished();
  assertEquals(code, 1);
  assertMatch(stderr, /--control: .*DEALER socket, not a ROUTER/);
});

/** How each ending signal ends a command: its status, and its word. */
const ENDINGS: [Deno.Signal, number, string][] = [
  ["SIGINT", 130, "interrupted"],
  ["SIGTERM", 143, "terminated"],
];

Deno.test("zmq: Ctrl-C, or SIGTERM, still sends what is queued within a --linger given, and exits 130 (143)", async () => {
  for (const [signal, status] of ENDINGS) {
    const port = freePort();
    await using cli = new RunningZmq([
      "push",
      "--connect",
      `tcp://127.0.0.1:${port}`,
      "--stats",
      "--linger",
      "5000",
    ]);
    await cli.write("queued\n");
    // Taken from stdin and queued: no peer is there yet.
    await cli.stderrMatch(/stats: in 0 msg\/s 0 B\/s, out 1 msg\/s/);
    cli.kill(signal);
    await using pull = new Pull();
    await pull.bind(`tcp://127.0.0.1:${port}`);
    assertEquals((await pull.receive(timeout())).map(decode), ["queued"]);
    assertEquals((await cli.finished()).code, status, signal);
  }
});

Deno.test("zmq: Ctrl-C, or SIGTERM, once stdin ended drops what waits for a peer, says so, and exits 130 (143)", async () => {
  // A unix socket path nobody listens on: the message waits in the close.
  const dir = await Deno.makeTempDir();
  try {
    for (const [signal, status, word] of ENDINGS) {
      await using cli = new RunningZmq([
        "push",
        "--connect",
        `ipc://${dir}/nobody`,
        "--stats",
      ]);
      await cli.write("queued\n");
      await cli.closeStdin();
      // The totals come as stdin's end stops the run, just before the close.
      await cli.stderrMatch(/stats: in 0 messages, 0 B; out 1 message/);
      cli.kill(signal);
      const { code, stderr } = await cli.finished();
      assertEquals(code, status);
      assertEquals(
        stderr.slice(stderr.lastIndexOf("\nzmq: ")),
        `\nzmq: 1 message was never sent (${word})\n`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zmq: Ctrl-C, or SIGTERM, ends a receiver whose stdout is no longer read, after a second given to it, and exits 130 (143)", async () => {
  for (const [signal, status] of ENDINGS) {
    await using push = new Push();
    await push.bind("tcp://127.0.0.1:0");
    // Its stdout never read: a reader that stopped reading.
    const child = zmqCommand([
      "pull",
      "--connect",
      push.lastEndpoint!,
      "--stats",
    ])
      .spawn();
    // Whatever hangs or fails, the child goes, and every wait below ends.
    const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const stderr = child.stderr.getReader();
    let seen = "";
    const stderrMatch = async (pattern: RegExp, from: number) => {
      let match: RegExpExecArray | null;
      while (!(match = pattern.exec(seen.slice(from)))) {
        const { value, done } = await stderr.read();
        assert(!done, `zmq exited first; stderr: ${seen}`);
        seen += new TextDecoder().decode(value);
      }
      return from + match.index + match[0].length;
    };
    try {
      // 10 MB: far more than the pipe and the command's own buffer hold.
      const body = new Uint8Array(100_000).fill(0x61);
      for (let i = 0; i < 100; i++) await push.send(body, timeout());
      // Messages came in a second, then none in a later one: stuck.
      const came = await stderrMatch(/stats: in [1-9]/, 0);
      const still = await stderrMatch(/stats: in 0 msg\/s/, came);
      child.kill(signal);
      const signalled = performance.now();
      assertEquals((await child.status).code, status, signal);
      const waited = performance.now() - signalled;
      assert(waited >= 900, `${signal}: gone after ${waited} ms`);
      await stderrMatch(
        /zmq: stdout did not take \d+ B \((inter|termin)/,
        still,
      );
    } finally {
      clearTimeout(deadline);
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
      await Promise.all([child.status, child.stdout.cancel(), stderr.cancel()]);
    }
  }
});

Deno.test("zmq --monitor and --stats report on stderr; Ctrl-C still prints the totals", async () => {
  await using push = new Push();
  await push.bind("tcp://127.0.0.1:0");
  await using cli = new RunningZmq(
    ["pull", "--connect", push.lastEndpoint!, "--monitor", "--stats"],
    true,
  );
  for (let i = 0; i < 3; i++) await push.send("0123456789", timeout());
  // A second passes: the per-second line comes.
  await cli.stderrMatch(/stats: in \d+ msg\/s/);
  cli.kill("SIGINT");
  const { code, stderr, text } = await cli.finished();
  assertEquals([code, text], [130, "0123456789\n".repeat(3)]);
  assertMatch(stderr, /monitor: connected tcp:\/\/127\.0\.0\.1:\d+\n/);
  assertMatch(stderr, /monitor: handshake-succeeded tcp:\S+ peer PUSH\n/);
  assertMatch(stderr, /stats: in 3 messages, 30 B \(/);
  assert(stderr.endsWith("\n"));
});

Deno.test("zmq --monitor: stderr's reader gone, the events are dropped and the command goes on", async () => {
  const child = zmqCommand([
    "pull",
    "--bind",
    "tcp://127.0.0.1:0",
    "--monitor",
    "-n",
    "3",
  ]).spawn();
  // Whatever hangs or fails, the child goes, and every wait below ends.
  const deadline = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const stdout = new Response(child.stdout).text();
  const stderr = child.stderr.getReader();
  let code: number;
  let text: string;
  try {
    // Read up to the endpoint, then go, as `2> >(head -1)` does: every
    // event after that meets a broken pipe.
    let seen = "";
    let match: RegExpMatchArray | null;
    while (!(match = seen.match(/monitor: listening (\S+)\n/))) {
      const { value, done } = await stderr.read();
      assert(!done, `zmq exited first; stderr: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    await stderr.cancel();
    await using push = new Push();
    push.connect(match[1]);
    for (const body of ["1", "2", "3"]) await push.send(body, timeout());
    [{ code }, text] = await Promise.all([child.status, stdout]);
  } finally {
    clearTimeout(deadline);
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await Promise.all([child.status, stdout, stderr.cancel()]);
  }
  assertEquals([code, text], [0, "1\n2\n3\n"]);
});

Deno.test("zmq pull --ws-origin: a page of another origin is refused, a program is served", async () => {
  await using cli = new RunningZmq([
    "pull",
    "--bind",
    "ws://127.0.0.1:0/zmq",
    "--ws-origin",
    "https://app.example",
    "--monitor",
    "-n",
    "1",
  ], true);
  const endpoint = await cli.bound();
  assertEquals(
    await upgradeFrom(endpoint, "https://elsewhere.example"),
    "HTTP/1.1 403 Forbidden",
  );
  await using push = new Push();
  push.connect(endpoint);
  await push.send("served");
  assertEquals((await cli.finished()).text, "served\n");
});
