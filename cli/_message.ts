/**
 * What the formats share: a message as the command line sees it, what a
 * format is, and the reading of hexadecimal and routing ids.
 *
 * @module
 */

import { CliError } from "./_errors.ts";

/**
 * A message as the command line sees it: its frames, and what the socket
 * type adds (a SERVER's or PEER's `routingId`, a RADIO's or DISH's `group`).
 */
export interface CliMessage {
  /** The frames. */
  frames: Uint8Array[];
  /** The peer's routing id (SERVER, PEER). */
  routingId?: number | undefined;
  /** The group (RADIO, DISH). */
  group?: string | undefined;
}

/**
 * Where in stdin each message read came from (`stdin line 3`), for an
 * error about it later: beside the message, not in it.
 */
export const whereFrom: WeakMap<CliMessage, string> = new WeakMap();

/** What an input message must say besides its frames. */
export type LeadingField = "routingId" | "group";

/** The names of the formats. */
export type FormatName = "text" | "jsonl" | "msgpack" | "hex" | "raw";

/** One way to read and write messages. */
export interface Format {
  /** The format's name, as given to `--format`. */
  readonly name: FormatName;
  /**
   * The bytes that show a message on stdout.
   *
   * @param message The message received.
   */
  write(message: CliMessage): Uint8Array;
  /**
   * The messages of stdin.
   *
   * @param input The stream.
   * @param leading What each message must carry before its frames (a
   * SERVER's routing id, a RADIO's group), if anything.
   */
  read(
    input: ReadableStream<Uint8Array>,
    leading: LeadingField | undefined,
  ): AsyncIterable<CliMessage>;
}

/**
 * Bytes as lowercase hexadecimal.
 *
 * @example
 * ```ts
 * import { toHex } from "./_message.ts";
 *
 * console.log(toHex(new Uint8Array([0, 255]))); // "00ff"
 * ```
 *
 * @param bytes The bytes.
 * @returns Two digits per byte.
 */
export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += _HEX_DIGITS[byte];
  return text;
}

/**
 * Hexadecimal (either case) as bytes.
 *
 * @example
 * ```ts
 * import { fromHex } from "./_message.ts";
 *
 * console.log(fromHex("00FF", "stdin line 1")); // Uint8Array(2) [ 0, 255 ]
 * ```
 *
 * @param text Two digits per byte.
 * @param where Where the text came from, for the message.
 * @returns The bytes.
 * @throws {CliError} For an odd length or a character that is no digit.
 */
export function fromHex(text: string, where: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new CliError(
      `${where}: "${_shortened(text)}" is not hexadecimal (two digits a byte)`,
    );
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/**
 * Reads a routing id as given on the command line or stdin: a decimal
 * integer from 1 to 2³²−1.
 *
 * @example
 * ```ts
 * import { parseRoutingId } from "./_message.ts";
 *
 * console.log(parseRoutingId("42", "stdin line 1")); // 42
 * ```
 *
 * @param text The text.
 * @param where Where it came from, for the message.
 * @returns The routing id.
 * @throws {CliError} For anything else.
 */
export function parseRoutingId(text: string, where: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 0xffffffff) {
    throw new CliError(
      `${where}: "${
        _shortened(text)
      }" is not a routing id (1 to 4294967295); a SERVER's or PEER's message starts with the peer's routing id and a tab`,
    );
  }
  return value;
}

const _HEX_DIGITS = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

function _shortened(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
