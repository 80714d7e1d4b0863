/**
 * Receiving from several sockets in one loop: the guide's `zmq_poll`.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Message } from "./message.ts";
import type { Socket } from "./socket.ts";
import { coreOf } from "./_core.ts";
import { onAbort } from "./_on_abort.ts";

/** Options of {@linkcode poll}. */
export interface PollOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * What {@linkcode poll} yields for sockets `S`: a socket's name and a
 * message of its type, a union that narrows on the name (a `Server`'s
 * message has its `routingId`).
 *
 * @typeParam S The sockets, by name.
 */
export type Polled<S> = {
  [K in keyof S & (string | number)]: [
    K extends number ? `${K}` : K,
    S[K] extends Socket<infer M> ? M : Message,
  ];
}[keyof S & (string | number)];

/**
 * Receives from several sockets as their messages arrive, yielding each
 * with the name it was given, taking turns when more than one has messages
 * waiting. It takes a message from a socket only when the loop asks for the
 * next one, so leaving the loop loses nothing: what arrives later stays in
 * its socket. (Merging the sockets' own iterators, with `MuxAsyncIterator`
 * say, keeps a `receive` pending on each, and those take messages that
 * the loop never sees once it stops.)
 *
 * The iteration ends when every socket is closed or the signal is
 * aborted; a closed socket simply drops out.
 *
 * @example Reading tasks and weather updates together (the guide's mspoller)
 * ```ts
 * import { poll, Pull, Push, Subscriber } from "@zmtp/zmq";
 *
 * const receiver = new Pull();
 * await receiver.bind("tcp://127.0.0.1:0");
 * const subscriber = new Subscriber();
 * subscriber.connect("tcp://127.0.0.1:5556"); // no publisher here: quiet
 * subscriber.subscribe("10001 ");
 * const ventilator = new Push();
 * ventilator.connect(receiver.lastEndpoint!);
 * await ventilator.send("task");
 *
 * for await (const [from, message] of poll({ receiver, subscriber }, { signal: AbortSignal.timeout(1000) })) {
 *   console.log(from, message.length); // "receiver" 1
 *   break;
 * }
 * await ventilator.close();
 * await receiver.close();
 * await subscriber.close();
 * ```
 *
 * @typeParam S The sockets, by name.
 * @param sockets The sockets to read, by name.
 * @param options A signal that ends the iteration.
 * @returns The messages, each with the name of its socket.
 */
export async function* poll<S extends Readonly<Record<string, Socket>>>(
  sockets: S,
  options: PollOptions = {},
): AsyncGenerator<Polled<S>, void, undefined> {
  const entries = Object.entries(sockets) as [string, Socket][];
  const signal = options.signal;
  let turn = 0;
  while (!signal?.aborted) {
    const open = entries.filter(([, socket]) => !socket.closed);
    if (open.length === 0) return;
    const ready = _nextReadable(entries, turn);
    if (ready !== undefined) {
      turn = (ready + 1) % entries.length;
      const [name, socket] = entries[ready];
      let message: Message;
      try {
        message = await socket.receive();
      } catch (error) {
        // Closed between `readable` and `receive`: it drops out.
        if (error instanceof ZmqError && error.code === "ETERM") continue;
        throw error;
      }
      // The message is of its socket's type, the name its key.
      yield [name, message] as Polled<S>;
      continue;
    }
    await _anyReadable(open.map(([, socket]) => socket), signal);
  }
}

function _nextReadable(
  entries: [string, Socket][],
  turn: number,
): number | undefined {
  for (let i = 0; i < entries.length; i++) {
    const index = (turn + i) % entries.length;
    if (entries[index][1].readable) return index;
  }
  return undefined;
}

async function _anyReadable(
  sockets: Socket[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const waiting = new AbortController();
  const unlisten = signal && onAbort(signal, () => waiting.abort());
  try {
    await Promise.race(
      sockets.map((socket) => coreOf(socket).whenReadable(waiting.signal)),
    );
  } finally {
    waiting.abort();
    unlisten?.();
  }
}
