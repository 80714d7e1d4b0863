/**
 * ZWS 2.0 (RFC 45) over WebSocket (RFC 6455) in the codec, without I/O:
 * the opening handshake, frames, the decoder, and a client and a server
 * `WebSocketConnection` talking in memory.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  AssertionError,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { concat } from "@std/bytes";
import * as codec from "../../codec/mod.ts";
import { expectEvent } from "./_helpers.ts";
import { isGoodbye } from "../../codec/_websocket_close.ts";

const text = new TextEncoder();
const ascii = new TextDecoder();
const { OPCODE } = codec;
const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** Bytes 0, 1, 2… (mod 251) of a given length. */
function pattern(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i + seed) % 251);
}

/** One frame's bytes; the payload is copied first (masking is in place). */
function frame(
  opcode: number,
  payload: Uint8Array | number[],
  options: { mask?: Uint8Array | undefined; fin?: boolean | undefined } = {},
): Uint8Array {
  const [header, body] = codec.encodeWebSocketFrame(
    opcode,
    Uint8Array.from(payload),
    options.mask,
  );
  if (options.fin === false) header[0] &= 0x7f;
  return concat([header, body]);
}

function decodeAll(
  options: codec.WebSocketDecoderOptions,
  ...chunks: Uint8Array[]
): codec.WebSocketMessage[] {
  const decoder = new codec.WebSocketDecoder(options);
  const out: codec.WebSocketMessage[] = [];
  for (const chunk of chunks) decoder.decode(chunk.slice(), out);
  return out;
}

/** The value, or a failed test if there is none. */
function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AssertionError(`no ${what}`);
  return value;
}

function assertRefused(
  options: codec.WebSocketDecoderOptions,
  bytes: Uint8Array,
  includes: string,
): void {
  const error = assertThrows(
    () => decodeAll(options, bytes),
    codec.ProtocolError,
  );
  assertEquals(error.kind, "protocol");
  assertStringIncludes(error.message, includes);
}

// --- The opening handshake ---------------------------------------------------

Deno.test("websocketAccept: RFC 6455's sample key", () => {
  assertEquals(
    codec.websocketAccept(SAMPLE_KEY),
    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
  );
});

Deno.test("websocketKey: 16 random bytes in base64", () => {
  const a = codec.websocketKey();
  const b = codec.websocketKey();
  assertEquals(a.length, 24);
  assertEquals(atob(a).length, 16);
  assert(a !== b);
});

Deno.test("encodeUpgradeRequest: byte-exact", () => {
  const request = codec.encodeUpgradeRequest({
    path: "/zmq",
    host: "127.0.0.1:5555",
    key: SAMPLE_KEY,
    protocols: ["ZWS2.0/NULL", "ZWS2.0"],
  });
  assertEquals(
    ascii.decode(request),
    "GET /zmq HTTP/1.1\r\n" +
      "Host: 127.0.0.1:5555\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      `Sec-WebSocket-Key: ${SAMPLE_KEY}\r\n` +
      "Sec-WebSocket-Protocol: ZWS2.0/NULL, ZWS2.0\r\n" +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  );
});

Deno.test("encodeUpgradeResponse and encodeHttpRefusal: byte-exact", () => {
  assertEquals(
    ascii.decode(codec.encodeUpgradeResponse(SAMPLE_KEY, "ZWS2.0/NULL")),
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
  );
  assertEquals(
    ascii.decode(codec.encodeHttpRefusal(426, "use ws")),
    "HTTP/1.1 426 Upgrade Required\r\n" +
      "Content-Type: text/plain\r\n" +
      "Content-Length: 7\r\n" +
      "Upgrade: websocket\r\n" +
      "Sec-WebSocket-Version: 13\r\n" +
      "Connection: close\r\n\r\n" +
      "use ws\n",
  );
  assertEquals(
    ascii.decode(codec.encodeHttpRefusal(404, "nothing here")),
    "HTTP/1.1 404 Not Found\r\n" +
      "Content-Type: text/plain\r\n" +
      "Content-Length: 13\r\n" +
      "Connection: close\r\n\r\n" +
      "nothing here\n",
  );
  assert(
    ascii.decode(codec.encodeHttpRefusal(400, "x")).startsWith(
      "HTTP/1.1 400 Bad Request\r\n",
    ),
  );
});

/** A client's upgrade request, as the head readers below are given it. */
function sampleHead(): Uint8Array {
  return codec.encodeUpgradeRequest({
    path: "/zmq",
    host: "h:1",
    key: SAMPLE_KEY,
    protocols: ["ZWS2.0/NULL"],
  });
}

Deno.test("HttpHeadReader: split at every byte, the bytes after the head returned", () => {
  const head = sampleHead();
  const after = new Uint8Array([0x82, 0x85, 1, 2, 3, 4, 13, 10, 13, 10]);
  const stream = concat([head, after]);
  const check = (
    result: [codec.HttpHead, Uint8Array] | undefined,
    expectedRest: Uint8Array,
  ) => {
    const [parsed, rest] = defined(result, "head");
    assertEquals(parsed.line, "GET /zmq HTTP/1.1");
    assertEquals(parsed.headers.get("host"), "h:1");
    assertEquals(parsed.headers.get("upgrade"), "websocket");
    assertEquals(parsed.headers.get("sec-websocket-key"), SAMPLE_KEY);
    assertEquals(parsed.headers.get("sec-websocket-version"), "13");
    assertEquals(parsed.headers.size, 6);
    assertEquals(rest, expectedRest);
  };
  for (let split = 0; split <= stream.length; split++) {
    const reader = new codec.HttpHeadReader();
    const first = reader.push(stream.slice(0, split));
    if (split < head.length) {
      assertEquals(first, undefined, `split at ${split}`);
      check(reader.push(stream.slice(split)), after);
    } else {
      // Whole in the first chunk: what of the rest it held comes back.
      check(first, stream.subarray(head.length, split));
    }
  }
  // One byte at a time: whole exactly at the head's last byte.
  const reader = new codec.HttpHeadReader();
  for (let i = 0; i < head.length - 1; i++) {
    assertEquals(reader.push(head.slice(i, i + 1)), undefined);
  }
  const last = defined(reader.push(head.slice(head.length - 1)), "head");
  assertEquals(last[1].length, 0);
});

Deno.test("HttpHeadReader: a long head in pieces of every size, kept as its own copy; a whole one read where it is", () => {
  const head = sampleHead();
  // Past the reader's first buffer and its doublings, under 8 KiB.
  const long = concat([
    head.subarray(0, head.length - 2),
    new TextEncoder().encode(`X-Pad: ${"p".repeat(7000)}\r\n\r\n`),
  ]);
  const after = new Uint8Array([0x82, 0x80, 1, 2, 3, 4]);
  const stream = concat([long, after]);
  for (const size of [1, 3, 511, 512, 513, 1000, 4096]) {
    const reader = new codec.HttpHeadReader();
    let result: [codec.HttpHead, Uint8Array] | undefined;
    for (let at = 0; at < stream.length && !result; at += size) {
      // The caller's buffer, reused for its next read: the reader copies.
      const chunk = stream.slice(at, at + size);
      result = reader.push(chunk);
      chunk.fill(0);
    }
    const [parsed] = defined(result, `pieces of ${size}`);
    assertEquals(parsed.headers.get("x-pad"), "p".repeat(7000));
    assertEquals(parsed.headers.get("sec-websocket-key"), SAMPLE_KEY);
  }
  // Whole in one chunk: nothing copied, the rest a view into the chunk.
  const [, rest] = defined(new codec.HttpHeadReader().push(stream), "head");
  assertEquals(rest, after);
  assert(rest.buffer === stream.buffer);
});

Deno.test("HttpHeadReader: names in lower case, values trimmed, repeated headers joined", () => {
  const reader = new codec.HttpHeadReader();
  const result = defined(
    reader.push(text.encode(
      "HTTP/1.1 101 Switching Protocols\r\n" +
        "Sec-WebSocket-Protocol:  ZWS2.0/NULL \r\n" +
        "X-Thing: a\r\n" +
        "sec-websocket-protocol: ZWS2.0\r\n" +
        "X-THING:b\r\n\r\n",
    )),
    "head",
  );
  assertEquals(result[0].line, "HTTP/1.1 101 Switching Protocols");
  assertEquals(
    result[0].headers,
    new Map([
      ["sec-websocket-protocol", "ZWS2.0/NULL, ZWS2.0"],
      ["x-thing", "a, b"],
    ]),
  );
  assertEquals(result[1].length, 0);
});

Deno.test("HttpHeadReader: a malformed header line is refused", () => {
  const error = assertThrows(
    () =>
      new codec.HttpHeadReader().push(
        text.encode("GET / HTTP/1.1\r\nno colon here\r\n\r\n"),
      ),
    codec.ProtocolError,
  );
  assertEquals(error.kind, "protocol");
});

Deno.test("HttpHeadReader: a head growing past 8 KiB is refused", () => {
  const start = text.encode("GET / HTTP/1.1\r\nX-Pad: ");
  const reader = new codec.HttpHeadReader();
  assertEquals(reader.push(start), undefined);
  // Up to 8192 bytes without the blank line: still waiting.
  assertEquals(
    reader.push(new Uint8Array(8192 - start.length).fill(0x61)),
    undefined,
  );
  const error = assertThrows(
    () => reader.push(new Uint8Array([0x61])),
    codec.ProtocolError,
  );
  assertEquals(error.kind, "protocol");
  assertStringIncludes(error.message, "too long");
  // 9 KiB of garbage in one chunk, too.
  assertThrows(
    () => new codec.HttpHeadReader().push(new Uint8Array(9216).fill(0xff)),
    codec.ProtocolError,
  );
});

Deno.test("HttpHeadReader: a whole head over 8 KiB is refused however it is chunked", () => {
  const head = text.encode(
    `GET / HTTP/1.1\r\nX-Pad: ${"a".repeat(9000)}\r\n\r\n`,
  );
  // Split in two, the limit applies (see above); in one chunk it must too,
  // as the reader's documentation says ("over 8 KiB").
  const split = new codec.HttpHeadReader();
  assertThrows(() => {
    split.push(head.slice(0, 8500));
    split.push(head.slice(8500));
  }, codec.ProtocolError);
  assertThrows(
    () => new codec.HttpHeadReader().push(head),
    codec.ProtocolError,
  );
});

// --- Frames ------------------------------------------------------------------

Deno.test("encodeWebSocketFrame: 7-bit, 16-bit and 64-bit lengths, unmasked", () => {
  const cases: [number, number[]][] = [
    [0, [0x82, 0]],
    [125, [0x82, 125]],
    [126, [0x82, 126, 0, 126]],
    [65535, [0x82, 126, 0xff, 0xff]],
    [65536, [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]],
  ];
  for (const [size, expected] of cases) {
    const payload = pattern(size);
    const [header, body] = codec.encodeWebSocketFrame(OPCODE.binary, payload);
    assertEquals([...header], expected, `size ${size}`);
    assertEquals(body, pattern(size));
    assertEquals(
      decodeAll({ masked: false }, header, body),
      [{ opcode: OPCODE.binary, payload: pattern(size) }],
    );
  }
});

Deno.test("encodeWebSocketFrame: masked, the mask after the length, the payload XORed in place", () => {
  const cases: [number, number[]][] = [
    [0, [0x82, 0x80]],
    [125, [0x82, 0x80 | 125]],
    [126, [0x82, 0x80 | 126, 0, 126]],
    [65535, [0x82, 0x80 | 126, 0xff, 0xff]],
    [65536, [0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0]],
  ];
  for (const [size, expected] of cases) {
    const payload = pattern(size, 7);
    const [header, body] = codec.encodeWebSocketFrame(
      OPCODE.binary,
      payload,
      MASK,
    );
    assertEquals([...header], [...expected, ...MASK], `size ${size}`);
    assert(body === payload, "masked in place");
    const original = pattern(size, 7);
    for (let i = 0; i < size; i++) {
      if (body[i] !== (original[i] ^ MASK[i % 4])) {
        throw new Error(`size ${size}: byte ${i} is not masked`);
      }
    }
    assertEquals(
      decodeAll({ masked: true }, header, body),
      [{ opcode: OPCODE.binary, payload: original }],
    );
  }
  // Control opcodes keep theirs, FIN set.
  assertEquals(frame(OPCODE.ping, [1, 2]), new Uint8Array([0x89, 2, 1, 2]));
  assertEquals(frame(OPCODE.close, []), new Uint8Array([0x88, 0]));
});

Deno.test("applyMask: twice is the identity, for aligned and unaligned views of 0..40 bytes", () => {
  for (let length = 0; length <= 40; length++) {
    for (let offset = 0; offset < 8; offset++) {
      const buffer = pattern(length + 16, length);
      const before = buffer.slice();
      const view = buffer.subarray(offset, offset + length);
      codec.applyMask(view, MASK);
      for (let i = 0; i < length; i++) {
        assertEquals(
          view[i],
          before[offset + i] ^ MASK[i % 4],
          `length ${length}, offset ${offset}, byte ${i}`,
        );
      }
      // Nothing outside the view is touched.
      assertEquals(buffer.subarray(0, offset), before.subarray(0, offset));
      assertEquals(
        buffer.subarray(offset + length),
        before.subarray(offset + length),
      );
      codec.applyMask(view, MASK);
      assertEquals(buffer, before, `length ${length}, offset ${offset}`);
    }
  }
  // A mask that is itself an unaligned view.
  const pool = new Uint8Array([9, ...MASK]);
  const bytes = pattern(32);
  codec.applyMask(bytes, pool.subarray(1));
  assertEquals(bytes[5], pattern(32)[5] ^ MASK[1]);
});

// --- The decoder -------------------------------------------------------------

/** A stream of every kind of frame, and what it decodes to. */
function sampleStream(mask?: Uint8Array): {
  bytes: Uint8Array;
  messages: codec.WebSocketMessage[];
} {
  const m = (opcode: number, payload: Uint8Array) => ({ opcode, payload });
  const bytes = concat([
    frame(OPCODE.binary, text.encode("\0hello"), { mask }),
    frame(OPCODE.ping, text.encode("are you there"), { mask }),
    frame(OPCODE.binary, pattern(300), { mask }),
    // A fragmented message with a ping between its fragments.
    frame(OPCODE.binary, pattern(10), { mask, fin: false }),
    frame(OPCODE.ping, [], { mask }),
    frame(OPCODE.continuation, pattern(200, 10), { mask, fin: false }),
    frame(OPCODE.pong, [7], { mask }),
    frame(OPCODE.continuation, pattern(5, 210), { mask }),
    frame(OPCODE.binary, [], { mask }),
    frame(OPCODE.binary, pattern(70_000, 3), { mask }),
    frame(OPCODE.close, [0x03, 0xe8], { mask }),
  ]);
  return {
    bytes,
    messages: [
      m(OPCODE.binary, text.encode("\0hello")),
      m(OPCODE.ping, text.encode("are you there")),
      m(OPCODE.binary, pattern(300)),
      m(OPCODE.ping, new Uint8Array()),
      m(OPCODE.pong, new Uint8Array([7])),
      m(
        OPCODE.binary,
        concat([pattern(10), pattern(200, 10), pattern(5, 210)]),
      ),
      m(OPCODE.binary, new Uint8Array()),
      m(OPCODE.binary, pattern(70_000, 3)),
      m(OPCODE.close, new Uint8Array([0x03, 0xe8])),
    ],
  };
}

Deno.test("WebSocketDecoder: split at every byte, masked (a server) and unmasked (a client)", () => {
  for (const masked of [false, true]) {
    const { bytes, messages } = sampleStream(masked ? MASK : undefined);
    // Every split in the first 600 bytes (headers, fragments, control
    // frames), then one every 97 bytes through the large frame.
    const splits = [];
    for (let at = 0; at <= 600; at++) splits.push(at);
    for (let at = 601; at <= bytes.length; at += 97) splits.push(at);
    splits.push(bytes.length - 1, bytes.length);
    for (const split of splits) {
      assertEquals(
        decodeAll({ masked }, bytes.subarray(0, split), bytes.subarray(split)),
        messages,
        `masked ${masked}, split at ${split}`,
      );
    }
  }
});

Deno.test("WebSocketDecoder: one byte at a time", () => {
  const { bytes, messages } = sampleStream(MASK);
  const decoder = new codec.WebSocketDecoder({ masked: true });
  const out: codec.WebSocketMessage[] = [];
  for (let i = 0; i < bytes.length; i++) {
    decoder.decode(bytes.slice(i, i + 1), out);
  }
  assertEquals(out, messages);
});

Deno.test("WebSocketDecoder: the wrong mask bit is refused either way", () => {
  assertRefused(
    { masked: true },
    frame(OPCODE.binary, [0, 1]),
    "must mask",
  );
  assertRefused(
    { masked: false },
    frame(OPCODE.binary, [0, 1], { mask: MASK }),
    "must not mask",
  );
  // From the header alone (a 16-bit length, no payload).
  assertRefused(
    { masked: true },
    new Uint8Array([0x82, 0x7e, 0, 200]),
    "must mask",
  );
});

Deno.test("WebSocketDecoder: fragments that break the rules are refused", () => {
  assertRefused(
    { masked: false },
    frame(OPCODE.continuation, [0, 1]),
    "never began",
  );
  assertRefused(
    { masked: false },
    concat([
      frame(OPCODE.binary, [0], { fin: false }),
      frame(OPCODE.binary, [1]),
    ]),
    "inside another",
  );
});

Deno.test("WebSocketDecoder: empty fragments keep nothing; tiny ones count 64 bytes against maxMessageSize", () => {
  // 10,000 empty fragments between two halves: one message, nothing kept
  // for them (each kept a view before, past any limit).
  const empty = frame(OPCODE.continuation, [], { fin: false });
  const decoder = new codec.WebSocketDecoder({
    masked: false,
    maxMessageSize: 300,
  });
  const out: codec.WebSocketMessage[] = [];
  decoder.decode(frame(OPCODE.binary, [0, 1], { fin: false }), out);
  for (let i = 0; i < 10_000; i++) decoder.decode(empty.slice(), out);
  decoder.decode(frame(OPCODE.continuation, [2]), out);
  assertEquals(out, [{
    opcode: OPCODE.binary,
    payload: Uint8Array.of(0, 1, 2),
  }]);
  // A message of empty fragments only is an empty message.
  assertEquals(
    decodeAll(
      { masked: false },
      frame(OPCODE.binary, [], { fin: false }),
      frame(OPCODE.continuation, []),
    ),
    [{ opcode: OPCODE.binary, payload: new Uint8Array() }],
  );
  // One-byte fragments: five held count 320, past 300 (and the flags
  // byte), so the sixth is refused from its header.
  const tiny = frame(OPCODE.continuation, [7], { fin: false });
  assertRefused(
    { masked: false, maxMessageSize: 300 },
    concat([
      frame(OPCODE.binary, [0], { fin: false }),
      ...[tiny, tiny, tiny, tiny, tiny],
    ]),
    "limit of 300",
  );
  assertEquals(
    decodeAll(
      { masked: false, maxMessageSize: 300 },
      concat([frame(OPCODE.binary, [0], { fin: false }), tiny, tiny, tiny]),
      frame(OPCODE.continuation, [7]),
    )[0].payload,
    Uint8Array.of(0, 7, 7, 7, 7),
  );
});

Deno.test("WebSocketDecoder: control frames over 125 bytes or fragmented are refused", () => {
  for (const opcode of [OPCODE.ping, OPCODE.pong, OPCODE.close]) {
    // From the header alone: 126 bytes announced, none sent.
    assertRefused(
      { masked: false },
      new Uint8Array([0x80 | opcode, 126, 0, 126]),
      "control frame",
    );
    assertRefused(
      { masked: false },
      frame(opcode, [], { fin: false }),
      "control frame",
    );
  }
  // 125 is fine.
  assertEquals(
    decodeAll({ masked: false }, frame(OPCODE.ping, pattern(125))),
    [{ opcode: OPCODE.ping, payload: pattern(125) }],
  );
});

Deno.test("WebSocketDecoder: reserved bits and unknown opcodes are refused", () => {
  for (const rsv of [0x40, 0x20, 0x10]) {
    assertRefused(
      { masked: false },
      new Uint8Array([0x82 | rsv, 1, 0]),
      "reserved",
    );
  }
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    assertRefused(
      { masked: false },
      new Uint8Array([0x80 | opcode, 1, 0]),
      `opcode ${opcode}`,
    );
  }
});

Deno.test("WebSocketDecoder: maxMessageSize (plus the ZWS flags byte) from the header alone", () => {
  const limit = { masked: false, maxMessageSize: 300 };
  // 301 bytes: a flags byte and 300 of body, at the limit.
  assertEquals(
    decodeAll(limit, frame(OPCODE.binary, pattern(301)))[0].payload.length,
    301,
  );
  // 302 announced in a 16-bit length, the payload never sent.
  assertRefused(limit, new Uint8Array([0x82, 126, 0x01, 0x2e]), "limit of 300");
  // A 64-bit length too, masked.
  assertRefused(
    { masked: true, maxMessageSize: 300 },
    new Uint8Array([0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, ...MASK]),
    "limit of 300",
  );
  // Fragments count together: 200, then a header for 102 more.
  assertRefused(
    limit,
    concat([
      frame(OPCODE.binary, pattern(200), { fin: false }),
      new Uint8Array([0x80, 102]),
    ]),
    "limit of 300",
  );
  // Control frames do not count against it.
  assertEquals(
    decodeAll({ masked: false, maxMessageSize: 0 }, frame(OPCODE.ping, [1]))
      .length,
    1,
  );
  // A 64-bit length beyond 2^53 is absurd even without a limit.
  assertRefused(
    { masked: false },
    new Uint8Array([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
    "absurd",
  );
});

// --- WebSocketConnection -----------------------------------------------------

type Ws = codec.WebSocketConnection;

/** Moves one side's output to the other, copied (the decoder works in place). */
function pump(from: Ws, to: Ws, now?: number): codec.ConnectionEvent[] {
  return from.takeOutput().flatMap((chunk) => to.receive(chunk.slice(), now));
}

function pair(
  client: Partial<codec.WebSocketConnectionOptions> = {},
  server: Partial<codec.WebSocketConnectionOptions> = {},
): { client: Ws; server: Ws } {
  return {
    client: new codec.WebSocketConnection({
      socketType: "DEALER",
      role: "client",
      path: "/zmq",
      host: "127.0.0.1:5555",
      ...client,
    }),
    server: new codec.WebSocketConnection({
      socketType: "ROUTER",
      role: "server",
      path: "/zmq",
      ...server,
    }),
  };
}

function handshake(client: Ws, server: Ws, now?: number): void {
  const serverEvents = pump(client, server, now);
  const clientEvents = pump(server, client, now);
  serverEvents.push(...pump(client, server, now));
  assertEquals(serverEvents.map((e) => e.type), ["ready"]);
  assertEquals(clientEvents.map((e) => e.type), ["ready"]);
  assertEquals([client.state, server.state], ["ready", "ready"]);
}

/** A side's output as WebSocket messages (the server's unmasked, the client's masked). */
function framesOut(from: Ws, masked: boolean): codec.WebSocketMessage[] {
  return decodeAll({ masked }, concat(from.takeOutput()));
}

/** The HTTP head a side wrote, and what followed it. */
function headOut(from: Ws): [codec.HttpHead, Uint8Array] {
  return defined(
    new codec.HttpHeadReader().push(concat(from.takeOutput())),
    "whole HTTP head in the output",
  );
}

Deno.test("WebSocketConnection: the upgrade, byte by byte where it matters, to ready", () => {
  const { client, server } = pair();
  assertEquals([client.state, server.state], ["greeting", "greeting"]);
  const request = concat(client.takeOutput());
  const [requestHead, afterRequest] = new codec.HttpHeadReader().push(
    request.slice(),
  )!;
  assertEquals(requestHead.line, "GET /zmq HTTP/1.1");
  assertEquals(requestHead.headers.get("host"), "127.0.0.1:5555");
  assertEquals(
    requestHead.headers.get("sec-websocket-protocol"),
    "ZWS2.0/NULL, ZWS2.0",
  );
  assertEquals(afterRequest.length, 0, "nothing before the answer");
  // The server reads the request a byte at a time.
  for (let i = 0; i < request.length; i++) {
    assertEquals(server.receive(request.slice(i, i + 1)), []);
  }
  // The answer and the READY go out as one chunk: one write, as over tcp.
  const answer = server.takeOutput();
  assertEquals(answer.length, 1, "one chunk");
  const [responseHead, afterResponse] = defined(
    new codec.HttpHeadReader().push(answer[0].slice()),
    "whole HTTP head in the answer",
  );
  assertEquals(responseHead.line, "HTTP/1.1 101 Switching Protocols");
  assertEquals(
    responseHead.headers.get("sec-websocket-accept"),
    codec.websocketAccept(requestHead.headers.get("sec-websocket-key")!),
  );
  assertEquals(
    responseHead.headers.get("sec-websocket-protocol"),
    "ZWS2.0/NULL",
  );
  // Then the server's READY: one unmasked binary message, flags 0x02.
  const [ready] = decodeAll({ masked: false }, afterResponse);
  assertEquals(ready.opcode, OPCODE.binary);
  assertEquals(ready.payload[0], 0x02);
  assertEquals(ascii.decode(ready.payload.subarray(1, 7)), "\x05READY");
  // The response and the READY in one chunk: the client is ready at once.
  const clientEvents = client.receive(
    concat([
      codec.encodeUpgradeResponse(
        requestHead.headers.get("sec-websocket-key")!,
        "ZWS2.0/NULL",
      ),
      afterResponse,
    ]),
  );
  assertEquals(
    expectEvent(clientEvents[0], "ready").peer.socketType,
    "ROUTER",
  );
  // The client's READY is masked.
  const fromClient = concat(client.takeOutput());
  assertEquals(fromClient[0], 0x82);
  assert(fromClient[1] & 0x80, "a client masks its frames");
  const serverEvents = server.receive(fromClient);
  assertEquals(
    expectEvent(serverEvents[0], "ready").peer.socketType,
    "DEALER",
  );
  assertEquals([client.state, server.state], ["ready", "ready"]);
});

Deno.test("WebSocketConnection: a PONG and the frames queued with it go as one chunk, apart once over 4 KiB", () => {
  const { client, server } = pair();
  handshake(client, server);
  const ping = frame(OPCODE.ping, text.encode("still there?"), { mask: MASK });
  assertEquals(server.receive(ping.slice()), []);
  server.sendMessage([text.encode("yes")]);
  const together = server.takeOutput();
  assertEquals(together.length, 1, "one chunk");
  assertEquals(decodeAll({ masked: false }, together[0]).map((m) => m.opcode), [
    OPCODE.pong,
    OPCODE.binary,
  ]);
  assertEquals(server.receive(ping.slice()), []);
  const large = pattern(5000);
  server.sendMessage([large]);
  const apart = server.takeOutput();
  assert(apart.length > 1, "the PONG and the large frame apart");
  const messages = decodeAll({ masked: false }, concat(apart));
  assertEquals(messages.map((m) => m.opcode), [OPCODE.pong, OPCODE.binary]);
  assertEquals(messages[0].payload, text.encode("still there?"));
  assertEquals(messages[1].payload.subarray(1), large);
});

Deno.test("WebSocketConnection: messages both ways, multipart, 300 bytes and 70 KiB", () => {
  const { client, server } = pair();
  handshake(client, server);
  const messages = [
    [text.encode("one")],
    [text.encode("a"), new Uint8Array(), text.encode("c")],
    [pattern(300)],
    [pattern(70 * 1024, 5), pattern(299)],
  ];
  // Client to server: each frame a masked binary message with ZWS flags.
  for (const message of messages) client.sendMessage(message);
  const fromClient = client.takeOutput().map((chunk) => chunk.slice());
  const wire = decodeAll({ masked: true }, concat(fromClient));
  assertEquals(
    wire.map((m) => m.payload[0]),
    [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00],
  );
  assertEquals(wire.map((m) => m.payload.length - 1), [
    3,
    1,
    0,
    1,
    300,
    70 * 1024,
    299,
  ]);
  const received = fromClient.flatMap((chunk) => server.receive(chunk));
  assertEquals(
    received.map((event) => expectEvent(event, "message").frames),
    messages,
  );
  // Server to client: unmasked, with 7-, 16- and 64-bit lengths.
  for (const message of messages) server.sendMessage(message);
  const fromServer = concat(server.takeOutput());
  const back = decodeAll({ masked: false }, fromServer);
  assertEquals(back.map((m) => m.payload[0]), [0, 1, 1, 0, 0, 1, 0]);
  // Fed in 1000-byte pieces.
  const events: codec.ConnectionEvent[] = [];
  for (let at = 0; at < fromServer.length; at += 1000) {
    events.push(...client.receive(fromServer.slice(at, at + 1000)));
  }
  assertEquals(
    events.map((event) => expectEvent(event, "message").frames),
    messages,
  );
});

Deno.test("WebSocketConnection: a client's frames of 0 to 70 bytes arrive whole (masked as copied, or after)", () => {
  const { client, server } = pair({}, { socketType: "ROUTER" });
  handshake(client, server);
  const sent = Array.from({ length: 71 }, (_, n) => pattern(n, n));
  for (const body of sent) client.sendMessage([body, body]);
  const received = pump(client, server).map((event) =>
    expectEvent(event, "message").frames
  );
  assertEquals(received, sent.map((body) => [body, body]));
  // Bodies sent are left as they were: the mask goes on the copies.
  assertEquals(sent, Array.from({ length: 71 }, (_, n) => pattern(n, n)));
});

Deno.test("WebSocketConnection: a SUB's subscription reaches the PUB as a subscribe event", () => {
  const { client, server } = pair({ socketType: "SUB" }, {
    socketType: "PUB",
  });
  handshake(client, server);
  client.sendSubscribe(text.encode("weather"));
  const events = pump(client, server);
  assertEquals(
    expectEvent(events[0], "subscribe").topic,
    text.encode("weather"),
  );
  client.sendCancel(text.encode("weather"));
  assertEquals(
    expectEvent(pump(client, server)[0], "cancel").topic,
    text.encode("weather"),
  );
  server.sendMessage([text.encode("weather"), text.encode("sunny")]);
  assertEquals(
    expectEvent(pump(server, client)[0], "message").frames,
    [text.encode("weather"), text.encode("sunny")],
  );
});

/** Feeds a request to a server and checks its refusal. */
function refusal(
  request: string | Uint8Array,
  status: string,
  kind: codec.ProtocolErrorKind,
): void {
  const server = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/zmq",
  });
  const events = server.receive(
    typeof request === "string" ? text.encode(request) : request,
  );
  assertEquals(events.length, 1);
  const error = expectEvent(events[0], "error").error;
  assertInstanceOf(error, codec.ProtocolError);
  assertEquals(error.kind, kind);
  assertEquals(server.state, "failed");
  const [head, body] = headOut(server);
  assertEquals(
    head.line.split(" ").slice(0, 2).join(" "),
    `HTTP/1.1 ${status}`,
  );
  assertEquals(head.headers.get("connection"), "close");
  assertEquals(Number(head.headers.get("content-length")), body.length);
  // Nothing more, whatever follows.
  assertEquals(server.receive(new Uint8Array([0x82, 0x80, 0, 0, 0, 0])), []);
  assertEquals(server.takeOutput(), []);
}

Deno.test("WebSocketConnection: the server serves any path, as libzmq's ws engine never compares it; a client refuses a 404 from elsewhere", () => {
  for (const path of ["/other", "/zmq/", "/"]) {
    const { client, server } = pair({ path });
    handshake(client, server);
    assertEquals([client.state, server.state], ["ready", "ready"], path);
  }
  const { client } = pair();
  client.takeOutput();
  const events = client.receive(codec.encodeHttpRefusal(404, "not here"));
  assertEquals(expectEvent(events[0], "error").error.kind, "protocol");
  assertStringIncludes(expectEvent(events[0], "error").error.message, "404");
  assertEquals(client.state, "failed");
});

/** A DEALER asking ZWS2.0 without a mechanism, as a browser does, and a ROUTER. */
function browserPair(
  routingId: Uint8Array,
  server: Partial<codec.WebSocketConnectionOptions> = {},
): { client: Ws; server: Ws } {
  return pair(
    { routingId, path: "/", host: "x", noMechanism: true },
    { path: "/", ...server },
  );
}

Deno.test("WebSocketConnection: ZWS2.0 without a mechanism, as a browser asks: routing ids, then messages", () => {
  const { client, server } = browserPair(text.encode("browser-1"));
  assertEquals(pump(client, server), []);
  const [ready] = pump(server, client);
  assertEquals(ready?.type, "ready");
  const [serverReady] = pump(client, server);
  const peer = serverReady?.type === "ready" ? serverReady.peer : undefined;
  assertEquals(new TextDecoder().decode(peer?.routingId), "browser-1");
  assertEquals(peer?.socketType, "");
  client.sendMessage([new TextEncoder().encode("hi")]);
  const [message] = pump(client, server);
  assertEquals(message?.type, "message");
});

Deno.test("WebSocketConnection: a ZWS2.0 routing id over 255 bytes is refused, whatever maxMessageSize allows", () => {
  for (const [length, refused] of [[255, false], [256, true]] as const) {
    const { client, server } = browserPair(new Uint8Array(length).fill(7), {
      maxMessageSize: 1000,
    });
    assertEquals(pump(client, server), []);
    assertEquals(pump(server, client).map((e) => e.type), ["ready"]);
    const [event] = pump(client, server);
    assertEquals(event?.type, refused ? "error" : "ready", `${length} bytes`);
  }
});

Deno.test("WebSocketConnection: a NULL client offers ZWS2.0/NULL, then ZWS2.0, and talks to a server that speaks ZWS2.0 only", () => {
  const { client, server } = pair({}, { noMechanism: true });
  const upgrade = concat(client.takeOutput());
  const [request] = defined(
    new codec.HttpHeadReader().push(upgrade.slice()),
    "whole HTTP head",
  );
  assertEquals(
    request.headers.get("sec-websocket-protocol"),
    "ZWS2.0/NULL, ZWS2.0",
  );
  assertEquals(server.receive(upgrade), []);
  handshake(client, server);
  client.sendMessage([text.encode("hello")]);
  assertEquals(
    expectEvent(pump(client, server)[0], "message").frames,
    [text.encode("hello")],
  );
});

Deno.test("WebSocketConnection: a PLAIN server refuses ZWS2.0 without a mechanism", () => {
  const server = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/",
    mechanism: (metadata) => new codec.PlainServerMechanism(metadata),
  });
  const [event] = server.receive(codec.encodeUpgradeRequest({
    path: "/",
    host: "x",
    key: SAMPLE_KEY,
    protocols: ["ZWS2.0"],
  }));
  assertEquals(event?.type === "error" && event.error.kind, "mechanism");
});

Deno.test("WebSocketConnection: the server refuses a wrong sub-protocol without an answer, as libzmq's, kind mechanism", () => {
  for (const protocols of [["ZWS2.0/CURVE"], []]) {
    const server = new codec.WebSocketConnection({
      socketType: "PULL",
      role: "server",
      path: "/zmq",
    });
    const events = server.receive(codec.encodeUpgradeRequest({
      path: "/zmq",
      host: "x",
      key: SAMPLE_KEY,
      protocols,
    }));
    assertEquals(expectEvent(events[0], "error").error.kind, "mechanism");
    assertEquals(server.state, "failed");
    assertEquals(server.takeOutput(), []);
  }
  // Among others offered, ours is found.
  const server = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/zmq",
  });
  assertEquals(
    server.receive(codec.encodeUpgradeRequest({
      path: "/zmq",
      host: "x",
      key: SAMPLE_KEY,
      protocols: ["ZWS2.0/CURVE", "ZWS2.0/NULL"],
    })),
    [],
  );
  assertEquals(headOut(server)[0].line, "HTTP/1.1 101 Switching Protocols");
});

Deno.test("WebSocketConnection: the server refuses a request without an upgrade with 426", () => {
  refusal("GET /zmq HTTP/1.1\r\nHost: x\r\n\r\n", "426", "protocol");
  refusal(
    `GET /zmq HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n` +
      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
    "426",
    "protocol",
  );
  refusal(
    `POST /zmq HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n` +
      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
    "426",
    "protocol",
  );
  // Without a key.
  refusal(
    "GET /zmq HTTP/1.1\r\nUpgrade: websocket\r\n" +
      "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
    "426",
    "protocol",
  );
});

Deno.test("WebSocketConnection: the server refuses two keys, another WebSocket version and a request without Connection: Upgrade, as RFC 6455 asks (libzmq took them)", () => {
  const request = (headers: string) =>
    `GET /zmq HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n${headers}` +
    "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n";
  const good = `Connection: Upgrade\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\n`;
  refusal(
    request(
      `${good}Sec-WebSocket-Key: ${SAMPLE_KEY}\r\nSec-WebSocket-Version: 13\r\n`,
    ),
    "400",
    "protocol",
  );
  refusal(
    request(`${good}Sec-WebSocket-Version: 8\r\n`),
    "426",
    "protocol",
  );
  refusal(
    request(
      `Sec-WebSocket-Key: ${SAMPLE_KEY}\r\nSec-WebSocket-Version: 13\r\n`,
    ),
    "400",
    "protocol",
  );
  // A 426 names the version spoken; a list of connection tokens is read.
  const server = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/zmq",
  });
  server.receive(text.encode(request(`${good}Sec-WebSocket-Version: 7\r\n`)));
  assertEquals(headOut(server)[0].headers.get("sec-websocket-version"), "13");
  const taken = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/zmq",
  });
  assertEquals(
    taken.receive(text.encode(request(
      `Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\nSec-WebSocket-Version: 13\r\n`,
    ))),
    [],
  );
  assertEquals(headOut(taken)[0].line, "HTTP/1.1 101 Switching Protocols");
});

Deno.test("WebSocketConnection: the client refuses a bad accept key, a non-101 answer and the wrong sub-protocol", () => {
  const answers: [string, Uint8Array, codec.ProtocolErrorKind][] = [
    [
      "bad accept key",
      codec.encodeUpgradeResponse(codec.websocketKey(), "ZWS2.0/NULL"),
      "protocol",
    ],
    [
      "HTTP/1.1 200",
      text.encode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
      "protocol",
    ],
    ["426", codec.encodeHttpRefusal(426, "no"), "protocol"],
  ];
  for (const [name, answer, kind] of answers) {
    const { client } = pair();
    client.takeOutput();
    const events = client.receive(answer);
    assertEquals(events.length, 1, name);
    assertEquals(expectEvent(events[0], "error").error.kind, kind, name);
    assertEquals(client.state, "failed", name);
  }
  // A right key but the wrong sub-protocol.
  const { client } = pair();
  const [request] = new codec.HttpHeadReader().push(
    concat(client.takeOutput()),
  )!;
  const key = request.headers.get("sec-websocket-key")!;
  const events = client.receive(
    codec.encodeUpgradeResponse(key, "ZWS2.0/PLAIN"),
  );
  assertEquals(expectEvent(events[0], "error").error.kind, "mechanism");
});

Deno.test("WebSocketConnection: a ping is answered with a pong, each side masking as its role says", () => {
  const { client, server } = pair();
  handshake(client, server);
  // The client's ping, masked; the server's pong, not.
  assertEquals(
    server.receive(frame(OPCODE.ping, text.encode("hi"), { mask: MASK })),
    [],
  );
  assertEquals(framesOut(server, false), [
    { opcode: OPCODE.pong, payload: text.encode("hi") },
  ]);
  // The server's ping, unmasked; the client's pong, masked.
  assertEquals(client.receive(frame(OPCODE.ping, text.encode("yo"))), []);
  assertEquals(framesOut(client, true), [
    { opcode: OPCODE.pong, payload: text.encode("yo") },
  ]);
  // A pong is silence.
  assertEquals(client.receive(frame(OPCODE.pong, [])), []);
  assertEquals(client.takeOutput(), []);
  // Messages go on.
  client.sendMessage([text.encode("still")]);
  assertEquals(
    expectEvent(pump(client, server)[0], "message").frames,
    [text.encode("still")],
  );
});

Deno.test("WebSocketConnection: pings not yet answered are answered once, for the latest", () => {
  const { client, server } = pair();
  handshake(client, server);
  // A client that pings and never reads: one pong waits, whatever it sends.
  for (let i = 0; i < 1000; i++) {
    server.receive(frame(OPCODE.ping, text.encode(`p${i}`), { mask: MASK }));
  }
  assert(server.pendingOutputBytes < 10);
  assertEquals(framesOut(server, false), [
    { opcode: OPCODE.pong, payload: text.encode("p999") },
  ]);
  assertEquals(server.takeOutput(), []);
});

Deno.test("WebSocketConnection: a close is answered with a close, then the connection ends", () => {
  const { client, server } = pair();
  handshake(client, server);
  const [ended, ...rest] = server.receive(
    frame(OPCODE.close, [0x03, 0xe8, 0x61], { mask: MASK }),
  );
  // An error event: write out the answer, then close the stream (a server
  // closes first, as RFC 6455 asks and a browser waits for).
  assertEquals(expectEvent(ended, "error").error.kind, "peer");
  assertEquals(rest, []);
  assertEquals(framesOut(server, false), [
    { opcode: OPCODE.close, payload: new Uint8Array([0x03, 0xe8]) },
  ]);
  server.sendMessage([text.encode("late")]);
  assertEquals(server.takeOutput(), []);
  assertEquals(
    server.receive(frame(OPCODE.binary, [0, 1], { mask: MASK })),
    [],
  );
});

Deno.test("WebSocketConnection: a malformed close is answered 1002 (a 1-byte body, a code no peer may send) or 1007 (a reason that is no UTF-8) and is no goodbye; a good one is echoed (libzmq echoes all)", () => {
  const cases: [number[], number[], "goodbye" | "malformed"][] = [
    [[], [], "goodbye"],
    [[0x03, 0xe8, 0x62, 0x79, 0x65], [0x03, 0xe8], "goodbye"], // 1000 "bye"
    [[0x0f, 0xa0], [0x0f, 0xa0], "goodbye"], // 4000, an app's
    [[0x03], [0x03, 0xea], "malformed"],
    [[0x03, 0xed], [0x03, 0xea], "malformed"], // 1005: never on the wire
    [[0x03, 0xe7], [0x03, 0xea], "malformed"], // 999
    [[0x03, 0xe8, 0xff, 0xfe], [0x03, 0xef], "malformed"], // 1007
  ];
  for (const [body, answer, what] of cases) {
    const { client, server } = pair();
    handshake(client, server);
    const [ended] = server.receive(frame(OPCODE.close, body, { mask: MASK }));
    const error = expectEvent(ended, "error").error;
    // Kind peer either way: a client dials again, as libzmq's does.
    assertEquals(error.kind, "peer");
    assertEquals(isGoodbye(error), what === "goodbye", `${body}`);
    assertEquals(framesOut(server, false), [
      { opcode: OPCODE.close, payload: new Uint8Array(answer) },
    ]);
  }
});

Deno.test("WebSocketConnection: a text message, an unmasked client frame and a bad ZWS flags byte are errors", () => {
  const cases: [string, Uint8Array][] = [
    ["text", frame(OPCODE.text, text.encode("\0hi"), { mask: MASK })],
    ["unmasked", frame(OPCODE.binary, [0, 1])],
    ["flags 0x03", frame(OPCODE.binary, [0x03, 1], { mask: MASK })],
    ["flags 0x04", frame(OPCODE.binary, [0x04, 1], { mask: MASK })],
  ];
  for (const [name, bytes] of cases) {
    const { client, server } = pair();
    handshake(client, server);
    const events = server.receive(bytes);
    assertEquals(events.length, 1, name);
    assertEquals(expectEvent(events[0], "error").error.kind, "protocol", name);
    assertEquals(server.state, "failed", name);
  }
  // A message before the error is still delivered.
  const { client, server } = pair();
  handshake(client, server);
  const events = server.receive(concat([
    frame(OPCODE.binary, [0, 0x61], { mask: MASK }),
    frame(OPCODE.text, [0, 0x62], { mask: MASK }),
  ]));
  assertEquals(events.map((e) => e.type), ["message", "error"]);
});

Deno.test("WebSocketConnection: one error event, however many faults the same chunk holds", () => {
  const bad = [
    frame(OPCODE.binary, [0x03, 1], { mask: MASK }), // bad ZWS flags
    frame(OPCODE.text, [0, 0x62], { mask: MASK }), // a text message
    new Uint8Array([0xc2, 0x80, ...MASK]), // reserved bits, to the decoder
  ];
  for (const [first, second] of [[0, 1], [0, 2], [1, 2], [1, 0]]) {
    const { client, server } = pair();
    handshake(client, server);
    const events = server.receive(concat([bad[first], bad[second]]));
    assertEquals(events.map((e) => e.type), ["error"], `${first}, ${second}`);
  }
});

Deno.test("WebSocketConnection: a verdict that comes after the WebSocket failed changes nothing", () => {
  const { client, server } = pair({}, {
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
  });
  pump(client, server);
  pump(server, client);
  // The client's READY asks for a verdict; a bad frame follows it.
  const ready = concat(client.takeOutput()).slice();
  const events = server.receive(
    concat([ready, new Uint8Array([0xc2, 0x80, ...MASK])]),
  );
  assertEquals(events.map((e) => e.type), ["authenticate", "error"]);
  assertEquals(
    server.authenticated({ statusCode: 200, statusText: "", userId: "" }),
    [],
  );
  assertEquals([server.state, server.deadline], ["failed", undefined]);
});

Deno.test("WebSocketConnection: a declared length allocates no buffer over 4 MiB before its bytes come", () => {
  const cases: [number, boolean][] = [[4 * 1024 * 1024, true], [
    2 ** 32,
    false,
  ]];
  for (const [length, direct] of cases) {
    const { client, server } = pair();
    handshake(client, server);
    const header = new Uint8Array(14);
    header.set([0x82, 0xff]);
    new DataView(header.buffer).setBigUint64(2, BigInt(length));
    header.set(MASK, 10);
    assertEquals(server.receive(concat([header, new Uint8Array(100)])), []);
    const target = server.directReadTarget();
    assertEquals(
      target?.length,
      direct ? length - 100 : undefined,
      `${length}`,
    );
    // Without one, the bytes still come in, as they come.
    assertEquals(server.receive(new Uint8Array(64 * 1024)), []);
    assertEquals(server.partialFrameSize, length);
  }
});

Deno.test("WebSocketConnection: an empty binary message is refused (ZWS needs a flags byte; libzmq refuses it)", () => {
  const { client, server } = pair();
  handshake(client, server);
  const events = server.receive(frame(OPCODE.binary, [], { mask: MASK }));
  assertEquals(events.map((e) => e.type), ["error"]);
});

Deno.test("WebSocketConnection: maxMessageSize holds messages to it once decoded, lets commands pass it by 64 KiB as over tcp, and refuses a frame past that from its header", () => {
  const { client, server } = pair({}, { maxMessageSize: 100 });
  handshake(client, server);
  // 100 bytes (after the flags byte) pass.
  const fine = concat([new Uint8Array([0]), pattern(100)]);
  assertEquals(
    expectEvent(
      server.receive(frame(OPCODE.binary, fine, { mask: MASK }))[0],
      "message",
    ).frames[0].length,
    100,
  );
  // A command of 300 bytes (one libzmq does not know, ignored) passes, as a
  // READY with properties over a small limit must.
  const command = concat([
    new Uint8Array([0x02, 4]),
    text.encode("XTRA"),
    pattern(295),
  ]);
  assertEquals(
    server.receive(frame(OPCODE.binary, command, { mask: MASK })),
    [],
  );
  // A frame announcing more than the limit, the flags and 64 KiB: refused
  // from its header, before its payload comes.
  const header = new Uint8Array(14);
  header.set([0x82, 0x80 | 127]);
  new DataView(header.buffer).setBigUint64(2, BigInt(100 + 1 + 64 * 1024 + 1));
  header.set(MASK, 10);
  const early = server.receive(header);
  assertEquals(expectEvent(early[0], "error").error.kind, "protocol");
  // A message of 101 bytes: refused once decoded.
  const other = pair({}, { maxMessageSize: 100 });
  handshake(other.client, other.server);
  const over = concat([new Uint8Array([0]), pattern(101)]);
  const late = other.server.receive(frame(OPCODE.binary, over, { mask: MASK }));
  assertEquals(expectEvent(late[0], "error").error.kind, "protocol");
});

Deno.test("WebSocketConnection: the handshake deadline", () => {
  const server = new codec.WebSocketConnection({
    socketType: "PULL",
    role: "server",
    path: "/",
    handshakeInterval: 100,
    now: 1000,
  });
  assertEquals(server.deadline, 1100);
  server.receive(text.encode("GET / HTTP/1.1\r\n"), 1050);
  assertEquals(server.tick(1099), []);
  const events = server.tick(1100);
  assertEquals(expectEvent(events[0], "error").error.kind, "timeout");
  assertEquals(server.state, "failed");
  assertEquals(server.deadline, undefined);
});

Deno.test("WebSocketConnection: heartbeats are WebSocket pings; a silent peer times out", () => {
  for (const role of ["server", "client"] as const) {
    const heartbeat = { heartbeatInterval: 100, heartbeatTimeout: 50, now: 0 };
    const { client, server } = role === "server"
      ? pair({}, heartbeat)
      : pair(heartbeat, {});
    const [us, peer] = role === "server" ? [server, client] : [client, server];
    handshake(client, server, 10);
    assertEquals(us.deadline, 110, role);
    assertEquals(us.tick(109), [], role);
    assertEquals(us.takeOutput(), [], role);
    // Past the interval: one WebSocket ping, and no ZMTP PING.
    assertEquals(us.tick(110), [], role);
    const out = concat(us.takeOutput());
    assertEquals(out[0], 0x89, role);
    assertEquals(out[1], role === "client" ? 0x80 : 0x00, role);
    assertEquals(out.length, role === "client" ? 6 : 2, role);
    // The peer answers with a pong, which is life.
    assertEquals(peer.receive(out, 120), [], role);
    const pong = concat(peer.takeOutput());
    assertEquals(pong[0], 0x8a, role);
    assertEquals(us.receive(pong, 130), [], role);
    assertEquals(us.tick(160), [], role);
    // The next ping at 210; then silence past the timeout.
    assertEquals(us.deadline, 210, role);
    assertEquals(us.tick(210), [], role);
    assertEquals(concat(us.takeOutput())[0], 0x89, role);
    assertEquals(us.deadline, 260, role);
    assertEquals(us.tick(259), [], role);
    const events = us.tick(260);
    assertEquals(events.length, 1, role);
    assertEquals(expectEvent(events[0], "error").error.kind, "timeout", role);
    assertEquals(us.state, "failed", role);
    assertEquals(us.tick(1000), [], role);
  }
});

Deno.test("WebSocketConnection: heartbeats start when a verdict makes the server ready (NULL with ZAP, CURVE)", () => {
  // NULL with ZAP: the server is ready on the verdict, as CURVE's is.
  const { client, server } = pair({}, {
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
    heartbeatInterval: 100,
    now: 0,
  });
  let ready = 0;
  for (let round = 0; round < 5; round++) {
    for (const event of pump(client, server, 10)) {
      if (event.type === "authenticate") {
        ready += server.authenticated({
          statusCode: 200,
          statusText: "",
          userId: "",
        }).filter((event) => event.type === "ready").length;
      }
    }
    pump(server, client, 10);
  }
  assertEquals([ready, client.state, server.state], [1, "ready", "ready"]);
  // WebSocket pings from the time the server last heard of, not ZMTP PINGs.
  assertEquals(server.deadline, 110);
  assertEquals(server.tick(110), []);
  assertEquals(concat(server.takeOutput())[0], 0x89);
});

/** A client's masked ZWS command frame holding a ZMTP PING with this TTL (ds). */
function zmtpPing(ttl: number): Uint8Array {
  const command = codec.encodePing(ttl, new Uint8Array());
  const payload = concat([new Uint8Array([0x02]), command]);
  return concat(codec.encodeWebSocketFrame(OPCODE.binary, payload, MASK));
}

Deno.test("WebSocketConnection: a ZMTP PING's TTL is enforced, WebSocket pings and pongs counting as traffic", () => {
  for (const timed of [true, false]) {
    const { client, server } = pair({}, { now: 0 });
    handshake(client, server, 10);
    // No heartbeats of our own: nothing is due, so traffic may come untimed.
    assertEquals(server.deadline, undefined);
    // The peer asks to be dropped after 1 s of silence (TTL 10 ds).
    server.receive(zmtpPing(10), timed ? 100 : undefined);
    const pong = framesOut(server, false);
    assertEquals(pong.length, 1);
    assertEquals(pong[0].payload.subarray(1, 6), text.encode("\x04PONG"));
    if (!timed) {
      // Untimed, the TTL runs from the next tick, which is due at once.
      assertEquals(server.deadline, 10);
      assertEquals(server.tick(100), []);
    }
    assertEquals(server.deadline, 1100, `timed ${timed}`);
    // A WebSocket ping is life: the TTL runs again from it.
    const ping = concat(
      codec.encodeWebSocketFrame(OPCODE.ping, new Uint8Array(0), MASK),
    );
    assertEquals(server.receive(ping, 900), []);
    assertEquals(framesOut(server, false)[0].opcode, OPCODE.pong);
    assertEquals(server.deadline, 1900);
    assertEquals(server.tick(1899), []);
    const events = server.tick(1900);
    assertEquals(events.length, 1);
    const error = expectEvent(events[0], "error").error;
    assertEquals([error.kind, server.state], ["timeout", "failed"]);
    assertStringIncludes(error.message, "TTL");
  }
});

Deno.test("applyMask: word-at-a-time for long payloads, at any alignment and key offset", () => {
  const naive = (bytes: Uint8Array, offset: number) =>
    bytes.map((byte, i) => byte ^ MASK[(i + offset) & 3]);
  const backing = pattern(400, 3);
  for (let start = 0; start < 4; start++) {
    for (const length of [63, 64, 65, 100, 257, 390]) {
      for (let offset = 0; offset < 4; offset++) {
        const bytes = backing.slice().subarray(start, start + length);
        const expected = naive(bytes, offset);
        codec.applyMask(bytes, MASK, offset);
        assertEquals(bytes, expected, `${start}/${length}/${offset}`);
      }
    }
  }
});

Deno.test("WebSocketDecoder: a large payload is read straight into its own buffer", () => {
  const payload = pattern(100_000, 5);
  const wire = frame(OPCODE.binary, payload, { mask: MASK });
  const decoder = new codec.WebSocketDecoder({ masked: true });
  const out: codec.WebSocketMessage[] = [];
  decoder.decode(wire.subarray(0, 1000), out);
  assertEquals(decoder.partialFrameSize, 100_000);
  let at = 1000;
  while (at < wire.length) {
    const target = decoder.directReadTarget();
    if (!target) break;
    const n = Math.min(30_000, target.length, wire.length - at);
    target.set(wire.subarray(at, at + n));
    decoder.decode(target.subarray(0, n), out);
    at += n;
  }
  // Under the threshold, the tail comes through the ordinary path.
  if (at < wire.length) decoder.decode(wire.subarray(at), out);
  assertEquals(out.length, 1);
  assertEquals(out[0].payload, payload);
  assertEquals(decoder.partialFrameSize, 0);
  assertEquals(decoder.directReadTarget(), undefined);
});

Deno.test("WebSocketDecoder: a payload over 4 MiB is read in place once 4 MiB of it have come, not joined at its end", () => {
  const size = 6 * 1024 * 1024;
  const payload = pattern(size, 3);
  const wire = frame(OPCODE.binary, payload, { mask: MASK });
  const decoder = new codec.WebSocketDecoder({ masked: true });
  const out: codec.WebSocketMessage[] = [];
  const step = 256 * 1024;
  let at = 0;
  for (; decoder.directReadTarget() === undefined; at += step) {
    decoder.decode(wire.subarray(at, at + step), out);
    assert(at < 4 * 1024 * 1024 + 14, "gathered past 4 MiB");
  }
  const target = decoder.directReadTarget()!;
  assertEquals(target.length, wire.length - at);
  target.set(wire.subarray(at));
  decoder.decode(target, out);
  assertEquals(out.length, 1);
  assertEquals(out[0].payload, payload);
  assertEquals(out[0].payload.buffer, target.buffer);
});

Deno.test("WebSocketDecoder: a payload whose declared length no memory holds ends the connection at its next bytes, as libzmq's failed allocation", () => {
  const decoder = new codec.WebSocketDecoder({ masked: false });
  const out: codec.WebSocketMessage[] = [];
  // A binary frame declaring 2^50 bytes, then 4 MiB of them.
  const header = new Uint8Array([0x82, 127, 0, 4, 0, 0, 0, 0, 0, 0]);
  decoder.decode(header, out);
  decoder.decode(new Uint8Array(4 * 1024 * 1024), out);
  assertEquals(decoder.directReadTarget(), undefined);
  assertThrows(
    () => decoder.decode(new Uint8Array(100), out),
    codec.ProtocolError,
    "beyond memory",
  );
});

Deno.test("WebSocketConnection: a NULL client that authenticates offers ZWS2.0/NULL alone, and refuses a server that answers ZWS2.0 (nothing to judge it by)", () => {
  const client = new codec.WebSocketConnection({
    socketType: "DEALER",
    role: "client",
    path: "/",
    host: "x",
    mechanism: (metadata) =>
      new codec.NullMechanism(metadata, { authenticate: true }),
  });
  const [head] = defined(
    new codec.HttpHeadReader().push(concat(client.takeOutput())),
    "the upgrade request",
  );
  assertEquals(head.headers.get("sec-websocket-protocol"), "ZWS2.0/NULL");
  const key = defined(head.headers.get("sec-websocket-key"), "the key");
  const events = client.receive(codec.encodeUpgradeResponse(key, "ZWS2.0"));
  assertEquals(expectEvent(events[0], "error").error.kind, "mechanism");
});

Deno.test("WebSocketDecoder: a payload sent a byte at a time costs its bytes, not an object per read (a peer could make 1 MB of wire hold 100 MB)", () => {
  const decoder = new codec.WebSocketDecoder({ masked: true });
  const out: codec.WebSocketMessage[] = [];
  // A masked binary frame of 64 MiB, declared: under 4 MiB come, the
  // payload is gathered from its reads.
  decoder.decode(
    new Uint8Array([0x82, 0x80 | 127, 0, 0, 0, 0, 4, 0, 0, 0, ...MASK]),
    out,
  );
  const byte = new Uint8Array([7]);
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) decoder.decode(byte, out);
  const grown = Deno.memoryUsage().heapUsed - before;
  // A view per read held 70 MB and more; the copy is outside the heap.
  assert(grown < 32 * 1024 * 1024, `heap grew ${grown} bytes`);
  assertEquals(out, []);
});

Deno.test("WebSocketDecoder: a message sent a byte a fragment costs its bytes, not an object per fragment, where no limit is set", () => {
  // 300,000 one-byte masked fragments, read 64 KiB at a time.
  const count = 300_000;
  const one = frame(OPCODE.continuation, [7], { mask: MASK, fin: false });
  const wire = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) wire.set(one, i * one.length);
  wire[0] = 0x02; // the first begins a binary message
  wire[wire.length - one.length] |= 0x80; // the last ends it
  const decoder = new codec.WebSocketDecoder({ masked: true });
  const out: codec.WebSocketMessage[] = [];
  const before = Deno.memoryUsage().heapUsed;
  let grown = 0;
  for (let at = 0; at < wire.length; at += 65536) {
    decoder.decode(wire.subarray(at, at + 65536), out);
    if (out.length === 0) grown = Deno.memoryUsage().heapUsed - before;
  }
  // A view per fragment held 30 MB and more; the copy is outside the heap.
  assert(grown < 16 * 1024 * 1024, `heap grew ${grown} bytes`);
  assertEquals(out.length, 1);
  assertEquals(out[0].payload, new Uint8Array(count).fill(7));
});

Deno.test("WebSocketDecoder: a payload in pieces of 1 to 3,000 bytes decodes the same", () => {
  const payload = pattern(100 * 1024, 5);
  const wire = frame(OPCODE.binary, payload, { mask: MASK });
  const decoder = new codec.WebSocketDecoder({ masked: true });
  const out: codec.WebSocketMessage[] = [];
  const steps = [1, 2, 5, 17, 300, 3000];
  for (let at = 0, i = 0; at < wire.length; i++) {
    const step = steps[i % steps.length];
    decoder.decode(wire.slice(at, at + step), out);
    at += step;
  }
  assertEquals(out, [{ opcode: OPCODE.binary, payload }]);
});
