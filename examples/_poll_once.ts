/**
 * One turn of the guide's `zmq_poll` loop with a timeout, for the brokers
 * and workers that must also act on a clock (heartbeats) or poll a socket
 * only sometimes (a frontend while no worker is ready).
 *
 * @module
 */
import { type Message, poll, type Socket } from "@zmtp/zmq";

/** Options of {@linkcode pollOnce}. */
export interface PollOnceOptions {
  /** Gives up at once when aborted (Ctrl-C). */
  signal?: AbortSignal | undefined;
  /** Gives up after this many ms; default: waits as long as it takes. */
  timeoutMs?: number | undefined;
}

/**
 * Receives the next message from whichever socket has one first.
 *
 * @example
 * ```ts ignore
 * const next = await pollOnce({ backend }, { timeoutMs: 1000 });
 * if (next === undefined) console.log("a second without a message");
 * ```
 *
 * @returns The socket's name and the message, or `undefined` when the
 * timeout passed or the signal aborted first.
 */
export async function pollOnce<K extends string>(
  sockets: Readonly<Record<K, Socket>>,
  options: PollOnceOptions = {},
): Promise<[K, Message] | undefined> {
  const expired = new AbortController();
  const timer = options.timeoutMs === undefined
    ? undefined
    : setTimeout(() => expired.abort(), Math.max(0, options.timeoutMs));
  const signal = options.signal
    ? AbortSignal.any([options.signal, expired.signal])
    : expired.signal;
  try {
    // poll takes a message only when asked, so leaving after one loses none.
    for await (const entry of poll(sockets, { signal })) return entry;
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
