/**
 * Bad bytes from a raw TCP client of a `ws://` endpoint: each is answered
 * (an HTTP refusal where one is due), dropped with an event saying why, and
 * a good peer (one of our sockets over ws) connected meanwhile keeps being
 * served.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { concat } from "@std/bytes";
import {
  codec,
  type ProtocolErrorKind,
  Pull,
  Push,
  type SocketEvent,
} from "../mod.ts";
import { decode } from "./_helpers.ts";

const text = new TextEncoder();
const { OPCODE } = codec;
const MAX_MESSAGE_SIZE = 1000;

/** A fresh client mask. */
const mask = () => crypto.getRandomValues(new Uint8Array(4));

/** One frame's bytes, masked unless told otherwise (a client's must be). */
function frame(
  opcode: number,
  payload: Uint8Array | number[],
  masked = true,
): Uint8Array {
  return concat(
    codec.encodeWebSocketFrame(
      opcode,
      Uint8Array.from(payload),
      masked ? mask() : undefined,
    ),
  );
}

function upgradeRequest(
  port: number,
  options: { path?: string; protocol?: string; key?: string } = {},
): Uint8Array {
  return codec.encodeUpgradeRequest({
    path: options.path ?? "/zmq",
    host: `127.0.0.1:${port}`,
    key: options.key ?? codec.websocketKey(),
    protocols: [options.protocol ?? "ZWS2.0/NULL"],
  });
}

/** A raw client that reads with a deadline: closing it ends a pending read. */
class RawClient {
  readonly conn: Deno.Conn;
  #closed = false;
  #buffered = new Uint8Array(0);

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  static async connect(port: number): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawClient(conn);
  }

  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      at += await this.conn.write(bytes.subarray(at));
    }
  }

  /** The next bytes; `null` at EOF (or a reset, which ends the stream too). */
  async #read(signal: AbortSignal): Promise<Uint8Array | null> {
    if (this.#buffered.length > 0) {
      const bytes = this.#buffered;
      this.#buffered = new Uint8Array(0);
      return bytes;
    }
    signal.throwIfAborted();
    const onAbort = () => this.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const buffer = new Uint8Array(64 * 1024);
      const count = await this.conn.read(buffer);
      return count === null ? null : buffer.slice(0, count);
    } catch (error) {
      if (signal.aborted) {
        throw new Error("the server did not answer or close in time");
      }
      if (error instanceof Deno.errors.ConnectionReset) return null;
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Reads an HTTP head; what followed it is kept for the next read. */
  async readHead(signal: AbortSignal): Promise<codec.HttpHead> {
    const reader = new codec.HttpHeadReader();
    while (true) {
      const bytes = await this.#read(signal);
      if (bytes === null) throw new Error("closed before an HTTP head");
      const whole = reader.push(bytes);
      if (whole) {
        this.#buffered = whole[1].slice();
        return whole[0];
      }
    }
  }

  /** Reads WebSocket messages from the server until one is whole. */
  async readMessage(signal: AbortSignal): Promise<codec.WebSocketMessage> {
    const decoder = new codec.WebSocketDecoder({ masked: false });
    const out: codec.WebSocketMessage[] = [];
    while (out.length === 0) {
      const bytes = await this.#read(signal);
      if (bytes === null) throw new Error("closed before a message");
      decoder.decode(bytes, out);
    }
    assertEquals(out.length, 1, "one message at a time here");
    return out[0];
  }

  /** Reads to the server's close; returns all it sent. */
  async readToEnd(signal: AbortSignal): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    while (true) {
      const bytes = await this.#read(signal);
      if (bytes === null) return concat(chunks);
      chunks.push(bytes);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.conn.close();
  }
}

/**
 * Upgrades a raw client and completes the ZMTP handshake as a PUSH by hand:
 * the server's READY read, ours sent masked.
 */
async function handshakeAsPush(
  raw: RawClient,
  port: number,
  signal: AbortSignal,
): Promise<void> {
  const key = codec.websocketKey();
  await raw.write(upgradeRequest(port, { key }));
  const head = await raw.readHead(signal);
  assertEquals(head.line, "HTTP/1.1 101 Switching Protocols");
  assertEquals(
    head.headers.get("sec-websocket-accept"),
    codec.websocketAccept(key),
  );
  assertEquals(head.headers.get("sec-websocket-protocol"), "ZWS2.0/NULL");
  const ready = await raw.readMessage(signal);
  assertEquals(ready.opcode, OPCODE.binary);
  assertEquals(ready.payload[0], 0x02, "a ZWS command");
  const ours = codec.encodeReady(
    new codec.Metadata([["Socket-Type", "PUSH"]]),
  );
  await raw.write(frame(OPCODE.binary, concat([new Uint8Array([0x02]), ours])));
}

const deadline = () => AbortSignal.timeout(5000);

/** A PULL bound on ws, with a good PUSH of ours connected over ws. */
async function serve(options: { handshakeInterval?: number } = {}): Promise<{
  pull: Pull;
  good: Push;
  port: number;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const pull = new Pull({ maxMessageSize: MAX_MESSAGE_SIZE, ...options });
  await pull.bind("ws://127.0.0.1:0/zmq");
  const endpoint = pull.lastEndpoint!;
  assert(endpoint.endsWith("/zmq"), endpoint);
  const port = Number(new URL(endpoint).port);
  const good = new Push();
  await good.connect(endpoint);
  await pull.events.wait("handshake-succeeded", deadline());
  return {
    pull,
    good,
    port,
    async [Symbol.asyncDispose]() {
      await good.close();
      await pull.close();
    },
  };
}

interface Case {
  name: string;
  /** Upgrade and complete the ZMTP handshake before misbehaving. */
  handshake?: boolean;
  bytes: (port: number) => Uint8Array;
  /** The HTTP status line the server answers with, if any. */
  status?: string;
  event: "handshake-failed" | "protocol-error";
  kind: ProtocolErrorKind;
  reason?: string;
}

const CASES: Case[] = [
  {
    name: "a plain HTTP GET without an upgrade",
    bytes: () => text.encode("GET /zmq HTTP/1.1\r\nHost: x\r\n\r\n"),
    status: "HTTP/1.1 426 Upgrade Required",
    event: "handshake-failed",
    kind: "protocol",
  },
  {
    name: "a wrong Sec-WebSocket-Protocol",
    bytes: (port) => upgradeRequest(port, { protocol: "ZWS2.0/CURVE" }),
    // Closed without an answer, as libzmq's server: its client retries.
    event: "handshake-failed",
    kind: "mechanism",
    reason: "ZWS2.0/CURVE",
  },
  {
    name: "an unmasked frame right after a good upgrade",
    bytes: (port) =>
      concat([
        upgradeRequest(port),
        frame(OPCODE.binary, [0x00, 0x61], false),
      ]),
    status: "HTTP/1.1 101 Switching Protocols",
    event: "handshake-failed",
    kind: "protocol",
    reason: "mask",
  },
  {
    name: "an unmasked frame after the handshake",
    handshake: true,
    bytes: () => frame(OPCODE.binary, [0x00, 0x61], false),
    event: "protocol-error",
    kind: "protocol",
    reason: "mask",
  },
  {
    name: "a text frame",
    handshake: true,
    bytes: () => frame(OPCODE.text, text.encode("\0hello")),
    event: "protocol-error",
    kind: "protocol",
    reason: "text",
  },
  {
    name: "an oversize frame, its header alone",
    handshake: true,
    // 100 000 bytes announced; none sent.
    bytes: () =>
      new Uint8Array([
        0x82,
        0x80 | 127,
        0,
        0,
        0,
        0,
        0,
        1,
        0x86,
        0xa0,
        1,
        2,
        3,
        4,
      ]),
    event: "protocol-error",
    kind: "protocol",
    reason: `limit of ${MAX_MESSAGE_SIZE}`,
  },
  {
    name: "9 KiB of garbage instead of HTTP",
    bytes: () => new Uint8Array(9 * 1024).fill(0xfe),
    event: "handshake-failed",
    kind: "protocol",
    reason: "too long",
  },
  {
    name: "binary garbage ending in a blank line",
    bytes: () =>
      new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xf0, 0x01, 13, 10, 13, 10]),
    status: "HTTP/1.1 426 Upgrade Required",
    event: "handshake-failed",
    kind: "protocol",
  },
];

Deno.test("ws: malformed clients are refused and dropped with an event; a good peer keeps being served", async (t) => {
  await using server = await serve();
  const { pull, good, port } = server;
  let round = 0;
  for (const bad of CASES) {
    await t.step(bad.name, async () => {
      const signal = deadline();
      const raw = await RawClient.connect(port);
      try {
        if (bad.handshake) {
          await handshakeAsPush(raw, port, signal);
          await pull.events.wait("handshake-succeeded", signal);
        }
        await raw.write(bad.bytes(port));
        const event = await pull.events.wait(bad.event, signal) as Extract<
          SocketEvent,
          { type: "handshake-failed" | "protocol-error" }
        >;
        assertEquals(event.kind, bad.kind, event.reason);
        if (bad.reason) assertStringIncludes(event.reason, bad.reason);
        // The bad connection ends: it is closed on our side.
        await pull.events.wait("disconnected", signal);
        const answer = await raw.readToEnd(signal);
        if (bad.status) {
          const head = new codec.HttpHeadReader().push(answer);
          assertEquals(head?.[0].line, bad.status, decode(answer));
        } else if (!bad.handshake) {
          assertEquals(decode(answer), "", "no answer to garbage");
        }
      } finally {
        raw.close();
      }
      // The good peer is still served.
      const message = [`good ${++round}`];
      await good.send(message, { signal });
      assertEquals((await pull.receive({ signal })).map(decode), message);
    });
  }
});

Deno.test("ws: a client that stalls mid-head is dropped at handshakeInterval; a good peer is not", async () => {
  const handshakeInterval = 300;
  await using server = await serve({ handshakeInterval });
  const { pull, good, port } = server;
  const signal = deadline();
  const raw = await RawClient.connect(port);
  const start = performance.now();
  try {
    await raw.write(
      text.encode("GET /zmq HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: webso"),
    );
    // Served while the stalled client sits there.
    await good.send(["during"], { signal });
    assertEquals((await pull.receive({ signal })).map(decode), ["during"]);
    const event = await pull.events.wait("handshake-failed", signal);
    assertEquals(event.kind, "timeout");
    const elapsed = performance.now() - start;
    assert(
      elapsed >= handshakeInterval - 20,
      `dropped after ${elapsed} ms, before handshakeInterval`,
    );
    await pull.events.wait("disconnected", signal);
    // Closed without an answer.
    assertEquals((await raw.readToEnd(signal)).length, 0);
  } finally {
    raw.close();
  }
  // The good peer outlived handshakeInterval and is still served.
  await good.send(["after"], { signal });
  assertEquals((await pull.receive({ signal })).map(decode), ["after"]);
});

Deno.test("ws: a raw client that upgrades and speaks ZWS correctly is served (the helpers are right)", async () => {
  await using server = await serve();
  const { pull, port } = server;
  const signal = deadline();
  const raw = await RawClient.connect(port);
  try {
    await handshakeAsPush(raw, port, signal);
    await raw.write(
      concat([
        frame(OPCODE.binary, [0x01, ...text.encode("two")]),
        frame(OPCODE.ping, text.encode("ping")),
        frame(OPCODE.binary, [0x00, ...text.encode("frames")]),
      ]),
    );
    assertEquals(
      (await pull.receive({ signal })).map(decode),
      ["two", "frames"],
    );
    const pong = await raw.readMessage(signal);
    assertEquals(pong.opcode, OPCODE.pong);
    assertEquals(decode(pong.payload), "ping");
    // A close is answered with a close; we then hang up.
    await raw.write(frame(OPCODE.close, [0x03, 0xe8]));
    const close = await raw.readMessage(signal);
    assertEquals(close.opcode, OPCODE.close);
    assertEquals([...close.payload], [0x03, 0xe8]);
  } finally {
    raw.close();
  }
  await pull.events.wait("disconnected", signal);
});
