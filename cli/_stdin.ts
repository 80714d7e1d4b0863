/**
 * Reading stdin as the formats need it: line by line, or whole.
 *
 * @module
 */

const _NEWLINE = 0x0a;
const _CARRIAGE_RETURN = 0x0d;

/**
 * The lines of a byte stream, without their `\n` (nor a `\r` before it); a
 * last line without `\n` counts. Lines are views into the chunks read, so a
 * line costs no copy unless it spans chunks.
 *
 * @example
 * ```ts
 * import { readLines } from "./_stdin.ts";
 *
 * const input = ReadableStream.from([new TextEncoder().encode("a\r\nb\nc")]);
 * for await (const line of readLines(input)) {
 *   console.log(new TextDecoder().decode(line)); // "a", then "b", then "c"
 * }
 * ```
 *
 * @param input The stream, such as `Deno.stdin.readable`.
 * @returns The lines, as they arrive.
 */
export async function* readLines(
  input: ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  // The start of a line that a chunk did not finish.
  let pending: Uint8Array[] = [];
  for await (const chunk of input) {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(_NEWLINE, start)) >= 0) {
      const end = chunk.subarray(start, newline);
      const line = pending.length > 0 ? concatBytes([...pending, end]) : end;
      pending = [];
      yield _withoutCarriageReturn(line);
      start = newline + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield _withoutCarriageReturn(concatBytes(pending));
}

/**
 * All of a byte stream, as one array.
 *
 * @example
 * ```ts
 * import { readAll } from "./_stdin.ts";
 *
 * const input = ReadableStream.from([new Uint8Array([1]), new Uint8Array([2, 3])]);
 * console.log(await readAll(input)); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 *
 * @param input The stream.
 * @returns Its bytes.
 */
export async function readAll(
  input: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of input) chunks.push(chunk);
  return concatBytes(chunks);
}

/**
 * Byte arrays end to end, in one new array (the one array itself when
 * there is just one).
 *
 * @example
 * ```ts
 * import { concatBytes } from "./_stdin.ts";
 *
 * console.log(concatBytes([new Uint8Array([1]), new Uint8Array([2])])); // Uint8Array(2) [ 1, 2 ]
 * ```
 *
 * @param parts The arrays.
 * @returns Their bytes.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let length = 0;
  for (const part of parts) length += part.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

function _withoutCarriageReturn(line: Uint8Array): Uint8Array {
  return line.at(-1) === _CARRIAGE_RETURN ? line.subarray(0, -1) : line;
}
