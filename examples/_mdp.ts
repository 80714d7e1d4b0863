/**
 * The Majordomo Protocol's wire format (RFC 7, MDP/0.1; the guide's mdp.h),
 * shared by the broker, the client and the worker: the two protocol
 * headers, the worker commands, and the frames each command takes.
 *
 * @module
 */
import type { Message, Socket } from "@zmtp/zmq";

const _encoder = new TextEncoder();
const _decoder = new TextDecoder();

/** Frame 1 of every MDP/Client message: "MDPC01", MDP/Client v0.1. */
export const MDPC_CLIENT: Uint8Array = _encoder.encode("MDPC01");

/** Frame 1 of every MDP/Worker message: "MDPW01", MDP/Worker v0.1. */
export const MDPW_WORKER: Uint8Array = _encoder.encode("MDPW01");

/** The MDP/Worker commands: frame 2, one byte. */
export const Command = {
  READY: 0x01,
  REQUEST: 0x02,
  REPLY: 0x03,
  HEARTBEAT: 0x04,
  DISCONNECT: 0x05,
} as const;

/** One of the {@linkcode Command} bytes. */
export type Command = typeof Command[keyof typeof Command];

const _names = new Map<number, string>(
  Object.entries(Command).map(([name, byte]) => [byte, name]),
);

/**
 * The command's name for log lines ("READY"…), or its byte in hex.
 *
 * @example
 * ```ts
 * import { Command, commandName } from "./_mdp.ts";
 *
 * console.log(commandName(Command.HEARTBEAT)); // "HEARTBEAT"
 * console.log(commandName(9)); // "0x09"
 * ```
 */
export function commandName(command: number): string {
  return _names.get(command) ?? `0x${command.toString(16).padStart(2, "0")}`;
}

/** The empty frame: frame 0 of MDP commands and every envelope delimiter. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * A worker command as its frames, from frame 0 (the empty frame a DEALER
 * must add itself) on: `["", "MDPW01", command, ...rest]`.
 *
 * @example
 * ```ts
 * import { Command, workerCommand } from "./_mdp.ts";
 *
 * const ready = workerCommand(Command.READY, new TextEncoder().encode("echo"));
 * console.log(ready.length); // 4: "", "MDPW01", 0x01, "echo"
 * ```
 */
export function workerCommand(
  command: Command,
  ...rest: Uint8Array[]
): Uint8Array[] {
  return [EMPTY, MDPW_WORKER, Uint8Array.of(command), ...rest];
}

/**
 * Whether two frames hold the same bytes.
 *
 * @example
 * ```ts
 * import { MDPC_CLIENT, sameBytes } from "./_mdp.ts";
 *
 * console.log(sameBytes(new TextEncoder().encode("MDPC01"), MDPC_CLIENT)); // true
 * ```
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * A frame as text: service names are printable strings.
 *
 * @example
 * ```ts
 * import { text } from "./_mdp.ts";
 *
 * console.log(text(Uint8Array.of(0x65, 0x63, 0x68, 0x6f))); // "echo"
 * ```
 */
export function text(frame: Uint8Array): string {
  return _decoder.decode(frame);
}

/**
 * A frame as text for the wire.
 *
 * @example
 * ```ts
 * import { bytes } from "./_mdp.ts";
 *
 * console.log(bytes("echo").length); // 4
 * ```
 */
export function bytes(value: string): Uint8Array {
  return _encoder.encode(value);
}

/**
 * A routing id for log lines, as CZMQ's `zframe_strhex` prints it.
 *
 * @example
 * ```ts
 * import { hex } from "./_mdp.ts";
 *
 * console.log(hex(Uint8Array.of(0, 0x6b, 0x8b, 0x45, 0x67))); // "006B8B4567"
 * ```
 */
export function hex(frame: Uint8Array): string {
  return Array.from(frame, (byte) => byte.toString(16).padStart(2, "0"))
    .join("").toUpperCase();
}

/**
 * A worker command as received (frame 0 already checked and dropped): the
 * command byte and the frames after it.
 */
export interface ReceivedCommand<Frame extends Uint8Array = Uint8Array> {
  /** Frame 2's byte; not necessarily a known one. */
  command: number;
  /** Frames 3 on. */
  rest: Frame[];
}

/**
 * Reads `["", "MDPW01", command, ...rest]`; `undefined` when the frames are
 * not an MDP/Worker command (another header, a missing or longer command
 * frame).
 *
 * @example
 * ```ts
 * import { Command, parseWorkerCommand, workerCommand } from "./_mdp.ts";
 *
 * console.log(parseWorkerCommand(workerCommand(Command.HEARTBEAT))); // { command: 4, rest: [] }
 * console.log(parseWorkerCommand([new Uint8Array(0), new Uint8Array(6)])); // undefined
 * ```
 */
export function parseWorkerCommand<Frame extends Uint8Array>(
  frames: readonly Frame[],
): ReceivedCommand<Frame> | undefined {
  const [empty, header, command, ...rest] = frames;
  if (
    command === undefined || empty.length !== 0 ||
    !sameBytes(header, MDPW_WORKER) || command.length !== 1
  ) return undefined;
  return { command: command[0], rest };
}

/**
 * Splits `[address, "", ...body]`, the client envelope of REQUEST and
 * REPLY: RFC 7 allows precisely one address frame.
 *
 * @example
 * ```ts
 * import { bytes, unwrap } from "./_mdp.ts";
 *
 * const { address, body } = unwrap([bytes("C1"), new Uint8Array(0), bytes("hi")])!;
 * console.log(address, body.length); // Uint8Array [67, 49] 1
 * ```
 */
export function unwrap<Frame extends Uint8Array>(
  frames: readonly Frame[],
): { address: Frame; body: Frame[] } | undefined {
  const [address, empty, ...body] = frames;
  if (empty === undefined || empty.length !== 0) return undefined;
  return { address, body };
}

/**
 * Receives from a socket, waiting no later than `deadline` (a
 * `Date.now()` time): `undefined` if nothing came by then. This is the C
 * examples' `zmq_poll` with a timeout; the wait's timer is cleared at once.
 *
 * @example
 * ```ts
 * import { Pull } from "@zmtp/zmq";
 * import { receiveBefore } from "./_mdp.ts";
 *
 * await using pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:0");
 * console.log(await receiveBefore(pull, Date.now() + 10)); // undefined
 * ```
 */
export async function receiveBefore(
  socket: Socket,
  deadline: number,
  signal?: AbortSignal,
): Promise<Message | undefined> {
  if (socket.readable) return await socket.receive({ signal });
  const wait = deadline - Date.now();
  if (wait <= 0) return undefined;
  const timer = new AbortController();
  const id = setTimeout(() => timer.abort(), wait);
  const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
  try {
    return await socket.receive({ signal: both });
  } catch (error) {
    if (timer.signal.aborted && !signal?.aborted) return undefined;
    throw error;
  } finally {
    clearTimeout(id);
  }
}
