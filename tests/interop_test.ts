/**
 * Every socket pair against libzmq 4.3.5 (the Node peer), in both
 * directions (we bind / libzmq binds), over tcp, ipc and ws (ZWS 2.0, at a
 * path other than /), with multipart
 * messages, empty frames, a 300-byte frame and a 1 MiB message.
 */
import { assertEquals, assertThrows } from "@std/assert";
import {
  Dealer,
  type Message,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  Subscriber,
  ZmqError,
} from "../mod.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";
import {
  decode,
  freePort,
  runPython,
  sendUntilReceived,
  until,
} from "./_helpers.ts";
import { coreOf } from "../patterns/_core.ts";

const text = new TextEncoder();
const TIMEOUT = 5000;
const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
const MESSAGES: Uint8Array[][] = [
  [text.encode("hello")],
  ["multi", "part", "message"].map((s) => text.encode(s)),
  [new Uint8Array(), text.encode("empty frames around"), new Uint8Array()],
  [new Uint8Array(300).fill(0x2a)],
  [big],
];

type Transport = "tcp" | "ipc" | "ws";

interface Ends {
  /** Binds ours, returns the endpoint to give libzmq. */
  bindOurs(socket: Socket): Promise<string>;
  /** Binds libzmq's, returns the endpoint to give ours. */
  bindTheirs(socket: LibzmqSocket): Promise<string>;
}

function ends(transport: Transport, dir: string): Ends {
  let counter = 0;
  return {
    async bindOurs(socket) {
      await socket.bind(
        transport === "tcp"
          ? "tcp://127.0.0.1:0"
          : transport === "ws"
          ? "ws://127.0.0.1:0/zmq"
          : `ipc://${dir}/ours${++counter}`,
      );
      return socket.lastEndpoint!;
    },
    bindTheirs(socket) {
      return socket.bind(
        transport === "tcp"
          ? "tcp://127.0.0.1:*"
          : transport === "ws"
          ? `ws://127.0.0.1:${freePort()}/zmq`
          : `ipc://${dir}/theirs${++counter}`,
      );
    },
  };
}

/** Links ours and theirs, binding on the side the scenario names. */
async function link(
  ours: Socket,
  theirs: LibzmqSocket,
  weBind: boolean,
  e: Ends,
): Promise<void> {
  if (weBind) {
    await theirs.connect(await e.bindOurs(ours));
  } else {
    ours.connect(await e.bindTheirs(theirs));
  }
}

function receive(socket: Socket): Promise<Message> {
  return socket.receive({ signal: AbortSignal.timeout(TIMEOUT) });
}

type Scenario = (peer: LibzmqPeer, weBind: boolean, e: Ends) => Promise<void>;

const scenarios: Record<string, Scenario> = {
  async "PUSH (ours) → PULL (libzmq)"(peer, weBind, e) {
    const push = new Push();
    const pull = await peer.open("Pull");
    await link(push, pull, weBind, e);
    for (const message of MESSAGES) {
      await push.send(message);
      assertEquals(await pull.receive(), message);
    }
    await push.close();
    await pull.close();
  },
  async "PUSH (libzmq) → PULL (ours)"(peer, weBind, e) {
    const pull = new Pull();
    const push = await peer.open("Push");
    await link(pull, push, weBind, e);
    for (const message of MESSAGES) {
      await push.send(message);
      assertEquals(await receive(pull), message);
    }
    await pull.close();
    await push.close();
  },
  async "REQ (ours) → REP (libzmq)"(peer, weBind, e) {
    const req = new Request();
    const rep = await peer.open("Reply");
    await link(req, rep, weBind, e);
    await rep.echo();
    for (const message of MESSAGES) {
      await req.send(message);
      assertEquals(await receive(req), message);
    }
    await req.close();
    await rep.close();
  },
  async "REQ (libzmq) → REP (ours)"(peer, weBind, e) {
    const rep = new Reply();
    const req = await peer.open("Request");
    await link(rep, req, weBind, e);
    for (const message of MESSAGES) {
      await req.send(message);
      assertEquals(await receive(rep), message);
      await rep.send([text.encode("re:"), ...message]);
      assertEquals(await req.receive(), [text.encode("re:"), ...message]);
    }
    await rep.close();
    await req.close();
  },
  async "DEALER (ours) → ROUTER (libzmq)"(peer, weBind, e) {
    const dealer = new Dealer({ routingId: "deno-dealer" });
    const router = await peer.open("Router");
    await link(dealer, router, weBind, e);
    await router.echo();
    for (const message of MESSAGES) {
      await dealer.send(message);
      assertEquals(await receive(dealer), message);
    }
    await dealer.close();
    await router.close();
  },
  async "DEALER (libzmq) → ROUTER (ours)"(peer, weBind, e) {
    const router = new Router();
    const dealer = await peer.open("Dealer", { routingId: "node-dealer" });
    await link(router, dealer, weBind, e);
    for (const message of MESSAGES) {
      await dealer.send(message);
      const [id, ...body] = await receive(router);
      assertEquals(id, text.encode("node-dealer"));
      assertEquals(body, message);
      await router.send([id, ...message]);
      assertEquals(await dealer.receive(), message);
    }
    await router.close();
    await dealer.close();
  },
  async "REQ (libzmq) → ROUTER (ours), generated 5-byte id"(peer, weBind, e) {
    const router = new Router();
    const req = await peer.open("Request");
    await link(router, req, weBind, e);
    await req.send(["hi"]);
    const [id, delimiter, body] = await receive(router);
    assertEquals([id.length, id[0], delimiter.length], [5, 0, 0]);
    assertEquals(body, text.encode("hi"));
    await router.send([id, delimiter, "there"]);
    assertEquals(await req.receive(), [text.encode("there")]);
    await router.close();
    await req.close();
  },
  async "PUB (ours) → SUB (libzmq)"(peer, weBind, e) {
    const pub = new Publisher();
    const sub = await peer.open("Subscriber");
    await sub.subscribe("t");
    await link(pub, sub, weBind, e);
    await sendUntilReceived(
      () => pub.send(["t", "sync"]),
      sub.receive(TIMEOUT),
    );
    for (const message of MESSAGES) {
      await pub.send(["x", ...message]); // filtered out at the publisher
      await pub.send(["t", ...message]);
      assertEquals(await receiveSkippingSync(() => sub.receive()), [
        text.encode("t"),
        ...message,
      ]);
    }
    await pub.close();
    await sub.close();
  },
  async "PUB (libzmq) → SUB (ours)"(peer, weBind, e) {
    const sub = new Subscriber();
    sub.subscribe("t");
    const pub = await peer.open("Publisher");
    await link(sub, pub, weBind, e);
    await sendUntilReceived(() => pub.send(["t", "sync"]), receive(sub));
    for (const message of MESSAGES) {
      await pub.send(["x", ...message]);
      await pub.send(["t", ...message]);
      assertEquals(await receiveSkippingSync(() => receive(sub)), [
        text.encode("t"),
        ...message,
      ]);
    }
    await sub.close();
    await pub.close();
  },
  async "PAIR (ours) ↔ PAIR (libzmq)"(peer, weBind, e) {
    const ours = new Pair();
    const theirs = await peer.open("Pair");
    await link(ours, theirs, weBind, e);
    for (const message of MESSAGES) {
      await ours.send(message);
      assertEquals(await theirs.receive(), message);
      await theirs.send(message);
      assertEquals(await receive(ours), message);
    }
    await ours.close();
    await theirs.close();
  },
};

async function receiveSkippingSync(
  receiveOne: () => Promise<Message>,
): Promise<Message> {
  while (true) {
    const message = await receiveOne();
    if (
      message.length !== 2 || new TextDecoder().decode(message[1]) !== "sync"
    ) return message;
  }
}

for (const transport of ["tcp", "ipc", "ws"] as const) {
  Deno.test(`interop with libzmq 4.3.5 over ${transport}`, async (t) => {
    await using peer = new LibzmqPeer();
    const dir = await Deno.makeTempDir();
    try {
      const e = ends(transport, dir);
      for (const [name, scenario] of Object.entries(scenarios)) {
        for (const weBind of [true, false]) {
          await t.step(
            `${name}, ${weBind ? "we bind" : "libzmq binds"}`,
            () => scenario(peer, weBind, e),
          );
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("ws: a bound socket serves any path, as libzmq's ws engine never compares it; a libzmq REQ that asks for another is answered", async () => {
  await using peer = new LibzmqPeer();
  const reply = new Reply();
  await reply.bind("ws://127.0.0.1:0/right");
  const port = new URL(reply.lastEndpoint!.replace("ws:", "http:")).port;
  for (const path of ["/wrong", ""]) {
    const request = await peer.open("Request");
    await request.connect(`ws://127.0.0.1:${port}${path}`);
    await request.send(["hello", "x".repeat(300)]);
    const asked = await reply.receive({ signal: AbortSignal.timeout(5000) });
    assertEquals(asked.map((f) => f.length), [5, 300]);
    await reply.send(["world"]);
    assertEquals(
      (await request.receive()).map((f) => new TextDecoder().decode(f)),
      ["world"],
    );
    await request.close();
  }
  await reply.close();
});

Deno.test("PAIR: a second libzmq PAIR stays connected but unheard, as libzmq's PAIR keeps it (refused, it reconnected every interval)", async () => {
  await using peer = new LibzmqPeer();
  const pair = new Pair();
  await pair.bind("tcp://127.0.0.1:0");
  const decode = (f: Uint8Array) => new TextDecoder().decode(f);
  const first = await peer.open("Pair");
  await first.connect(pair.lastEndpoint!);
  await first.send(["one"]);
  assertEquals(
    (await pair.receive({ signal: AbortSignal.timeout(5000) })).map(decode),
    ["one"],
  );
  const second = await peer.open("Pair");
  await second.connect(pair.lastEndpoint!);
  await pair.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
  await second.send(["unheard"]);
  await first.send(["two"]);
  assertEquals(
    (await pair.receive({ signal: AbortSignal.timeout(5000) })).map(decode),
    ["two"],
  );
  await pair.send(["back"]);
  assertEquals((await first.receive()).map(decode), ["back"]);
  const ready = [...coreOf(pair).pipes].filter((pipe) => pipe.ready);
  assertEquals(ready.length, 2);
  // Read before its reading paused, never delivered: counted at close.
  await until(() => coreOf(pair).withheld === 1, "the unheard message read");
  await first.close();
  await second.close();
  assertEquals((await pair.close()).unread, 1);
});

const METADATA_PY = `
import sys, zmq
context = zmq.Context()
dealer = context.socket(zmq.DEALER)
dealer.setsockopt(zmq.METADATA, b"X-Foo:from libzmq")
dealer.connect(sys.argv[1])
dealer.send(b"hi")
if not dealer.poll(5000):
    sys.exit("no reply")
frame = dealer.recv(copy=False)
print(frame.get("X-Bar"))
dealer.close(0)
`;

Deno.test("metadata: our own properties go in the handshake and libzmq reads them as message properties (ZMQ_METADATA), and theirs reach our peer's metadata, with its address (Peer-Address)", async () => {
  await using router = new Router({ metadata: { "X-Bar": "from ours" } });
  await router.bind("tcp://127.0.0.1:0");
  const native = runPython(METADATA_PY, router.lastEndpoint!);
  const [id, hi] = await router.receive({ signal: AbortSignal.timeout(5000) });
  assertEquals(new TextDecoder().decode(hi), "hi");
  assertEquals(
    router.peer(id)?.metadata.getString("X-Foo"),
    "from libzmq",
  );
  // libzmq's Peer-Address property.
  assertEquals(router.peer(id)?.address, "127.0.0.1");
  await router.send([id, "back"]);
  assertEquals(await native, "from ours");
  assertThrows(() => new Router({ metadata: { "Bar": "x" } }), ZmqError);
  assertThrows(() => new Router({ metadata: { "X-Bar": "" } }), ZmqError);
});

Deno.test("frames over 4 MiB from libzmq (pyzmq) arrive whole, over tcp and ipc: read in place once 4 MiB of each have come", async () => {
  const size = 12 * 1024 * 1024;
  const expected = new Uint8Array(size).map((_, i) => i % 251);
  const dir = await Deno.makeTempDir();
  try {
    for (const endpoint of ["tcp://127.0.0.1:0", `ipc://${dir}/big`]) {
      await using pull = new Pull();
      await pull.bind(endpoint);
      const sending = runPython(
        `
import sys, zmq
context = zmq.Context()
push = context.socket(zmq.PUSH)
push.connect(sys.argv[1])
big = (bytes(range(251)) * (${size} // 251 + 1))[:${size}]
push.send_multipart([b"head", big, b""])
push.close(linger=5000)
context.term()
`,
        pull.lastEndpoint!,
      );
      const [head, body, tail] = await pull.receive({
        signal: AbortSignal.timeout(15000),
      });
      await sending;
      assertEquals([decode(head), body.length, tail.length], ["head", size, 0]);
      assertEquals(body, expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
