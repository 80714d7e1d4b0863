/**
 * Bad bytes from a raw TCP peer: each drops that peer with an event, and
 * the socket keeps serving a good peer (libzmq), with no unhandled rejection.
 */
import { assertEquals } from "@std/assert";
import { concat } from "@std/bytes";
import { codec, Pull, type SocketEvent } from "../mod.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

const text = new TextEncoder();
const greeting = (mechanism: "NULL" | "PLAIN" = "NULL") =>
  codec.encodeGreeting({ mechanism, asServer: false });
const join = (...parts: Uint8Array[]) => concat(parts);
const ready = codec.encodeFrame(
  codec.encodeReady(new codec.Metadata([["Socket-Type", "PUSH"]])),
  codec.FLAG_COMMAND,
);

const CASES: {
  name: string;
  bytes: Uint8Array;
  event: SocketEvent["type"];
  kind?: string;
  closeAfter?: boolean;
}[] = [
  {
    name: "not ZMTP at all (HTTP)",
    bytes: text.encode("GET / HTTP/1.1\r\n\r\n"),
    event: "handshake-failed",
    kind: "version",
  },
  {
    name: "a ZMTP 2.0 greeting",
    bytes: new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 8]),
    event: "handshake-failed",
    kind: "version",
  },
  {
    name: "the wrong mechanism",
    bytes: greeting("PLAIN"),
    event: "handshake-failed",
    kind: "mechanism",
  },
  {
    name: "a message before READY",
    bytes: join(greeting(), codec.encodeFrame(text.encode("early"), 0)),
    event: "handshake-failed",
    kind: "protocol",
  },
  {
    name: "a wrong socket type",
    bytes: join(
      greeting(),
      codec.encodeFrame(
        codec.encodeReady(new codec.Metadata([["Socket-Type", "PUB"]])),
        codec.FLAG_COMMAND,
      ),
    ),
    event: "handshake-failed",
    kind: "incompatible",
  },
  {
    name: "a frame with reserved bits set",
    bytes: join(greeting(), ready, new Uint8Array([0x40, 1, 0])),
    event: "protocol-error",
    kind: "protocol",
  },
  {
    name: "an unknown command",
    bytes: join(
      greeting(),
      ready,
      codec.encodeFrame(
        codec.encodeCommand("BOGUS", new Uint8Array()),
        codec.FLAG_COMMAND,
      ),
    ),
    event: "protocol-error",
    kind: "protocol",
  },
  {
    name: "a truncated stream (half a READY, then FIN)",
    bytes: join(greeting(), ready.subarray(0, 10)),
    event: "disconnected",
    closeAfter: true,
  },
];

Deno.test("malformed peers are dropped with an event; good peers keep being served", async (t) => {
  await using peer = new LibzmqPeer();
  const pull = new Pull();
  await pull.bind("tcp://127.0.0.1:0");
  const port = Number(pull.lastEndpoint!.split(":").at(-1));
  const good = await peer.open("Push");
  await good.connect(pull.lastEndpoint!);
  const events = pull.events[Symbol.asyncIterator]();
  const nextEvent = async (type: string): Promise<SocketEvent> => {
    while (true) {
      const { value, done } = await events.next();
      if (done) throw new Error(`no ${type} event`);
      if (value.type === type) return value;
    }
  };
  let round = 0;
  for (const bad of CASES) {
    await t.step(bad.name, async () => {
      const raw = await Deno.connect({ hostname: "127.0.0.1", port });
      await raw.write(bad.bytes);
      if (bad.closeAfter) await raw.closeWrite();
      const event = await nextEvent(bad.event);
      if (bad.kind) {
        if (!("kind" in event)) throw new Error(`${event.type} has no kind`);
        assertEquals(event.kind, bad.kind);
        // Each bad connection ends, so no earlier one can answer for the next case.
        await nextEvent("disconnected");
      }
      // We closed our end: the raw peer reads its way to EOF.
      const sink = new Uint8Array(1024);
      while ((await raw.read(sink).catch(() => null)) !== null) { /* drain */ }
      raw.close();
      // The good peer is still served.
      const message = [`good ${++round}`, ""];
      await good.send(message);
      const received = await pull.receive({
        signal: AbortSignal.timeout(5000),
      });
      assertEquals(received, message.map((s) => text.encode(s)));
    });
  }
  await good.close();
  await pull.close();
});

Deno.test("a peer that never finishes its handshake is dropped after handshakeInterval", async () => {
  const pull = new Pull({ handshakeInterval: 100 });
  await pull.bind("tcp://127.0.0.1:0");
  const port = Number(pull.lastEndpoint!.split(":").at(-1));
  const raw = await Deno.connect({ hostname: "127.0.0.1", port });
  await raw.write(greeting().subarray(0, 20)); // stalls mid-greeting
  const event = await pull.events.wait(
    "handshake-failed",
    AbortSignal.timeout(5000),
  );
  assertEquals(event.kind, "timeout");
  raw.close();
  await pull.close();
});
