/**
 * SCATTER and GATHER (RFC 49): against libzmq 4.3.5's draft sockets in both
 * directions, between our own over every transport, and their rules:
 * round-robin out, single frames.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { Context, Gather, Scatter, ZmqError } from "../mod.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";
import { decode, handshakeAs, timeout } from "./_helpers.ts";

const text = new TextEncoder();
/** Empty, short, and long enough (> 255 bytes) for ZMTP's long frame header. */
const PAYLOADS = [
  new Uint8Array(0),
  text.encode("task"),
  new Uint8Array(300).map((_, i) => i % 251),
];

/** Links ours and libzmq's over tcp, binding on the side named. */
async function link(
  ours: Scatter | Gather,
  theirs: LibzmqSocket,
  weBind: boolean,
): Promise<void> {
  if (weBind) {
    await ours.bind("tcp://127.0.0.1:0");
    await theirs.connect(ours.lastEndpoint!);
  } else {
    ours.connect(await theirs.bind("tcp://127.0.0.1:*"));
  }
}

Deno.test("SCATTER (ours) → GATHER (libzmq): we bind and libzmq binds, empty and 300-byte messages", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    await t.step(weBind ? "we bind" : "libzmq binds", async () => {
      await using context = new Context();
      const scatter = new Scatter({ context });
      const gather = await peer.open("Gather");
      await link(scatter, gather, weBind);
      for (const payload of PAYLOADS) {
        await scatter.send(payload, timeout());
        assertEquals(await gather.receive(), [payload]);
      }
      await gather.close();
    });
  }
});

Deno.test("SCATTER (libzmq) → GATHER (ours): we bind and libzmq binds, empty and 300-byte messages", async (t) => {
  await using peer = new LibzmqPeer();
  for (const weBind of [true, false]) {
    await t.step(weBind ? "we bind" : "libzmq binds", async () => {
      await using context = new Context();
      const gather = new Gather({ context });
      const scatter = await peer.open("Scatter");
      await link(gather, scatter, weBind);
      for (const payload of PAYLOADS) {
        await scatter.send([payload]);
        assertEquals(await gather.receive(timeout()), [payload]);
      }
      await scatter.close();
    });
  }
});

Deno.test("SCATTER → GATHER (ours) over tcp, ipc, inproc and ws", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const endpoints = {
      tcp: "tcp://127.0.0.1:0",
      ipc: `ipc://${dir}/gather`,
      inproc: "inproc://scatter-gather",
      ws: "ws://127.0.0.1:0/zmq",
    };
    for (const [transport, endpoint] of Object.entries(endpoints)) {
      await t.step(transport, async () => {
        await using context = new Context();
        const gather = new Gather({ context });
        await gather.bind(endpoint);
        const scatter = new Scatter({ context });
        scatter.connect(gather.lastEndpoint!);
        await scatter.send("work", timeout());
        assertEquals((await gather.receive(timeout())).map(decode), ["work"]);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SCATTER sends round-robin: two GATHERs get one message each", async () => {
  await using context = new Context();
  const scatter = new Scatter({ context });
  await scatter.bind("tcp://127.0.0.1:0");
  const gathers = [new Gather({ context }), new Gather({ context })];
  for (const gather of gathers) {
    gather.connect(scatter.lastEndpoint!);
    // An accepted peer joins the rotation at its handshake.
    await scatter.events.wait("handshake-succeeded", timeout().signal);
  }
  await scatter.send("1", timeout());
  await scatter.send("2", timeout());
  const received = await Promise.all(
    gathers.map(async (gather) => decode((await gather.receive(timeout()))[0])),
  );
  assertEquals(received.sort(), ["1", "2"]);
});

Deno.test("SCATTER refuses a multipart send with EINVAL and keeps serving; SCATTER cannot receive nor GATHER send", async () => {
  await using context = new Context();
  const gather = new Gather({ context });
  await gather.bind("tcp://127.0.0.1:0");
  const scatter = new Scatter({ context });
  scatter.connect(gather.lastEndpoint!);
  const multipart = await assertRejects(
    () => scatter.send(["1", "2"], timeout()),
    ZmqError,
    "a SCATTER socket sends single-frame messages",
  );
  assertEquals((multipart as ZmqError).code, "EINVAL");
  const receive = await assertRejects(
    () => scatter.receive(timeout()),
    ZmqError,
  );
  assertEquals((receive as ZmqError).code, "ENOTSUP");
  const send = await assertRejects(() => gather.send("x"), ZmqError);
  assertEquals((send as ZmqError).code, "ENOTSUP");
  await scatter.send("after", timeout());
  assertEquals((await gather.receive(timeout())).map(decode), ["after"]);
});

Deno.test("GATHER drops a multipart message a SCATTER sends; the next message arrives", async () => {
  await using context = new Context();
  const gather = new Gather({ context });
  await gather.bind("tcp://127.0.0.1:0");
  const raw = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(gather.lastEndpoint!.split(":").at(-1)),
  });
  try {
    const fake = await handshakeAs(raw, "SCATTER");
    fake.sendMessage(["multi", "part"].map((frame) => text.encode(frame)));
    fake.sendMessage([text.encode("single")]);
    for (const chunk of fake.takeOutput()) await raw.write(chunk);
    assertEquals((await gather.receive(timeout())).map(decode), ["single"]);
  } finally {
    raw.close();
  }
});
