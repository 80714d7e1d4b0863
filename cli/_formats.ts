/**
 * How messages look on stdin and stdout: `--format text|jsonl|msgpack|hex|raw`.
 * Each format reads messages from stdin and writes received ones to stdout
 * in the same shape, so what one `zmq` prints another can send.
 *
 * @module
 */

import { CliError } from "./_errors.ts";
import {
  type CliMessage,
  type Format,
  type FormatName,
  fromHex,
  type LeadingField,
  parseRoutingId,
  toHex,
  whereFrom,
} from "./_message.ts";
import { concatBytes, readAll, readLines } from "./_stdin.ts";
import { jsonl, msgpack } from "./_structured.ts";

const _TAB = 0x09;
const _NEWLINE = 0x0a;
const _encoder = new TextEncoder();
const _decoder = new TextDecoder();
const _strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A group's bytes as the text the library takes: refused if they are not
 * UTF-8, which a lenient decoding would send as other bytes (U+FFFD).
 */
function _group(bytes: Uint8Array, where: string): string {
  try {
    return _strictDecoder.decode(bytes);
  } catch {
    throw new CliError(`${where}: a group is UTF-8 text`);
  }
}

/**
 * A message per line, its frames separated by tabs, as bytes, unescaped:
 * anything but a tab, a newline, or a carriage return ending the line
 * (read as a CRLF line end) passes through unchanged (UTF-8 text, usually).
 * A routing id (decimal) or a group leads, as a field of its own.
 */
const text: Format = {
  name: "text",
  write: (message) =>
    _line(message, (frame) => frame, (group) => _encoder.encode(group)),
  read: (input, leading) =>
    _readFields(
      input,
      leading,
      (field) => field,
      (field, where) => _group(field, where),
    ),
};

/**
 * As `text`, each frame (and a group) in hexadecimal: for binary frames. A
 * routing id stays decimal.
 */
const hex: Format = {
  name: "hex",
  write: (message) =>
    _line(
      message,
      (frame) => _encoder.encode(toHex(frame)),
      (group) => _encoder.encode(toHex(_encoder.encode(group))),
    ),
  read: (input, leading) =>
    _readFields(
      input,
      leading,
      (field, where) => fromHex(_decoder.decode(field), where),
      (field, where) => _group(fromHex(_decoder.decode(field), where), where),
    ),
};

/**
 * The frames end to end, nothing else: stdin whole is one message of one
 * frame, and received messages are written as they are (`-n 1 > file`).
 */
const raw: Format = {
  name: "raw",
  write: (message) => concatBytes(message.frames),
  async *read(input, leading) {
    if (leading) {
      throw new CliError(
        `raw input has no ${
          leading === "routingId" ? "routing id" : "group"
        } to send to; use --format text, hex, jsonl or msgpack${
          leading === "group" ? ", or --group" : ""
        }`,
      );
    }
    const message: CliMessage = { frames: [await readAll(input)] };
    whereFrom.set(message, "stdin");
    yield message;
  },
};

/** Every format, by name. */
export const FORMATS: ReadonlyMap<FormatName, Format> = new Map(
  [text, jsonl, msgpack, hex, raw].map((format) => [format.name, format]),
);

/**
 * The format named by `--format`.
 *
 * @example
 * ```ts
 * import { formatNamed } from "./_formats.ts";
 *
 * const line = formatNamed("text").write({ frames: [new TextEncoder().encode("hi")] });
 * console.log(new TextDecoder().decode(line)); // "hi\n"
 * ```
 *
 * @param name The name given.
 * @returns The format.
 * @throws {CliError} For a name no format has.
 */
export function formatNamed(name: string): Format {
  const format = FORMATS.get(name as FormatName);
  if (!format) {
    throw new CliError(
      `there is no format "${name}"; use ${[...FORMATS.keys()].join(", ")}`,
    );
  }
  return format;
}

/** One line: the leading field if any, the frames, tabs between. */
function _line(
  message: CliMessage,
  frame: (frame: Uint8Array) => Uint8Array,
  group: (group: string) => Uint8Array,
): Uint8Array {
  const fields = message.frames.map(frame);
  if (message.routingId !== undefined) {
    fields.unshift(_encoder.encode(String(message.routingId)));
  } else if (message.group !== undefined) {
    fields.unshift(group(message.group));
  }
  let length = Math.max(fields.length, 1); // tabs between, a newline after
  for (const field of fields) length += field.length;
  const line = new Uint8Array(length);
  let at = 0;
  fields.forEach((field, i) => {
    if (i > 0) line[at++] = _TAB;
    line.set(field, at);
    at += field.length;
  });
  line[at] = _NEWLINE;
  return line;
}

/** The messages of a line format: fields split at tabs. */
async function* _readFields(
  input: ReadableStream<Uint8Array>,
  leading: LeadingField | undefined,
  frame: (field: Uint8Array, where: string) => Uint8Array,
  group: (field: Uint8Array, where: string) => string,
): AsyncGenerator<CliMessage, void, undefined> {
  let number = 0;
  for await (const line of readLines(input)) {
    const where = `stdin line ${++number}`;
    const fields = _split(line);
    const message: CliMessage = { frames: [] };
    if (leading === "routingId") {
      message.routingId = parseRoutingId(
        _decoder.decode(fields.shift()),
        where,
      );
    } else if (leading === "group") {
      message.group = group(fields.shift()!, where);
    }
    if (fields.length === 0) fields.push(new Uint8Array(0));
    message.frames = fields.map((field) => frame(field, where));
    whereFrom.set(message, where);
    yield message;
  }
}

function _split(line: Uint8Array): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let start = 0;
  let tab: number;
  while ((tab = line.indexOf(_TAB, start)) >= 0) {
    fields.push(line.subarray(start, tab));
    start = tab + 1;
  }
  fields.push(line.subarray(start));
  return fields;
}
