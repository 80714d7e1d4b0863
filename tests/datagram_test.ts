/**
 * DGRAM: `[address, body]` messages over udp, ours with ours and with
 * libzmq 4.3.5's draft DGRAM (the Node peer) each way, and the rules on
 * what a message is and where a DGRAM may go.
 */
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { type Message, type MessageLike, ZmqError } from "../mod.ts";
import { Datagram } from "../patterns/datagram.ts";
import { Dish } from "../patterns/dish.ts";
import { Radio } from "../patterns/radio.ts";
import {
  formatUdpEndpoint,
  parseUdpAddress,
  udp,
  type UdpAddress,
} from "../transport/udp.ts";
import {
  decode,
  freeUdpPort,
  sendUntilReceived,
  timeout,
  until,
} from "./_helpers.ts";
import { assertRefusedAhead, LONG } from "./_draft_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { coreOf } from "../patterns/_core.ts";

const text = new TextEncoder();
const BODIES = [
  new Uint8Array(),
  text.encode("hello"),
  LONG,
  new Uint8Array(8192).fill(0x2a),
];

const receive = (socket: Datagram): Promise<Message> =>
  socket.receive({ signal: AbortSignal.timeout(5000) });

/** The `ip:port` a socket bound, as a DGRAM address frame says it. */
const addressOf = (socket: Datagram) =>
  socket.lastEndpoint!.slice("udp://".length);

Deno.test("udp addresses: unicast, any, IPv6, and a multicast group on an interface, as libzmq reads them", () => {
  const cases: [string, UdpAddress][] = [
    ["127.0.0.1:5555", { host: "127.0.0.1", port: 5555, multicast: false }],
    ["*:*", { host: "*", port: 0, multicast: false }],
    ["[::1]:5555", { host: "::1", port: 5555, multicast: false }],
    ["239.1.2.3:5555", { host: "239.1.2.3", port: 5555, multicast: true }],
    ["127.0.0.1;239.1.2.3:0", {
      interface: "127.0.0.1",
      host: "239.1.2.3",
      port: 0,
      multicast: true,
    }],
  ];
  for (const [address, expected] of cases) {
    assertEquals(parseUdpAddress(address), expected, address);
  }
  assertEquals(
    formatUdpEndpoint(parseUdpAddress("127.0.0.1;239.1.2.3:5555")),
    "udp://127.0.0.1;239.1.2.3:5555",
  );
  assertEquals(
    formatUdpEndpoint(parseUdpAddress("[::1]:80")),
    "udp://[::1]:80",
  );
  for (
    const bad of [
      "127.0.0.1", // no port
      "127.0.0.1:70000",
      "127.0.0.1;127.0.0.2:5555", // an interface before a unicast address
      "eth 0;239.1.2.3:5555", // no interface's name
      "[ff02::1]:5555", // IPv6 multicast
      // A leading zero, octal to libzmq (239.1.2.8): not another group.
      "239.1.2.010:5555",
      "127.0.0.1;239.01.2.3:5555",
      "239.255.9.9;239.1.2.3:5555", // a group as the source (libzmq: EINVAL)
    ]
  ) {
    assertEquals(
      assertThrows(() => parseUdpAddress(bad), ZmqError).code,
      "EINVAL",
      bad,
    );
  }
  assertEquals(
    assertThrows(() => udp.check("*:5555", "connect"), ZmqError).code,
    "EINVAL",
  );
});

Deno.test("DGRAM ↔ DGRAM (ours): each body reaches the address, and the reply goes back to the sender's", async () => {
  await using alice = new Datagram();
  await alice.bind("udp://127.0.0.1:0");
  await using bob = new Datagram();
  await bob.bind("udp://localhost:*");
  assertEquals(bob.lastEndpoint!.startsWith("udp://127.0.0.1:"), true);
  for (const body of BODIES) {
    await alice.send([addressOf(bob), body]);
    const [from, received] = await receive(bob);
    assertEquals([decode(from), received], [addressOf(alice), body]);
    await bob.send([from, received]);
    assertEquals(await receive(alice), [text.encode(addressOf(bob)), body]);
  }
});

Deno.test("DGRAM: an address of the other family than the bind's is taken, and the datagram reaches nobody; the socket goes on", async () => {
  await using alice = new Datagram();
  await alice.bind("udp://127.0.0.1:0");
  await using bob = new Datagram();
  await bob.bind("udp://127.0.0.1:0");
  // Well formed, so sent; an IPv4 socket has no way to it.
  await alice.send(["[::1]:5555", "lost"], timeout());
  await alice.send([addressOf(bob), "next"], timeout());
  const [from, body] = await receive(bob);
  assertEquals([decode(from), decode(body)], [addressOf(alice), "next"]);
});

Deno.test("DGRAM: bound again elsewhere after an unbind that left a datagram unread, it takes datagrams at the new address, after the unread one", async () => {
  await using alice = new Datagram();
  await alice.bind("udp://127.0.0.1:0");
  const first = alice.lastEndpoint!;
  await using bob = new Datagram();
  await bob.bind("udp://127.0.0.1:0");
  await bob.send([first.slice("udp://".length), "unread"]);
  // In its pipe, unread (not peeked: `readable` would take it out).
  await until(
    () => [...coreOf(alice).pipes].some((pipe) => pipe.inbound.length > 0),
    "the datagram",
  );
  await alice.unbind(first);
  await alice.bind("udp://127.0.0.1:0");
  await bob.send([addressOf(alice), "to the second address"]);
  assertEquals(decode((await receive(alice))[1]), "unread");
  const [from, body] = await receive(alice);
  assertEquals([decode(from), decode(body)], [
    addressOf(bob),
    "to the second address",
  ]);
  // And it sends, where its sends waited for a pipe for ever.
  await alice.send([addressOf(bob), "back"], timeout());
  assertEquals(decode((await receive(bob))[1]), "back");
});

Deno.test("DGRAM: a datagram sent just before close still goes out (linger)", async () => {
  await using receiver = new Datagram();
  await receiver.bind("udp://127.0.0.1:0");
  const sender = new Datagram();
  await sender.bind("udp://127.0.0.1:0");
  await sender.send([addressOf(receiver), "last words"]);
  const { dropped } = await sender.close();
  assertEquals(dropped, 0);
  assertEquals((await receive(receiver))[1], text.encode("last words"));
});

Deno.test("DGRAM: with linger 0, what was sent just before close still goes out, as libzmq's I/O thread has sent it by then", async () => {
  await using receiver = new Datagram();
  await receiver.bind("udp://127.0.0.1:0");
  const sender = new Datagram({ linger: 0 });
  await sender.bind("udp://127.0.0.1:0");
  const words = ["sent", "just", "before", "close"];
  for (const word of words) await sender.send([addressOf(receiver), word]);
  assertEquals((await sender.close()).dropped, 0);
  for (const word of words) {
    assertEquals((await receive(receiver))[1], text.encode(word));
  }
});

Deno.test("DGRAM: a message is [address, body] with an IP address and at most 8192 bytes; anything else is EINVAL", async () => {
  await using socket = new Datagram();
  await socket.bind("udp://127.0.0.1:0");
  const bad: [string, MessageLike][] = [
    ["one frame", "no address"],
    ["three frames", ["127.0.0.1:5555", "a", "b"]],
    ["no port", ["127.0.0.1", "body"]],
    ["a host name", ["localhost:5555", "body"]],
    ["a body over 8192 bytes", [
      text.encode("127.0.0.1:5555"),
      new Uint8Array(8193),
    ]],
  ];
  for (const [what, message] of bad) {
    const error = await assertRejects(
      () => socket.send(message),
      ZmqError,
      undefined,
      what,
    );
    assertEquals(error.code, "EINVAL", what);
  }
});

Deno.test("DGRAM: a datagram over 8192 bytes from another sender is received cut to 8192, as libzmq reads it", async () => {
  await using socket = new Datagram();
  await socket.bind("udp://127.0.0.1:0");
  const raw = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    const long = new Uint8Array(10_000).map((_, i) => i % 251);
    const [hostname, port] = addressOf(socket).split(":");
    await raw.send(long, { transport: "udp", hostname, port: Number(port) });
    const [from, body] = await receive(socket);
    assertEquals(decode(from), `127.0.0.1:${(raw.addr as Deno.NetAddr).port}`);
    assertEquals(body, long.subarray(0, 8192));
  } finally {
    raw.close();
  }
});

Deno.test("DGRAM: a malformed message is refused at once, even while a send waits for the bind", async () => {
  await using socket = new Datagram();
  await assertRefusedAhead(
    socket,
    ["127.0.0.1:5555", "waits: not bound"],
    "no address",
    "a DGRAM message is two frames",
  );
});

Deno.test("DGRAM binds udp only, and cannot connect: ENOCOMPATPROTO", async () => {
  await using socket = new Datagram();
  const error = await assertRejects(
    () => socket.bind("tcp://127.0.0.1:0"),
    ZmqError,
  );
  assertEquals(error.code, "ENOCOMPATPROTO");
  for (const endpoint of ["udp://127.0.0.1:5555", "tcp://127.0.0.1:5555"]) {
    const error = assertThrows(() => socket.connect(endpoint), ZmqError);
    assertEquals(error.code, "ENOCOMPATPROTO", endpoint);
  }
});

Deno.test("without --unstable-net (no Deno.listenDatagram), udp fails at once with EPROTONOSUPPORT naming the flag", async () => {
  const deno = Deno as unknown as { listenDatagram?: unknown };
  const listenDatagram = deno.listenDatagram;
  delete deno.listenDatagram;
  try {
    await using socket = new Datagram();
    const error = await assertRejects(
      () => socket.bind("udp://127.0.0.1:0"),
      ZmqError,
      "--unstable-net",
    );
    assertEquals(error.code, "EPROTONOSUPPORT");
    await using radio = new Radio();
    const thrown = assertThrows(
      () => radio.connect("udp://127.0.0.1:5555"),
      ZmqError,
      "--unstable-net",
    );
    assertEquals(thrown.code, "EPROTONOSUPPORT");
  } finally {
    deno.listenDatagram = listenDatagram;
  }
});

Deno.test("DGRAM against libzmq: ours sends first, and libzmq does", async (t) => {
  await using peer = new LibzmqPeer();
  await using ours = new Datagram();
  await ours.bind("udp://127.0.0.1:0");
  const theirs = await peer.open("Datagram");
  const theirAddress = `127.0.0.1:${freeUdpPort()}`;
  await theirs.bind(`udp://${theirAddress}`);
  // libzmq binds in its I/O thread after bind returns: repeat until then.
  const [first] = await sendUntilReceived(
    () => ours.send([theirAddress, "first"]),
    theirs.receive(),
  );
  // libzmq's address frame ends with a NUL byte.
  assertEquals(first, text.encode(`${addressOf(ours)}\0`));
  await t.step(
    "ours → libzmq, and libzmq replies to what it received",
    async () => {
      for (const body of BODIES) {
        await ours.send([theirAddress, body]);
        let from: Uint8Array, received: Uint8Array;
        do [from, received] = await theirs.receive(); // first's copies go by
         while (decode(received) === "first");
        assertEquals(from, text.encode(`${addressOf(ours)}\0`));
        await theirs.send([from, received]);
        assertEquals(await receive(ours), [text.encode(theirAddress), body]);
      }
    },
  );
  await t.step(
    "libzmq → ours, and ours replies to what it received",
    async () => {
      for (const body of BODIES) {
        await theirs.send([addressOf(ours), body]);
        const [from, received] = await receive(ours);
        assertEquals([decode(from), received], [theirAddress, body]);
        await ours.send([from, received]);
        assertEquals(await theirs.receive(), [
          text.encode(`${addressOf(ours)}\0`),
          body,
        ]);
      }
    },
  );
  await theirs.close();
});

Deno.test("DGRAM: a second bind's socket is closed at once, its port free again (one udp pipe, as PAIR's peer)", async () => {
  const dgram = new Datagram();
  await dgram.bind("udp://127.0.0.1:0");
  await dgram.bind("udp://127.0.0.1:0");
  const port = Number(dgram.lastEndpoint!.split(":").at(-1));
  const free = () => {
    try {
      Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port })
        .close();
      return true;
    } catch {
      return false;
    }
  };
  await until(free, "the second bind's port free");
  await dgram.close();
});

Deno.test("a udp socket whose receive fails says so with a protocol-error (a WebSocket goodbye is the only end told as a hang-up)", async () => {
  const deno = Deno as unknown as {
    listenDatagram(options: unknown): Deno.DatagramConn;
  };
  const real = deno.listenDatagram;
  let fail: (error: Error) => void = () => {};
  const failing = new Promise<never>((_, reject) => fail = reject);
  failing.catch(() => {});
  deno.listenDatagram = (options) => {
    const conn = real.call(Deno, options);
    return new Proxy(conn, {
      get(target, name) {
        if (name === "receive") {
          return (buffer?: Uint8Array) =>
            Promise.race([target.receive(buffer), failing]);
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  try {
    await using dish = new Dish();
    await dish.bind("udp://127.0.0.1:0");
    const failed = dish.events.wait(
      "protocol-error",
      AbortSignal.timeout(5000),
    );
    const error = new Error("network is down");
    error.name = "NetworkDown";
    fail(error);
    assertEquals((await failed).reason.includes("network is down"), true);
  } finally {
    deno.listenDatagram = real;
  }
});
