/**
 * The structured formats: `jsonl` (a JSON object per line) and `msgpack`
 * (a MessagePack map per message, back to back), both lossless, for
 * programs at the other end of the pipe.
 *
 * @module
 */

// msgpackr's pure-JavaScript entry: what browsers load, and in Deno it
// needs no permission (the package's default entry reads the environment
// and loads a native addon).
import { Packr } from "msgpackr/pack";
import { CliError } from "./_errors.ts";
import {
  type CliMessage,
  type Format,
  fromHex,
  whereFrom,
} from "./_message.ts";
import { concatBytes, readLines } from "./_stdin.ts";

const _encoder = new TextEncoder();
// ignoreBOM: a frame's leading U+FEFF is its own, kept (TextDecoder strips it).
const _strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const _strictLine = new TextDecoder("utf-8", { fatal: true });
const _packr = new Packr({ useRecords: false, mapsAsObjects: true });
/** What msgpackr decodes 0xc1, a byte MessagePack never uses, to. */
const _NEVER_USED: unknown = _packr.unpack(Uint8Array.of(0xc1));
const _NEVER_USED_BYTE = "0xc1, a byte MessagePack never uses";

/** A frame in JSON: its text, or its bytes in base64 when not UTF-8. */
type JsonFrame = string | { base64: string };

/**
 * A JSON object per line: `{"frames":["hello","world"]}`, with
 * `"routingId":5` (SERVER, PEER) or `"group":"weather"` (RADIO, DISH)
 * before the frames. A frame that is not UTF-8 is `{"base64":"…"}`. Input
 * lines take the same shape, or an array of frames, or a string (one
 * frame); a frame may also be `{"hex":"…"}`.
 */
export const jsonl: Format = {
  name: "jsonl",
  write(message) {
    const object: Record<string, unknown> = {};
    if (message.routingId !== undefined) object.routingId = message.routingId;
    if (message.group !== undefined) object.group = message.group;
    object.frames = message.frames.map(_jsonFrame);
    return _encoder.encode(JSON.stringify(object) + "\n");
  },
  async *read(input) {
    let number = 0;
    for await (const line of readLines(input)) {
      const where = `stdin line ${++number}`;
      // Not UTF-8 is no JSON: a lenient decoding would send other bytes.
      let text: string;
      try {
        text = _strictLine.decode(line);
      } catch {
        throw new CliError(`${where}: not JSON: not UTF-8`);
      }
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new CliError(`${where}: not JSON: ${(error as Error).message}`);
      }
      const message = toCliMessage(value, where);
      whereFrom.set(message, where);
      yield message;
    }
  },
};

/**
 * A MessagePack map per message, back to back with nothing between:
 * `{frames: [bin…]}` with `routingId` or `group` as in `jsonl`. Input takes
 * the same, frames as bin or str, or an array of frames, or a bin or str.
 */
export const msgpack: Format = {
  name: "msgpack",
  write(message) {
    const object: Record<string, unknown> = {};
    if (message.routingId !== undefined) object.routingId = message.routingId;
    if (message.group !== undefined) object.group = message.group;
    object.frames = message.frames;
    return _packr.pack(object);
  },
  async *read(input) {
    let number = 0;
    for await (const value of unpackStream(input)) {
      const where = `stdin message ${++number}`;
      const message = toCliMessage(value, where);
      whereFrom.set(message, where);
      yield message;
    }
  },
};

/**
 * The MessagePack values of a byte stream, one after the other, whatever
 * the chunks: a value cut between two chunks waits for the rest.
 *
 * @example
 * ```ts
 * import { Packr } from "msgpackr/pack";
 * import { unpackStream } from "./_structured.ts";
 *
 * const bytes = new Packr({ useRecords: false }).pack({ a: 1 });
 * const input = ReadableStream.from([bytes.subarray(0, 2), bytes.subarray(2)]);
 * for await (const value of unpackStream(input)) console.log(value); // { a: 1 }
 * ```
 *
 * @param input The stream.
 * @returns The values.
 * @throws {CliError} For bytes that are not MessagePack, or a stream that
 * ends inside a value.
 */
export async function* unpackStream(
  input: ReadableStream<Uint8Array>,
): AsyncGenerator<unknown, void, undefined> {
  // The bytes not decoded yet, and how many must be there before a value
  // can be whole: a value's header says how long it is, so a 40 MB frame
  // in 64 KiB chunks is decoded once, not once per chunk (quadratic).
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let needed = 0;
  let count = 0;
  for await (const chunk of input) {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < needed) continue;
    const data = held.length === 1 ? held[0] : concatBytes(held);
    const values: unknown[] = [];
    let used = 0;
    needed = 0;
    try {
      _packr.unpackMultiple(data, (value: unknown, _start, end) => {
        if (value === _NEVER_USED) {
          throw new Error(_NEVER_USED_BYTE);
        }
        values.push(value);
        used = end ?? data.length;
      });
    } catch (error) {
      const { incomplete, missingBytes } = error as {
        incomplete?: boolean | undefined;
        missingBytes?: number | undefined;
      };
      if (!incomplete) {
        // The messages before it go, as the lines before a bad line do.
        yield* values;
        throw new CliError(
          `stdin message ${count + values.length + 1} is not MessagePack: ${
            (error as Error).message
          }`,
        );
      }
      needed = data.length - used + (missingBytes ?? 1);
    }
    count += values.length;
    yield* values;
    held = used < data.length ? [data.slice(used)] : [];
    heldBytes = data.length - used;
  }
  if (heldBytes > 0) {
    throw new CliError(
      `stdin ends inside a MessagePack value (${heldBytes} bytes left)`,
    );
  }
}

/**
 * A decoded JSON or MessagePack value as a message: `{frames, routingId?,
 * group?}`, an array of frames, or one frame; a frame is a string, bytes,
 * `{base64}` or `{hex}`.
 *
 * @example
 * ```ts
 * import { toCliMessage } from "./_structured.ts";
 *
 * const message = toCliMessage({ routingId: 7, frames: ["hi"] }, "stdin line 1");
 * console.log(message.routingId, message.frames.length); // 7 1
 * ```
 *
 * @param value The value.
 * @param where Where it came from, for the messages.
 * @returns The message.
 * @throws {CliError} For any other shape.
 */
export function toCliMessage(value: unknown, where: string): CliMessage {
  if (typeof value === "string" || value instanceof Uint8Array) {
    return { frames: [_frame(value, where)] };
  }
  if (Array.isArray(value)) return { frames: _frames(value, where) };
  if (typeof value !== "object" || value === null) {
    throw new CliError(
      `${where}: a message is {"frames": [...]}, an array of frames or a string, not ${
        JSON.stringify(value)
      }`,
    );
  }
  const { frames, routingId, group, ...rest } = value as Record<
    string,
    unknown
  >;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new CliError(
      `${where}: a message has "frames", "routingId" and "group", not "${
        unknown[0]
      }"`,
    );
  }
  if (!Array.isArray(frames)) {
    throw new CliError(`${where}: "frames" is an array of frames`);
  }
  const message: CliMessage = { frames: _frames(frames, where) };
  if (routingId !== undefined) {
    if (
      typeof routingId !== "number" || !Number.isInteger(routingId) ||
      routingId < 1 || routingId > 0xffffffff
    ) {
      throw new CliError(
        `${where}: "routingId" is an integer from 1 to 4294967295`,
      );
    }
    message.routingId = routingId;
  }
  if (group !== undefined) {
    if (typeof group !== "string") {
      throw new CliError(`${where}: "group" is a string`);
    }
    message.group = _wellFormed(group, where);
  }
  return message;
}

function _frames(values: unknown[], where: string): Uint8Array[] {
  if (values.length === 0) {
    throw new CliError(`${where}: a message has at least one frame`);
  }
  return values.map((value) => _frame(value, where));
}

/**
 * A string that UTF-8 can hold: one with a lone surrogate (`"\udcff"` in
 * JSON) would be sent as other bytes (U+FFFD), so it is refused.
 */
function _wellFormed(text: string, where: string): string {
  if (text.isWellFormed()) return text;
  throw new CliError(
    `${where}: a string with a lone surrogate is no UTF-8 text (give such bytes as bytes: {"hex": "..."} in JSON, bin in MessagePack)`,
  );
}

function _frame(value: unknown, where: string): Uint8Array {
  if (typeof value === "string") {
    return _encoder.encode(_wellFormed(value, where));
  }
  if (value instanceof Uint8Array) return value;
  if (value === _NEVER_USED) {
    throw new CliError(`${where} is not MessagePack: ${_NEVER_USED_BYTE}`);
  }
  if (typeof value === "object" && value !== null) {
    const { base64, hex } = value as { base64?: unknown; hex?: unknown };
    if (typeof base64 === "string") return _fromBase64(base64, where);
    if (typeof hex === "string") return fromHex(hex, where);
  }
  throw new CliError(
    `${where}: a frame is a string, {"base64": "..."} or {"hex": "..."}, not ${
      JSON.stringify(value)
    }`,
  );
}

function _jsonFrame(frame: Uint8Array): JsonFrame {
  try {
    return _strict.decode(frame);
  } catch {
    return { base64: _toBase64(frame) };
  }
}

function _toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function _fromBase64(text: string, where: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new CliError(`${where}: "${text.slice(0, 40)}" is not base64`);
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
