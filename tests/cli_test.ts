/**
 * The `zmq` command against libzmq 4.3.5 (through the Node peer), every
 * direction: as sender, as receiver, REQ/REP both ways, SUB with a filter,
 * PUB, the draft types, CURVE; and its one-line errors and exit codes.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { codec, curveKeyPair } from "../mod.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { decode, handshakeAs } from "./_helpers.ts";
import { type Finished, RunningZmq, zmq } from "./cli/_zmq.ts";

const LONG = "x".repeat(300);

/** Lines of text, each with its newline. */
const lines = (...items: string[]) => items.map((line) => `${line}\n`).join("");

/** `zmq rep` echoing on a free port, its handshakes on stderr (--monitor). */
const ECHOING_REP = [
  "rep",
  "--bind",
  "tcp://127.0.0.1:0",
  "--echo",
  "--monitor",
];

/**
 * Calls `send` every 20 ms until the command finishes, for a receiver that
 * loses what comes before its subscription (or join) reaches the sender.
 */
async function sendUntilFinished(
  running: RunningZmq,
  send: () => Promise<void>,
): Promise<Finished> {
  let finished = false;
  const done = running.finished().finally(() => finished = true);
  while (!finished) {
    await send();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return await done;
}

Deno.test("zmq against libzmq", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "zmq pull receives a libzmq PUSH's messages, frames as tabs",
    async () => {
      const push = await peer.open("Push");
      const endpoint = await push.bind("tcp://127.0.0.1:*");
      await using pull = new RunningZmq([
        "pull",
        "--connect",
        endpoint,
        "-n",
        "4",
      ], true);
      for (const frames of [["hello"], ["a", "b"], [""], [LONG]]) {
        await push.send(frames);
      }
      const { code, text, stderr } = await pull.finished();
      assertEquals([code, stderr], [0, ""]);
      assertEquals(text, lines("hello", "a\tb", "", LONG));
      await push.close();
    },
  );

  await t.step(
    "a line zmq push cannot send ends it with exit 1, once the lines before it reached a libzmq PULL",
    async () => {
      const pull = await peer.open("Pull");
      const endpoint = await pull.bind("tcp://127.0.0.1:*");
      const { code, stderr } = await zmq(
        ["push", "--connect", endpoint, "--format", "hex"],
        lines("a1", "a2\t", "zz"),
      );
      assertEquals(code, 1);
      assertMatch(stderr, /stdin line 3: "zz" is not hexadecimal/);
      assertEquals(await pull.receive(), [new Uint8Array([0xa1])]);
      assertEquals(await pull.receive(), [
        new Uint8Array([0xa2]),
        new Uint8Array(),
      ]);
      await pull.close();
    },
  );

  await t.step(
    "a MessagePack value zmq push cannot decode ends it with exit 1, once the messages before it, read with it, reached a libzmq PULL",
    async () => {
      const pull = await peer.open("Pull");
      const endpoint = await pull.bind("tcp://127.0.0.1:*");
      // "a", "b", an extension MessagePack has no type for, "c": one read.
      const [a, b, c] = [[0xa1, 0x61], [0xa1, 0x62], [0xa1, 0x63]];
      const stdin = new Uint8Array([...a, ...b, 0xd4, 5, 0, ...c]);
      const { code, stderr } = await zmq(
        ["push", "--connect", endpoint, "--format", "msgpack"],
        stdin,
      );
      assertEquals(code, 1);
      assertMatch(stderr, /stdin message 3 is not MessagePack/);
      assertEquals((await pull.receive()).map(decode), ["a"]);
      assertEquals((await pull.receive()).map(decode), ["b"]);
      await pull.close();
    },
  );

  await t.step(
    "echo | zmq push reaches a libzmq PULL, then exits",
    async () => {
      const pull = await peer.open("Pull");
      const endpoint = await pull.bind("tcp://127.0.0.1:*");
      const { code, stderr } = await zmq(
        ["push", "--connect", endpoint],
        lines("hello", "two\tframes", LONG),
      );
      assertEquals([code, stderr], [0, ""]);
      const received = [];
      for (let i = 0; i < 3; i++) {
        received.push(
          (await pull.receive()).map(decode),
        );
      }
      assertEquals(received, [["hello"], ["two", "frames"], [LONG]]);
      await pull.close();
    },
  );

  await t.step("zmq req < requests prints a libzmq REP's replies", async () => {
    const rep = await peer.open("Reply");
    const endpoint = await rep.bind("tcp://127.0.0.1:*");
    await rep.echo();
    const { code, text } = await zmq(
      ["req", "--connect", endpoint, "--timeout", "5000"],
      lines("one", "two", ""),
    );
    assertEquals([code, text], [0, lines("one", "two", "")]);
    await rep.close();
  });

  await t.step(
    "zmq rep --echo answers a libzmq REQ, -n 2 then exits",
    async () => {
      await using rep = new RunningZmq([...ECHOING_REP, "-n", "2"], true);
      const req = await peer.open("Request");
      await req.connect(await rep.bound());
      for (const request of ["ping", LONG]) {
        await req.send([request]);
        assertEquals((await req.receive()).map(decode), [request]);
      }
      const { code, text } = await rep.finished();
      assertEquals([code, text], [0, lines("ping", LONG)]);
      await req.close();
    },
  );

  await t.step(
    "zmq sub --subscribe keeps what a libzmq PUB sends under its prefix",
    async () => {
      const pub = await peer.open("Publisher");
      const endpoint = await pub.bind("tcp://127.0.0.1:*");
      await using sub = new RunningZmq(
        ["sub", "--connect", endpoint, "--subscribe", "10001 ", "-n", "2"],
        true,
      );
      // Until the subscription has reached libzmq, what it sends is lost.
      const { code, text } = await sendUntilFinished(sub, async () => {
        await pub.send(["20001 elsewhere"]);
        await pub.send(["10001 21 43"]);
      });
      assertEquals([code, text], [0, lines("10001 21 43", "10001 21 43")]);
      await pub.close();
    },
  );

  await t.step("zmq pub reaches a libzmq SUB", async () => {
    const sub = await peer.open("Subscriber");
    const endpoint = await sub.bind("tcp://127.0.0.1:*");
    await sub.subscribe("");
    await using pub = new RunningZmq(["pub", "--connect", endpoint]);
    let received: string[] | undefined;
    while (!received) {
      await pub.write("news\tof the day\n");
      received = await sub.receive(100).then((frames) => frames.map(decode))
        .catch(() => undefined);
    }
    assertEquals(received, ["news", "of the day"]);
    assertEquals((await pub.finished()).code, 0);
    await sub.close();
  });

  await t.step(
    "zmq server answers a libzmq CLIENT by routing id, from stdin",
    async () => {
      await using server = new RunningZmq(
        ["server", "--bind", "tcp://127.0.0.1:0", "--monitor", "-n", "1"],
      );
      const client = await peer.open("Client");
      await client.connect(await server.bound());
      await client.send(["ping"]);
      const [routingId, body] = (await server.stdoutLine()).split("\t");
      assertEquals(body, "ping");
      await server.write(`${routingId}\tpong\n`);
      assertEquals((await client.receive()).map(decode), ["pong"]);
      assertEquals((await server.finished()).code, 0);
      await client.close();
    },
  );

  await t.step("zmq client gets a libzmq SERVER's reply", async () => {
    const server = await peer.open("Server");
    const endpoint = await server.bind("tcp://127.0.0.1:*");
    await using client = new RunningZmq(
      ["client", "--connect", endpoint, "-n", "1", "--format", "jsonl"],
    );
    await client.write('"ping"\n');
    const request = await server.receiveWith();
    assertEquals(request.frames.map(decode), ["ping"]);
    await server.send(["pong"], { routingId: request.routingId });
    const { code, text } = await client.finished();
    assertEquals([code, text], [0, '{"frames":["pong"]}\n']);
    await server.close();
  });

  await t.step(
    "a message zmq client cannot send (two frames) ends it with exit 1 naming it, once the one before reached a libzmq SERVER",
    async () => {
      const server = await peer.open("Server");
      const endpoint = await server.bind("tcp://127.0.0.1:*");
      const { code, stderr } = await zmq(
        ["client", "--connect", endpoint],
        lines("first", "a\tb"),
      );
      assertEquals(code, 1);
      assertMatch(stderr, /^zmq: stdin line 2: .*single-frame/);
      const request = await server.receiveWith();
      assertEquals(request.frames.map(decode), ["first"]);
      await server.close();
    },
  );

  await t.step(
    "zmq dish prints a libzmq RADIO's group; zmq radio reaches a libzmq DISH",
    async () => {
      const radio = await peer.open("Radio");
      const endpoint = await radio.bind("tcp://127.0.0.1:*");
      await using dish = new RunningZmq(
        ["dish", "--connect", endpoint, "--join", "weather", "-n", "1"],
        true,
      );
      const heard = await sendUntilFinished(
        dish,
        () => radio.send(["sunny"], { group: "weather" }),
      );
      assertEquals([heard.code, heard.stderr, heard.text], [
        0,
        "",
        "weather\tsunny\n",
      ]);
      await radio.close();

      const libzmqDish = await peer.open("Dish");
      const dishEndpoint = await libzmqDish.bind("tcp://127.0.0.1:*");
      await libzmqDish.join("news");
      await using ourRadio = new RunningZmq([
        "radio",
        "--connect",
        dishEndpoint,
      ]);
      let received:
        | { frames: Uint8Array[]; group?: Uint8Array | undefined }
        | undefined;
      while (!received) {
        await ourRadio.write("news\tlate edition\n");
        received = await libzmqDish.receiveWith(100).catch(() => undefined);
      }
      assertEquals([decode(received.group!), ...received.frames.map(decode)], [
        "news",
        "late edition",
      ]);
      assertEquals((await ourRadio.finished()).code, 0);
      await libzmqDish.close();
    },
  );

  await t.step(
    "CURVE: zmq keygen's keys serve a libzmq client and reach a libzmq server",
    async () => {
      const keygen = await zmq(["keygen"]);
      const key = (name: string) =>
        keygen.text.match(new RegExp(`${name}-key = "(.{40})"`))![1];
      const server = { publicKey: key("public"), secretKey: key("secret") };
      assertEquals(codec.curvePublicKey(server.secretKey), server.publicKey);
      const certificate = await Deno.makeTempFile({ suffix: ".cert" });
      try {
        await Deno.writeTextFile(certificate, keygen.text);
        // Ours serves, from the certificate file; libzmq's client connects.
        await using rep = new RunningZmq([
          ...ECHOING_REP,
          "-n",
          "1",
          "--curve-server",
          "--curve-secret-key",
          `@${certificate}`,
        ], true);
        const client = codec.curveKeyPair();
        const req = await peer.open("Request", {
          curveServerKey: server.publicKey,
          curvePublicKey: client.publicKey,
          curveSecretKey: client.secretKey,
        });
        await req.connect(await rep.bound());
        await req.send(["secret"]);
        assertEquals((await req.receive()).map(decode), ["secret"]);
        assertEquals((await rep.finished()).code, 0);
        await req.close();
      } finally {
        await Deno.remove(certificate);
      }
      // libzmq serves; ours connects with the server's key, then a wrong one.
      const libzmqRep = await peer.open("Reply", {
        curveServer: true,
        curveSecretKey: server.secretKey,
      });
      const endpoint = await libzmqRep.bind("tcp://127.0.0.1:*");
      await libzmqRep.echo();
      const good = await zmq(
        ["req", "--connect", endpoint, "--curve-server-key", server.publicKey],
        "secret\n",
      );
      assertEquals([good.code, good.text, good.stderr], [0, "secret\n", ""]);
      const wrong = await zmq(
        [
          "req",
          "--connect",
          endpoint,
          "--curve-server-key",
          codec.curveKeyPair().publicKey,
        ],
        "secret\n",
      );
      assertEquals(wrong.code, 1);
      assertMatch(
        wrong.stderr,
        /^zmq: the handshake with tcp:\/\/\S+ failed .*--curve-server-key.*\n$/,
      );
      // A push whose close waits to deliver to a server that refuses it
      // (it redials, as libzmq's does) ends there too, its message unsent.
      const libzmqPull = await peer.open("Pull", {
        curveServer: true,
        curveSecretKey: server.secretKey,
      });
      const pushed = await zmq(
        [
          "push",
          "--connect",
          await libzmqPull.bind("tcp://127.0.0.1:*"),
          "--curve-server-key",
          codec.curveKeyPair().publicKey,
        ],
        "secret\n",
      );
      assertEquals(pushed.code, 1);
      assertMatch(
        pushed.stderr,
        /^zmq: the handshake with tcp:\/\/\S+ failed .*--curve-server-key.*\n$/,
      );
      await libzmqPull.close();
      await libzmqRep.close();
    },
  );

  // Last: the ZAP handler stays in the libzmq process, judging later servers.
  await t.step(
    "PLAIN: zmq req logs in to a libzmq server; a wrong password is one line and exit 1",
    async () => {
      await peer.zapHandler({ users: { admin: "secret" } });
      const rep = await peer.open("Reply", { plainServer: true });
      const endpoint = await rep.bind("tcp://127.0.0.1:*");
      await rep.echo();
      const login = ["req", "--connect", endpoint, "--plain-username", "admin"];
      const good = await zmq([...login, "--plain-password", "secret"], "hi\n");
      assertEquals([good.code, good.text], [0, "hi\n"]);
      const bad = await zmq([...login, "--plain-password", "guess"], "hi\n");
      assertEquals([bad.code, bad.text], [1, ""]);
      assertMatch(
        bad.stderr,
        /^zmq: the handshake with tcp:\/\/\S+ failed [^\n]*\n$/,
      );
      // A push refused while it lingers fails too: its message never left
      // (the connect is given up, as libzmq gives it up).
      const pull = await peer.open("Pull", { plainServer: true });
      const pullEndpoint = await pull.bind("tcp://127.0.0.1:*");
      const push = await zmq([
        "push",
        "--connect",
        pullEndpoint,
        "--plain-username",
        "admin",
        "--plain-password",
        "guess",
      ], "hi\n");
      assertEquals(push.code, 1);
      assertMatch(
        push.stderr,
        /^zmq: the handshake with tcp:\/\/\S+ failed [^\n]*\n$/,
      );
      await pull.close();
      await rep.close();
    },
  );

  await t.step(
    "PLAIN: zmq rep --plain-server lets its one user in",
    async () => {
      await using rep = new RunningZmq([
        ...ECHOING_REP,
        "-n",
        "1",
        "--plain-server",
        "--plain-username",
        "admin",
        "--plain-password",
        "secret",
      ], true);
      const req = await peer.open("Request", {
        plainUsername: "admin",
        plainPassword: "secret",
      });
      await req.connect(await rep.bound());
      await req.send(["hi"]);
      assertEquals((await req.receive()).map(decode), ["hi"]);
      const { code, stderr } = await rep.finished();
      assertEquals(code, 0);
      assertMatch(stderr, /handshake-succeeded \S+ peer REQ, user admin/);
      await req.close();
    },
  );
});

Deno.test("zmq sub: a publisher that breaks the protocol ends its connect, and the command, with exit 1", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const endpoint = `tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  // --timeout: without the fix it would wait for ever (exit 124).
  const sub = zmq([
    "sub",
    "--connect",
    endpoint,
    "-n",
    "1",
    "--timeout",
    "20000",
  ]);
  const conn = await listener.accept();
  await handshakeAs(conn, "PUB");
  await conn.write(new Uint8Array([0x40, 1, 0])); // reserved flag bits
  const { code, stderr } = await sub;
  assertEquals(code, 1);
  assertMatch(stderr, /^zmq: tcp:\/\/\S+ broke the protocol: .*reserved/);
  conn.close();
});

/**
 * A random secret key the command takes as given: one starting with "@"
 * (1 in 85) names a file, and a secret key is read from a file only.
 */
function givenSecretKey(): string {
  let key: string;
  do key = curveKeyPair().secretKey; while (key.startsWith("@"));
  return key;
}

Deno.test("zmq: bad flags, endpoints and input give one line on stderr and exit 1; a timeout exits 124", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const inUse = `tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  try {
    const cases: [string[], RegExp, (string | Uint8Array)?][] = [
      [[], /name a socket type/],
      [["frob"], /"frob" is no socket type/],
      [["pull", "--bogus"], /unknown flag --bogus for zmq pull/],
      [
        ["pull", "-n", "abc", "--bind", "tcp://127.0.0.1:0"],
        /-n takes an integer/,
      ],
      [["pull"], /needs an endpoint/],
      [
        ["pull", "--bind", "tcp://127.0.0.1:0", "--format", "yaml"],
        /no format "yaml"/,
      ],
      [["push", "--connect", "nope"], /"nope" is not an endpoint/],
      [["push", "--connect", "tcp://127.0.0.1"], /needs a host and a port/],
      [["pull", "--bind", "foo://x"], /transport "foo" is not supported/],
      [["pull", "--bind", inUse], /in use/],
      [["dish", "--bind", "tcp://127.0.0.1:0"], /--join GROUP/],
      [
        ["rep", "--bind", "tcp://127.0.0.1:0", "--curve-server"],
        /--curve-secret-key/,
      ],
      [
        ["req", "--connect", inUse, "--curve-server-key", "@/nonexistent"],
        /cannot read/,
      ],
      [
        ["push", "--connect", inUse, "--format", "jsonl", "--linger", "100"],
        /stdin line 2: not JSON/,
        '"ok"\nnot json\n',
      ],
      [["server", "--connect", inUse], /not a routing id/, "hello\n"],
      [["client", "--connect", inUse], /single-frame/, "a\tb\n"],
      [
        ["client", "--connect", inUse, "--format", "jsonl", "--linger", "0"],
        /^zmq: stdin line 4: .*single-frame/,
        '\n"a"\n\n["a","b"]\n',
      ],
      [
        ["radio", "--connect", inUse, "--group", "g".repeat(256)],
        /^zmq: --group: a group is at most 255 bytes/,
      ],
      [
        ["pull", "--bind", "tcp://127.0.0.1:0", "-t", "3000000000"],
        /-t is at most 2147483647/,
      ],
      // Named by their flags, not the library's options they set.
      [
        ["pull", "--bind", "tcp://127.0.0.1:0", "--hwm", "99999999999"],
        /^zmq: --hwm is at most 2147483647/,
      ],
      [
        [
          "proxy",
          "pull@tcp://127.0.0.1:0",
          "push@tcp://127.0.0.1:0",
          "--hwm",
          "99999999999",
        ],
        /^zmq: --hwm is at most 2147483647/,
      ],
      [
        ["pub", "--bind", "ws://127.0.0.1:0", "--ws-origin", "null"],
        /^zmq: --ws-origin: "null" is not an origin/,
      ],
      [
        ["dealer", "--connect", inUse, "--identity", "x".repeat(256)],
        /^zmq: --identity: a routing id is 1 to 255 bytes, not 256/,
      ],
      // The error alone: no totals of a run that never started.
      [["pull", "--bind", inUse, "--stats"], /in use/],
      // A group is text: hex that is no UTF-8 is refused, not sent as
      // other bytes (U+FFFD).
      [
        ["radio", "--connect", inUse, "--format", "hex", "--linger", "0"],
        /^zmq: stdin line 1: a group is UTF-8 text/,
        "ff\t00\n",
      ],
      [
        ["radio", "--connect", inUse, "--format", "jsonl", "--linger", "0"],
        /^zmq: stdin line 1: a string with a lone surrogate/,
        '{"group":"\\udcff","frames":["x"]}\n',
      ],
      [
        ["push", "--connect", inUse, "--format", "jsonl", "--linger", "0"],
        /^zmq: stdin line 1: not JSON: not UTF-8/,
        new Uint8Array([0x22, 0xff, 0x22, 0x0a]),
      ],
      [
        [
          "req",
          "--connect",
          inUse,
          "--curve-server-key",
          curveKeyPair().publicKey,
          "--plain-username",
          "u",
        ],
        /PLAIN and CURVE flags do not go together/,
      ],
      // Our public key alone would be dropped for a key pair of the
      // client's own; with a secret it does not match, no handshake works.
      [
        [
          "req",
          "--connect",
          inUse,
          "--curve-server-key",
          curveKeyPair().publicKey,
          "--curve-public-key",
          curveKeyPair().publicKey,
        ],
        /--curve-public-key needs --curve-secret-key/,
      ],
      [
        [
          "req",
          "--connect",
          inUse,
          "--curve-server-key",
          curveKeyPair().publicKey,
          "--curve-public-key",
          curveKeyPair().publicKey,
          "--curve-secret-key",
          givenSecretKey(),
        ],
        /--curve-public-key is not the public key of --curve-secret-key/,
      ],
      [
        [
          "proxy",
          "pull@tcp://127.0.0.1:0",
          "push@tcp://127.0.0.1:0",
          "--capture",
          "sub@tcp://127.0.0.1:0",
        ],
        /--capture: a SUB socket cannot send/,
      ],
      [
        ["proxy", "server@tcp://127.0.0.1:0", "push@tcp://127.0.0.1:0"],
        /FRONT: a SERVER socket carries single frames/,
      ],
      // A REQ or a REP would fail at the second message, not the first.
      [
        [
          "proxy",
          "pull@tcp://127.0.0.1:0",
          "push@tcp://127.0.0.1:0",
          "--capture",
          "req@tcp://127.0.0.1:0",
        ],
        /--capture: a REQ socket must alternate sending and receiving.*\(use pub, push or pair\)/,
      ],
      [
        ["proxy", "rep@tcp://127.0.0.1:0", "dealer@tcp://127.0.0.1:0"],
        /FRONT: a REP socket must alternate .*\(use router\)/,
      ],
      [
        ["proxy", "router@tcp://127.0.0.1:0", "req@tcp://127.0.0.1:0"],
        /BACK: a REQ socket must alternate .*\(use dealer\)/,
      ],
      // A line for a peer the socket does not have is bad input too.
      [
        ["server", "--bind", "tcp://127.0.0.1:0"],
        /^zmq: stdin line 1: no peer of this SERVER socket has the routing id 12345;/,
        "12345\treply\n",
      ],
      // A long group is named by its start, on one short line.
      [
        ["radio", "--bind", "tcp://127.0.0.1:0"],
        /^zmq: stdin line 1: the group "g{32}…" is 300 bytes; a group is at most 255\n$/,
        `${"g".repeat(300)}\tx\n`,
      ],
      // A peer that never answers the greeting takes nothing.
      [
        ["push", "--connect", inUse, "--linger", "100"],
        /1 message was never sent: no peer took it within the linger \(100 ms\)/,
        "hi\n",
      ],
    ];
    const results = await Promise.all(
      cases.map(([args, , stdin]) => zmq(args, stdin)),
    );
    results.forEach(({ code, stderr, text }, i) => {
      const [args, pattern] = cases[i];
      assertEquals(code, 1, `zmq ${args.join(" ")}: ${stderr}`);
      assertMatch(stderr, /^zmq: [^\n]+\n$/, `zmq ${args.join(" ")}`);
      assertMatch(stderr, pattern);
      assertEquals(text, "");
    });
    // Timeouts exit 124, saying what was never sent.
    const timeouts: [string[], string | undefined, string][] = [
      [
        ["push", "--connect", inUse, "--timeout", "100"],
        "hi\n",
        "1 message was never sent: no peer took it within the linger (100 ms)",
      ],
      [
        ["pull", "--bind", "tcp://127.0.0.1:0", "--timeout", "200"],
        undefined,
        "no message arrived within 200 ms (--timeout)",
      ],
      // A send that waited past --timeout is a timeout, not bad input.
      [
        ["push", "--bind", "tcp://127.0.0.1:0", "--timeout", "200"],
        "hi\n",
        "no peer took a message within 200 ms (--timeout)",
      ],
      // A request no peer took: the timeout says it never left.
      [
        ["req", "--connect", "tcp://127.0.0.1:1", "--timeout", "200"],
        "hi\n",
        "no message arrived within 200 ms (--timeout); 1 message was never sent",
      ],
    ];
    for (const [args, stdin, line] of timeouts) {
      const { code, stderr } = await zmq(args, stdin);
      assertEquals([code, stderr], [124, `zmq: ${line}\n`], args.join(" "));
    }
  } finally {
    listener.close();
  }
});

Deno.test("zmq --help, and zmq TYPE --help for every subcommand, with examples", async () => {
  const { code, text } = await zmq(["--help"]);
  assertEquals(code, 0);
  const names = [...text.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
  assert(names.includes("pull") && names.includes("dgram"), text);
  const helps = await Promise.all(
    [
      ...names.filter((name) =>
        !["text", "jsonl", "msgpack", "hex", "raw"].includes(name)
      ),
      "proxy",
      "keygen",
      "version",
    ]
      .map((name) =>
        zmq([name, "--help"]).then((result) => ({ name, ...result }))
      ),
  );
  for (const { name, code, text } of helps) {
    assertEquals(code, 0, name);
    assert(text.startsWith(`zmq ${name}:`), text);
    assertMatch(text, /\nExamples?:\n {2}(zmq|seq|echo|printf|grep) /, name);
  }
});
