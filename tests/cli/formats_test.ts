/**
 * The `zmq` command's formats: each one round-tripped through the command
 * both ways (what `zmq pull` prints, `zmq push` sends back unchanged), and
 * the leading routing id or group of each, read and written.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { Packr } from "msgpackr/pack";
import { Pull, Push } from "../../mod.ts";
import { CliError } from "../../cli/_errors.ts";
import { Output } from "../../cli/_output.ts";
import { formatNamed } from "../../cli/_formats.ts";
import type { CliMessage, FormatName } from "../../cli/_message.ts";
import { unpackStream } from "../../cli/_structured.ts";
import { decode, timeout } from "../_helpers.ts";
import { RunningZmq, zmq } from "./_zmq.ts";

const text = new TextEncoder();
const bytes = (...values: number[]) => new Uint8Array(values);
const LONG = new Uint8Array(300).map((_, i) => i % 251);

/** Binary frames: tabs, newlines, bytes that are not UTF-8, empty, long. */
const BINARY: Uint8Array[][] = [
  [text.encode("hello")],
  [bytes(0x00, 0x09, 0x0a, 0x0d, 0xff)],
  [new Uint8Array(0), text.encode("after an empty frame")],
  [bytes(0xc3, 0x28), text.encode("ünïcødé ✓"), LONG],
  [LONG.subarray(1)],
  // A leading U+FEFF is the frame's own: jsonl prints it as text, kept.
  [bytes(0xef, 0xbb, 0xbf, 0x68, 0x69)],
];

/** What each format carries unchanged. */
const MESSAGES: Record<FormatName, Uint8Array[][]> = {
  text: [
    [text.encode("hello")],
    [text.encode("two"), text.encode("frames")],
    [new Uint8Array(0)],
    [text.encode("ünïcødé ✓ and bytes \xff"), LONG.subarray(11, 20)],
  ],
  hex: BINARY,
  jsonl: BINARY,
  msgpack: BINARY,
  raw: [[new Uint8Array(100_000).map((_, i) => (i * 7) % 256)]],
};

Deno.test("zmq: each format round-trips, zmq pull's output sent back by zmq push", async () => {
  // The formats side by side: subprocesses start faster together.
  await Promise.all(
    (Object.keys(MESSAGES) as FormatName[]).map(async (format) => {
      const messages = MESSAGES[format];
      await using push = new Push();
      await push.bind("tcp://127.0.0.1:0");
      await using printer = new RunningZmq([
        "pull",
        "--connect",
        push.lastEndpoint!,
        "-n",
        String(messages.length),
        "--format",
        format,
      ], true);
      for (const message of messages) await push.send(message, timeout());
      const printed = await printer.finished();
      assertEquals([printed.code, printed.stderr], [0, ""], format);

      await using pull = new Pull();
      await pull.bind("tcp://127.0.0.1:0");
      const sender = await zmq(
        ["push", "--connect", pull.lastEndpoint!, "--format", format],
        printed.stdout,
      );
      assertEquals([sender.code, sender.stderr], [0, ""], format);
      for (const message of messages) {
        assertEquals(await pull.receive(timeout()), message, format);
      }
    }),
  );
});

/** Writes a message in a format and reads it back, as stdin would give it. */
async function roundTrip(
  format: FormatName,
  message: CliMessage,
  leading?: "routingId" | "group",
): Promise<{ written: Uint8Array; read: CliMessage[] }> {
  const written = formatNamed(format).write(message);
  const read: CliMessage[] = [];
  // A byte per chunk: a message cut anywhere still reads whole.
  const input = ReadableStream.from(
    Array.from(written, (byte) => new Uint8Array([byte])),
  );
  for await (const each of formatNamed(format).read(input, leading)) {
    read.push(each);
  }
  return { written, read };
}

Deno.test("zmq text: frames pass unescaped, so a tab, a newline or a line's last \\r does not come back as sent (README)", async () => {
  const decode = (frames: Uint8Array[]) =>
    frames.map((frame) => new TextDecoder().decode(frame));
  const sent = { frames: [text.encode("a\tb"), text.encode("c\r")] };
  assertEquals(
    (await roundTrip("text", sent)).read.map((m) => decode(m.frames)),
    [["a", "b", "c"]],
  );
  const newline = { frames: [text.encode("d\ne")] };
  assertEquals(
    (await roundTrip("text", newline)).read.map((m) => decode(m.frames)),
    [["d"], ["e"]],
  );
  // What the README says round-trips exactly.
  for (const format of ["jsonl", "msgpack", "hex"] as const) {
    for (const message of [sent, newline]) {
      assertEquals((await roundTrip(format, message)).read, [message], format);
    }
  }
});

Deno.test("zmq: a routing id or a group leads each line, and reads back", async () => {
  const routed = { routingId: 7, frames: [text.encode("hi")] };
  const grouped = { group: "weather", frames: [text.encode("sunny")] };
  const shown: Record<string, [string, string]> = {
    text: ["7\thi\n", "weather\tsunny\n"],
    hex: ["7\t6869\n", "77656174686572\t73756e6e79\n"],
    jsonl: [
      '{"routingId":7,"frames":["hi"]}\n',
      '{"group":"weather","frames":["sunny"]}\n',
    ],
  };
  for (const format of ["text", "hex", "jsonl", "msgpack"] as const) {
    const byId = await roundTrip(format, routed, "routingId");
    const byGroup = await roundTrip(format, grouped, "group");
    assertEquals(byId.read, [routed], format);
    assertEquals(byGroup.read, [grouped], format);
    if (format in shown) {
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      assertEquals(
        [decode(byId.written), decode(byGroup.written)],
        shown[format],
      );
    }
  }
  const packed = formatNamed("msgpack").write(routed);
  assertEquals(
    new Packr({ useRecords: false }).unpack(new Uint8Array(packed)),
    routed,
  );
});

Deno.test("zmq: stdin that is not in its format is a one-line error", async () => {
  const read = async (
    format: FormatName,
    input: string | Uint8Array,
    leading?: "routingId",
  ) => {
    const bytes = typeof input === "string" ? text.encode(input) : input;
    for await (
      const _ of formatNamed(format).read(ReadableStream.from([bytes]), leading)
    );
  };
  const cases: [FormatName, string | Uint8Array, RegExp, "routingId"?][] = [
    ["hex", "abc\n", /stdin line 1: "abc" is not hexadecimal/],
    [
      "text",
      "5\tok\nnope\thi\n",
      /stdin line 2: "nope" is not a routing id/,
      "routingId",
    ],
    ["jsonl", "{}\n", /stdin line 1: "frames" is an array/],
    ["jsonl", '{"frames":[1]}\n', /a frame is a string/],
    ["jsonl", '{"frames":["a"],"to":1}\n', /not "to"/],
    ["msgpack", bytes(0xd4, 0x05, 0x00), /stdin message 1 is not MessagePack/],
    // msgpackr decodes it to a marker object, not an error.
    [
      "msgpack",
      bytes(0xa1, 0x61, 0xc1),
      /stdin message 2 is not MessagePack: 0xc1, a byte MessagePack never uses/,
    ],
    ["msgpack", bytes(0x91, 0xc1), /stdin message 1 is not MessagePack: 0xc1/],
    ["msgpack", bytes(0x92, 0x01), /ends inside a MessagePack value/],
    ["raw", "x", /raw input has no routing id/, "routingId"],
  ];
  for (const [format, input, pattern, leading] of cases) {
    const error = await assertRejects(
      () => read(format, input, leading),
      CliError,
    );
    assertEquals(
      pattern.test(error.message),
      true,
      `${format}: ${error.message}`,
    );
  }
  assertThrows(() => formatNamed("yaml"), CliError, 'no format "yaml"');
});

Deno.test("zmq: the MessagePack messages before one that is not come out first, from the same chunk or an earlier one", async () => {
  const input = ReadableStream.from([
    bytes(0xa1, 0x61),
    bytes(0xa1, 0x62, 0xa1, 0x63, 0xc1, 0xa1, 0x64),
  ]);
  const read: string[] = [];
  const error = await assertRejects(async () => {
    for await (
      const message of formatNamed("msgpack").read(input, undefined)
    ) {
      read.push(...message.frames.map(decode));
    }
  }, CliError);
  assertEquals(read, ["a", "b", "c"]);
  assertMatch(error.message, /stdin message 4 is not MessagePack/);
});

Deno.test("zmq: MessagePack values split anywhere across chunks decode whole", async () => {
  const packr = new Packr({ useRecords: false });
  // A 64 KiB frame too, which waits for its length, not chunk by chunk.
  const values = [
    { frames: [LONG] },
    "two",
    [1, 2, 3],
    {
      nested: { deep: true },
    },
    new Uint8Array(65536).map((_, i) => i % 253),
    7,
  ];
  const stream = new Uint8Array(
    values.flatMap((value) => [...packr.pack(value)]),
  );
  for (const size of [1, 2, 7, 300, stream.length]) {
    const chunks = [];
    for (let at = 0; at < stream.length; at += size) {
      chunks.push(stream.slice(at, at + size));
    }
    const decoded = [];
    for await (const value of unpackStream(ReadableStream.from(chunks))) {
      decoded.push(value);
    }
    assertEquals(decoded, values, `chunks of ${size}`);
  }
});

Deno.test("zmq: output lost to a failed write fails the command; a reader gone does not", async () => {
  const full = new Output({
    write: () =>
      Promise.reject(new Deno.errors.Busy("No space left on device")),
  });
  await full.write(text.encode("lost"));
  await assertRejects(() => full.end(), Deno.errors.Busy);
  const gone = new Output({
    write: () => Promise.reject(new Deno.errors.BrokenPipe("reader gone")),
  });
  await gone.write(text.encode("unread"));
  await gone.end();
});

Deno.test("zmq: output abandoned stops waiting for a reader that stopped reading, after a second at least, and drops the rest", async () => {
  const written: number[] = [];
  const taken = Promise.withResolvers<void>();
  const stuck = new Output({
    write: async (bytes) => {
      written.push(bytes.length);
      await taken.promise; // a reader that stopped reading
      return bytes.length;
    },
  });
  // 64 KiB waiting: the write waits for the reader.
  const waiting = stuck.write(new Uint8Array(64 * 1024));
  await stuck.write(new Uint8Array(10)); // queued behind it
  const asked = performance.now();
  stuck.abandonAfter(0);
  await waiting;
  const waited = performance.now() - asked;
  assert(waited >= 900, `gave up after ${waited} ms, not a second`);
  assertEquals(stuck.dropped, 64 * 1024 + 10);
  await stuck.write(new Uint8Array(10)); // dropped
  await stuck.end();
  // The reader takes the first write after all: nothing more is written.
  taken.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(written, [64 * 1024]);
});
