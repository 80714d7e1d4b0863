/**
 * SCATTER and GATHER (RFC 49): against libzmq 4.3.5's draft sockets in both
 * directions, between our own over every transport, and their rules:
 * round-robin out, single frames.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { Context, Gather, Scatter, ZmqError } from "../mod.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { decode, timeout } from "./_helpers.ts";
import {
  againstLibzmq,
  assertRefusedAhead,
  overTransports,
  PAYLOADS,
  sendMultipartThenSingle,
} from "./_draft_helpers.ts";

Deno.test("SCATTER (ours) → GATHER (libzmq): we bind and libzmq binds, empty and 300-byte messages", async (t) => {
  await using peer = new LibzmqPeer();
  await againstLibzmq(
    t,
    () => peer.open("Gather"),
    (context) => new Scatter({ context }),
    async (scatter, gather) => {
      for (const payload of PAYLOADS) {
        await scatter.send(payload, timeout());
        assertEquals(await gather.receive(), [payload]);
      }
    },
  );
});

Deno.test("SCATTER (libzmq) → GATHER (ours): we bind and libzmq binds, empty and 300-byte messages", async (t) => {
  await using peer = new LibzmqPeer();
  await againstLibzmq(
    t,
    () => peer.open("Scatter"),
    (context) => new Gather({ context }),
    async (gather, scatter) => {
      for (const payload of PAYLOADS) {
        await scatter.send([payload]);
        assertEquals(await gather.receive(timeout()), [payload]);
      }
    },
  );
});

Deno.test("SCATTER → GATHER (ours) over tcp, ipc, inproc and ws", async (t) => {
  await overTransports(t, async (endpoint) => {
    await using context = new Context();
    const gather = new Gather({ context });
    await gather.bind(endpoint("gather"));
    const scatter = new Scatter({ context });
    scatter.connect(gather.lastEndpoint!);
    await scatter.send("work", timeout());
    assertEquals((await gather.receive(timeout())).map(decode), ["work"]);
  });
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

Deno.test("SCATTER refuses a multipart send at once, even while a send waits for a GATHER", async () => {
  await using context = new Context();
  await assertRefusedAhead(
    new Scatter({ context }),
    "waits: no GATHER",
    ["1", "2"],
    "a SCATTER socket sends single-frame messages",
  );
});

Deno.test("GATHER drops a multipart message a SCATTER sends; the next message arrives", async () => {
  await using context = new Context();
  const gather = new Gather({ context });
  await gather.bind("tcp://127.0.0.1:0");
  using _raw = await sendMultipartThenSingle(gather, "SCATTER");
  assertEquals((await gather.receive(timeout())).map(decode), ["single"]);
});
