/**
 * RADIO and DISH: exact groups over every transport, ours with ours and
 * with libzmq 4.3.5's draft sockets (the Node peer) both ways, over tcp
 * and over udp (unicast, and multicast on loopback); the rules on groups,
 * and bad input from a udp sender and from a ZMTP peer.
 */
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Push, ZmqError } from "../mod.ts";
import { Dish, type DishMessage } from "../patterns/dish.ts";
import { Radio } from "../patterns/radio.ts";
import { MAX_GROUP_BYTES } from "../codec/socket_type.ts";
import { decode, freeUdpPort, portOf, sendUntilReceived } from "./_helpers.ts";
import { link, LONG, overTransports, RawPeer } from "./_draft_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

const text = new TextEncoder();
/** A group as long as groups may be over every transport (udp: 127 bytes). */
const FULL_GROUP = "g".repeat(Math.min(MAX_GROUP_BYTES, 127));

const receive = (dish: Dish): Promise<DishMessage> =>
  dish.receive({ signal: AbortSignal.timeout(5000) });

const summary = (message: DishMessage) => [message.group, ...message];

/** A multicast group of its own for each test (administratively scoped). */
const multicastGroup = () =>
  `239.255.${1 + Math.floor(Math.random() * 254)}.${
    1 + Math.floor(Math.random() * 254)
  }`;

/**
 * Waits until the RADIO has the DISH's JOINs (the one wait ZeroMQ cannot
 * signal) by sending to a probe group the DISH joined, then leaves it: the
 * probes still queued are filtered out by the DISH itself.
 */
async function untilJoined(radio: Radio, dish: Dish): Promise<void> {
  await sendUntilReceived(
    () => radio.send("probe", { group: "probe" }),
    receive(dish),
  );
  dish.leave("probe");
}

/** Sends the groups a DISH of "TV" must not get, then what it must. */
async function sendMixed(
  send: (body: Uint8Array | string, group: string) => Promise<void>,
): Promise<void> {
  await send("prefix", "T");
  await send("other", "Movies");
  await send(new Uint8Array(), "TV");
  await send("longer", "TVX");
  await send(LONG, "TV");
  await send("full", FULL_GROUP);
}

const EXPECTED = [
  ["TV", new Uint8Array()],
  ["TV", LONG],
  [FULL_GROUP, text.encode("full")],
];

Deno.test("RADIO → DISH (ours): exact groups, empty and long bodies, over tcp, ipc, inproc and ws", async (t) => {
  await overTransports(t, async (endpoint) => {
    await using radio = new Radio();
    await radio.bind(endpoint("radio"));
    await using dish = new Dish();
    dish.join("probe", "TV", FULL_GROUP);
    dish.connect(radio.lastEndpoint!);
    await untilJoined(radio, dish);
    await sendMixed((body, group) => radio.send(body, { group }));
    for (const expected of EXPECTED) {
      assertEquals(summary(await receive(dish)), expected);
    }
  });
});

Deno.test("RADIO → DISH (ours) over udp unicast: every group is sent, the DISH keeps its own", async () => {
  await using dish = new Dish();
  dish.join("TV", FULL_GROUP);
  await dish.bind("udp://127.0.0.1:0");
  await using radio = new Radio();
  radio.connect(dish.lastEndpoint!);
  // No JOIN travels over udp: the first message already counts.
  await sendMixed((body, group) => radio.send(body, { group }));
  for (const expected of EXPECTED) {
    assertEquals(summary(await receive(dish)), expected);
  }
});

Deno.test("RADIO over udp to a name: looked up once at connect, as libzmq's udp connect (not for each datagram); an IPv6 one is sent to from IPv6; a name with no address is retried with an event, never connected", async () => {
  const asked: string[] = [];
  const original = Deno.resolveDns;
  // The name server as a stand-in: the test machine's may be anywhere.
  Deno.resolveDns = ((name: string, type: string) => {
    asked.push(`${name} ${type}`);
    const found = { "dish.test A": "127.0.0.1", "six.test AAAA": "::1" }[
      `${name} ${type}` as "dish.test A"
    ];
    return found
      ? Promise.resolve([found])
      : Promise.reject(new Deno.errors.NotFound(`no records for ${name}`));
  }) as typeof Deno.resolveDns;
  try {
    await using dish = new Dish();
    dish.join("g");
    await dish.bind("udp://127.0.0.1:0");
    await using radio = new Radio();
    radio.connect(`udp://dish.test:${portOf(dish.lastEndpoint!)}`);
    for (const body of ["one", "two", "three"]) {
      await radio.send(body, { group: "g" });
      assertEquals(decode((await receive(dish))[0]), body);
    }
    assertEquals(asked, ["dish.test A"], "looked up once");

    // A name with an IPv6 address only: sent from IPv6, as an address is.
    await using six = new Dish();
    six.join("g");
    await six.bind("udp://[::1]:0");
    await using sixRadio = new Radio();
    sixRadio.connect(`udp://six.test:${portOf(six.lastEndpoint!)}`);
    await sixRadio.send("over IPv6", { group: "g" });
    assertEquals(decode((await receive(six))[0]), "over IPv6");

    await using lost = new Radio();
    const seen: string[] = [];
    const retried = deadline(
      (async () => {
        for await (const event of lost.events) {
          seen.push(event.type);
          if (event.type === "connect-retried") return event;
        }
      })(),
      5000,
    );
    lost.connect("udp://nosuch.test:5555");
    const event = await retried;
    assertEquals(seen.includes("connected"), false, seen.join());
    assertEquals(
      event?.reason,
      'udp://nosuch.test:5555: "nosuch.test" has no address (no records for nosuch.test)',
    );
  } finally {
    Deno.resolveDns = original;
  }
});

Deno.test("RADIO over udp with immediate: what is sent at once after connect goes, as libzmq's", async () => {
  await using dish = new Dish();
  dish.join("g");
  await dish.bind("udp://127.0.0.1:0");
  // udp has no handshake to wait for: libzmq makes its pipe at connect.
  await using radio = new Radio({ immediate: true });
  radio.connect(dish.lastEndpoint!);
  await radio.send("first", { group: "g" });
  assertEquals(decode((await receive(dish))[0]), "first");
});

Deno.test("RADIO → DISH (ours) over udp multicast on loopback (interface;group:port)", async () => {
  await using dish = new Dish();
  dish.join("TV");
  await dish.bind(`udp://127.0.0.1;${multicastGroup()}:0`);
  await using radio = new Radio();
  radio.connect(dish.lastEndpoint!);
  await radio.send("Friends", { group: "TV" });
  assertEquals(summary(await receive(dish)), ["TV", text.encode("Friends")]);
});

Deno.test("RADIO over udp: a message too long for one datagram is not sent; the next one is", async () => {
  await using dish = new Dish();
  dish.join("TV");
  await dish.bind("udp://127.0.0.1:0");
  await using radio = new Radio();
  radio.connect(dish.lastEndpoint!);
  await radio.send(new Uint8Array(8192), { group: "TV" });
  await radio.send("after", { group: "TV" });
  assertEquals(summary(await receive(dish)), ["TV", text.encode("after")]);
});

Deno.test("a RADIO drops what its high-water mark holds no room for, and never waits", async () => {
  await using dish = new Dish();
  dish.join("TV");
  await dish.bind("udp://127.0.0.1:0");
  await using radio = new Radio({ sendHighWaterMark: 1 });
  radio.connect(dish.lastEndpoint!);
  // One turn of the event loop: the queue of one is not written out yet.
  for (const body of ["1", "2", "3"]) await radio.send(body, { group: "TV" });
  assertEquals(summary(await receive(dish)), ["TV", text.encode("1")]);
  await radio.send("4", { group: "TV" });
  assertEquals(summary(await receive(dish)), ["TV", text.encode("4")]);
});

Deno.test("unbinding a udp endpoint releases its port", async () => {
  await using dish = new Dish();
  await dish.bind("udp://127.0.0.1:0");
  const endpoint = dish.lastEndpoint!;
  for (let bound = 1; bound <= 2; bound++) {
    // Each bind's own link is live (events are buffered: one per bind).
    const signal = AbortSignal.timeout(5000);
    const event = await dish.events.wait("handshake-succeeded", signal);
    assertEquals(event.endpoint, endpoint);
    await dish.unbind(endpoint);
    await dish.bind(endpoint); // fails with EADDRINUSE if not released
  }
  await dish.unbind(endpoint);
  // Released by the last unbind too.
  const port = portOf(endpoint);
  Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port })
    .close();
});

Deno.test("a DISH tells each new RADIO its groups, and a group joined while connected", async () => {
  await using first = new Radio();
  await first.bind("tcp://127.0.0.1:0");
  await using second = new Radio();
  await second.bind("tcp://127.0.0.1:0");
  await using dish = new Dish();
  dish.join("early");
  dish.connect(first.lastEndpoint!);
  dish.connect(second.lastEndpoint!);
  for (let i = 0; i < 2; i++) {
    await dish.events.wait("handshake-succeeded", AbortSignal.timeout(5000));
  }
  dish.join("late");
  for (const radio of [first, second]) {
    for (const group of ["early", "late"]) {
      const message = await sendUntilReceived(
        () => radio.send(group, { group }),
        receive(dish),
      );
      assertEquals(summary(message), [group, text.encode(group)]);
      dish.leave(group); // so that no copy still queued answers the next
      dish.join(group);
    }
  }
});

Deno.test("groups: joining twice, leaving what is not joined, too long or NUL is EINVAL; RADIO sends one frame to a group", async () => {
  await using dish = new Dish();
  dish.join("TV");
  const cases: [string, () => void][] = [
    ["join twice", () => dish.join("TV")],
    ["join one twice in a call", () => dish.join("a", "a")],
    ["leave what is not joined", () => dish.leave("Movies")],
    ["a group too long", () => dish.join("x".repeat(MAX_GROUP_BYTES + 1))],
    ["a NUL byte", () => dish.join("a\0b")],
  ];
  for (const [what, call] of cases) {
    assertEquals(assertThrows(call, ZmqError, undefined, what).code, "EINVAL");
  }
  dish.leave("TV"); // "a", from the refused call, was not joined:
  assertThrows(() => dish.leave("a"), ZmqError, "not joined");
  await using radio = new Radio();
  for (
    const send of [
      () => radio.send(["two", "frames"], { group: "TV" }),
      () => radio.send("x", { group: "x".repeat(MAX_GROUP_BYTES + 1) }),
      () => radio.send("x", {} as { group: string }),
    ]
  ) {
    assertEquals((await assertRejects(send, ZmqError)).code, "EINVAL");
  }
  const notSup = [() => dish.send("x"), () => radio.receive()];
  for (const call of notSup) {
    assertEquals((await assertRejects(call, ZmqError)).code, "ENOTSUP");
  }
});

Deno.test("udp: a DISH or DGRAM binds, a RADIO connects; anything else is ENOCOMPATPROTO", async () => {
  await using radio = new Radio();
  await using push = new Push();
  for (const socket of [radio, push]) {
    const error = await assertRejects(
      () => socket.bind("udp://127.0.0.1:0"),
      ZmqError,
    );
    assertEquals(error.code, "ENOCOMPATPROTO");
  }
  await using dish = new Dish();
  const error = assertThrows(
    () => dish.connect("udp://127.0.0.1:5555"),
    ZmqError,
  );
  assertEquals(error.code, "ENOCOMPATPROTO");
});

Deno.test("a DISH on udp drops datagrams that are not RADIO messages, with an event, and keeps reading", async () => {
  await using dish = new Dish();
  dish.join("TV");
  await dish.bind("udp://127.0.0.1:0");
  const port = Number(dish.lastEndpoint!.split(":").at(-1));
  const sender = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  const bad = [
    new Uint8Array(),
    new Uint8Array([9, ...text.encode("TV")]),
    new Uint8Array([255]),
  ];
  if (MAX_GROUP_BYTES < 255) {
    const length = MAX_GROUP_BYTES + 1;
    bad.push(new Uint8Array([length, ...new Uint8Array(length).fill(0x61)]));
  }
  for (const datagram of bad) {
    await sender.send(datagram, to);
    const event = await dish.events.wait(
      "protocol-error",
      AbortSignal.timeout(5000),
    );
    assertEquals(event.kind, "protocol");
  }
  await sender.send(new Uint8Array([2, ...text.encode("TVok")]), to);
  sender.close();
  assertEquals(summary(await receive(dish)), ["TV", text.encode("ok")]);
});

Deno.test("a DISH drops a ZMTP RADIO that breaks the framing, with an event, and keeps serving", async (t) => {
  await using dish = new Dish();
  dish.join("TV");
  await dish.bind("tcp://127.0.0.1:0");
  const cases: [string, string[]][] = [
    ["a group frame without a body", ["TV"]],
    ["a body of two frames", ["TV", "a", "b"]],
    ["a group over the limit", ["x".repeat(MAX_GROUP_BYTES + 1), "body"]],
  ];
  const events = dish.events;
  for (const [name, frames] of cases) {
    await t.step(name, async () => {
      using raw = await RawPeer.to(dish, "RADIO");
      await deadline(raw.handshake(), 5000);
      const receiving = receive(dish);
      await raw.send(frames);
      const event = await events.wait(
        "protocol-error",
        AbortSignal.timeout(5000),
      );
      assertEquals(event.kind, "protocol");
      // Dropped: the raw peer reads its way to the end, and nothing else.
      assertEquals(await deadline(raw.next("message"), 5000), undefined);
      // A good RADIO is still served.
      await using radio = new Radio();
      radio.connect(dish.lastEndpoint!);
      const message = await sendUntilReceived(
        () => radio.send("good", { group: "TV" }),
        receiving,
      );
      assertEquals(summary(message), ["TV", text.encode("good")]);
    });
  }
});

Deno.test("RADIO and DISH against libzmq", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    const how = weBind ? "we bind" : "libzmq binds";
    await t.step(`RADIO (ours) → DISH (libzmq) over tcp, ${how}`, async () => {
      await using radio = new Radio();
      const dish = await peer.open("Dish");
      await dish.join("probe");
      await dish.join("TV");
      await dish.join(FULL_GROUP);
      await link(radio, dish, weBind);
      await sendUntilReceived(
        () => radio.send("probe", { group: "probe" }),
        dish.receive(),
      );
      await dish.leave("probe");
      await sendMixed((body, group) => radio.send(body, { group }));
      for (const [group, body] of EXPECTED) {
        // libzmq too skips the groups it left: no probe comes after.
        const received = await dish.receiveWith();
        assertEquals([decode(received.group!), received.frames], [group, [
          body,
        ]]);
      }
      await dish.close();
    });
    await t.step(
      `RADIO (libzmq) → DISH (ours): groups that are not UTF-8 come as their bytes, ${how}`,
      async () => {
        const radio = await peer.open("Radio");
        await using dish = new Dish();
        const groups = [
          new Uint8Array([0xff]),
          new Uint8Array([0xfe]),
        ];
        dish.join(...groups);
        await link(dish, radio, weBind);
        const first = await sendUntilReceived(
          () => radio.send(["a"], { group: groups[0] }),
          receive(dish),
        );
        await radio.send(["b"], { group: groups[1] });
        const second = await receive(dish);
        // Both decode to the same text; their bytes tell them apart.
        assertEquals(first.group, second.group);
        assertEquals([first.groupBytes, second.groupBytes], groups);
        assertEquals([decode(first[0]), decode(second[0])], ["a", "b"]);
        await radio.close();
      },
    );
    await t.step(`RADIO (libzmq) → DISH (ours) over tcp, ${how}`, async () => {
      const radio = await peer.open("Radio");
      await using dish = new Dish();
      dish.join("probe", "TV", FULL_GROUP);
      await link(dish, radio, weBind);
      await sendUntilReceived(
        () => radio.send(["probe"], { group: "probe" }),
        receive(dish),
      );
      dish.leave("probe");
      await sendMixed((body, group) => radio.send([body], { group }));
      for (const expected of EXPECTED) {
        assertEquals(summary(await receive(dish)), expected);
      }
      await radio.close();
    });
  }
  // libzmq 4.3.3 and later take groups of up to 255 bytes.
  await t.step({
    name:
      "long groups, RADIO (ours) → DISH (libzmq): 255 bytes over tcp, 127 over udp",
    ignore: MAX_GROUP_BYTES < 255,
    fn: async () => {
      // Over udp, 127: libzmq 4.3.5 aborts on a datagram's group of 128 or more.
      const [overTcp, overUdp] = ["t".repeat(255), "u".repeat(127)];
      const port = freeUdpPort();
      const dish = await peer.open("Dish");
      await dish.join(overTcp);
      await dish.join(overUdp);
      await dish.bind(`udp://127.0.0.1:${port}`);
      await using tcp = new Radio();
      await tcp.bind("tcp://127.0.0.1:0");
      await dish.connect(tcp.lastEndpoint!);
      await using udp = new Radio();
      udp.connect(`udp://127.0.0.1:${port}`);
      for (const [radio, group] of [[tcp, overTcp], [udp, overUdp]] as const) {
        const received = await sendUntilReceived(
          () => radio.send("long group", { group }),
          dish.receiveWith(),
        );
        assertEquals(decode(received.group!), group);
        await dish.leave(group); // no copy still queued answers the next
      }
      await dish.close();
    },
  });
  for (const multicast of [false, true]) {
    const where = multicast ? "multicast on loopback" : "unicast";
    await t.step(
      `RADIO (ours) → DISH (libzmq) over udp ${where}, libzmq binds`,
      async () => {
        const dish = await peer.open("Dish");
        await dish.join("TV");
        const port = freeUdpPort();
        const endpoint = multicast
          ? `udp://127.0.0.1;${multicastGroup()}:${port}`
          : `udp://127.0.0.1:${port}`;
        await dish.bind(endpoint);
        await using radio = new Radio();
        radio.connect(endpoint);
        // libzmq binds in its I/O thread, after bind returns: repeat until then.
        const first = await sendUntilReceived(
          () => radio.send("Friends", { group: "TV" }),
          dish.receiveWith(),
        );
        assertEquals([decode(first.group!), first.frames], [
          "TV",
          [text.encode("Friends")],
        ]);
        await dish.close();
      },
    );
    await t.step(
      `RADIO (libzmq) → DISH (ours) over udp ${where}, we bind`,
      async () => {
        await using dish = new Dish();
        dish.join("TV");
        await dish.bind(
          multicast
            ? `udp://127.0.0.1;${multicastGroup()}:0`
            : "udp://127.0.0.1:0",
        );
        const radio = await peer.open("Radio");
        await radio.connect(dish.lastEndpoint!);
        await sendMixed((body, group) => radio.send([body], { group }));
        for (const expected of EXPECTED.slice(0, 2)) {
          assertEquals(summary(await receive(dish)), expected);
        }
        await radio.close();
      },
    );
  }
});

Deno.test("udp multicast: an interface by name, as libzmq takes it (loopback's here); an unknown name is EINVAL", async () => {
  const loopback =
    Deno.networkInterfaces().find((each) => each.address === "127.0.0.1")!.name;
  await using dish = new Dish();
  dish.join("TV");
  const group = multicastGroup();
  await dish.bind(`udp://${loopback};${group}:0`);
  await using radio = new Radio();
  radio.connect(`udp://${loopback};${group}:${portOf(dish.lastEndpoint!)}`);
  await radio.send("by name", { group: "TV" });
  assertEquals(summary(await receive(dish)), ["TV", text.encode("by name")]);
  for (const use of ["bind", "connect"] as const) {
    const error = await assertRejects(
      async () =>
        use === "bind"
          ? await dish.bind(`udp://nosuchnic0;${group}:0`)
          : radio.connect(`udp://nosuchnic0;${group}:5555`),
      ZmqError,
      "no interface",
    );
    assertEquals(error.code, "EINVAL");
  }
});

/** Prints the IP TTL of the first datagram to the group, as `ttl N`. */
const TTL_LISTENER = `
import socket, struct, sys
IP_RECVTTL, IP_TTL = 12, 2  # Linux's
group, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((group, port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton(group) + socket.inet_aton("127.0.0.1"))
s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
s.settimeout(20)
print("ready", flush=True)
data, ancillary, flags, address = s.recvmsg(9000, 64)
ttls = [struct.unpack("i", d[:4])[0] for (l, t, d) in ancillary if t == IP_TTL]
print("ttl", ttls[0], flush=True)
`;

Deno.test("udp multicast: a RADIO's multicastHops is its datagrams' TTL, as libzmq's udp engine sets it", async () => {
  const group = multicastGroup();
  const port = freeUdpPort();
  // Deno reads no TTL: an observer in Python's standard library does.
  const listener = new Deno.Command("python3", {
    args: ["-c", TTL_LISTENER, group, String(port)],
    stdout: "piped",
  }).spawn();
  const lines = listener.stdout.pipeThrough(new TextDecoderStream());
  let heard = "";
  await using radio = new Radio({ multicastHops: 7 });
  const read = deadline(
    (async () => {
      for await (const chunk of lines) {
        heard += chunk;
        if (heard.includes("ready\n") && !radio.lastEndpoint) {
          radio.connect(`udp://127.0.0.1;${group}:${port}`);
          await radio.send("hop", { group: "g" });
        }
      }
    })(),
    20_000,
  );
  await read;
  assertEquals((await listener.status).code, 0);
  assertEquals(heard, "ready\nttl 7\n");
});

Deno.test("a RADIO with xpubNoDrop waits for a member at its high-water mark (libzmq's RADIO takes ZMQ_XPUB_NODROP), until it reads or leaves; a DISH's linger is 0 unless given, as libzmq's", async () => {
  await using dish = new Dish({ receiveHighWaterMark: 1 });
  const given = new Dish({ linger: 5 });
  assertEquals([dish.linger, given.linger], [0, 5]);
  await given.close();
  dish.join("g");
  await dish.bind("inproc://nodrop");
  await using radio = new Radio({ sendHighWaterMark: 1, xpubNoDrop: true });
  assertEquals(radio.xpubNoDrop, true);
  radio.connect("inproc://nodrop");
  await sendUntilReceived(
    () => radio.send("probe", { group: "g" }),
    receive(dish),
  );
  const turns = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  };
  // Fill the pipe (both marks: inproc's one pipe), then a send waits.
  let settled = 0;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < 4; i++) {
    sends.push(radio.send(`m${i}`, { group: "g" }).then(() => void settled++));
  }
  await turns();
  assertEquals(settled < 4, true, `${settled} of 4 settled`);
  // Read, and what waited goes: nothing was dropped.
  const bodies: string[] = [];
  for (let i = 0; i < 4; i++) bodies.push(decode((await receive(dish))[0]));
  await Promise.all(sends);
  assertEquals(bodies, ["m0", "m1", "m2", "m3"]);
  // A member that leaves lets a waiting send go (dropped for it).
  for (let i = 0; i < 4; i++) sends.push(radio.send("x", { group: "g" }));
  dish.leave("g");
  await deadline(Promise.all(sends), 5000);
  radio.xpubNoDrop = false;
});
