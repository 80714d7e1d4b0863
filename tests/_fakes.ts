/** Stand-ins for the unit tests of the layers: links, text frames, deadlines. */
import { assert } from "@std/assert";
import type { ConnectionEvent } from "../codec/connection.ts";
import { macrotask } from "../transport/_macrotask.ts";
import type {
  Link,
  LinkEnd,
  MessageWriter,
  Session,
} from "../transport/transport.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Frames from strings. */
export const text = (...values: string[]): Uint8Array[] =>
  values.map((value) => encoder.encode(value));

/** Strings from frames. */
export const texts = (frames: Uint8Array[]): string[] =>
  frames.map((frame) => decoder.decode(frame));

/** A link that only counts the calls a strategy makes on it. */
export class CountingLink implements Link {
  readonly remoteAddress = "";
  readonly done: Promise<LinkEnd> = Promise.resolve({});
  readonly closed = false;
  wakes = 0;
  resumes = 0;
  start(): void {}
  wake(): void {
    this.wakes++;
  }
  resume(): void {
    this.resumes++;
  }
  whenFlushed(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/** Settles with `promise`, or fails naming what did not happen in time. */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  ms = 2000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks how a link batches, counting what it does with `sends()` (its
 * writes, flushes or deliveries). In a turn of its own, a lone message
 * must be out (`out()`, by default one more send) within microtasks, before
 * the turn ends. Then come 100 messages `m0`… a microtask apart, waking the
 * link for each, as a loop of `await socket.send()` that settle at once
 * does.
 *
 * @returns How many sends the 100 took, once `arrived` settles.
 */
export async function loneThenBurst(
  session: FakeSession,
  link: { wake(): void },
  options: {
    sends: () => number;
    arrived: () => Promise<void>;
    out?: (() => boolean) | undefined;
  },
): Promise<number> {
  const { sends, arrived } = options;
  const before = sends();
  const out = options.out ?? (() => sends() > before);
  // A later turn: the link may have written in this one (the handshake).
  await new Promise<void>((resolve) => macrotask(resolve));
  let turnEnded = false;
  macrotask(() => turnEnded = true);
  session.outgoing.push(text("request"));
  link.wake();
  // Microtasks only: what waits for a macrotask cannot come.
  for (let i = 0; i < 100 && !out(); i++) await Promise.resolve();
  assert(out(), "the lone message was not out within microtasks");
  assert(!turnEnded, "the lone message waited for the turn to end");

  const afterLone = sends();
  for (let i = 0; i < 100; i++) {
    session.outgoing.push(text(`m${i}`));
    link.wake();
    await Promise.resolve();
  }
  await arrived();
  return sends() - afterLone;
}

/**
 * Runs `turns` turns of a loop the way a program driving itself with
 * MessagePort messages does (bench/_pub_fanout.ts): `each` runs, then the
 * loop waits for its own message. Deno runs `setImmediate` callbacks about
 * once per hundred such turns, so a link waiting for one falls behind.
 */
export async function messagePortTurns(
  turns: number,
  each: (turn: number) => void,
): Promise<void> {
  const channel = new MessageChannel();
  try {
    for (let turn = 0; turn < turns; turn++) {
      each(turn);
      await new Promise((resolve) => {
        channel.port1.onmessage = resolve;
        channel.port2.postMessage(0);
      });
    }
  } finally {
    channel.port1.close();
    channel.port2.close();
  }
}

/** The socket's side, faked: records events, sends what the test queues. */
export class FakeSession implements Session {
  readonly events: ConnectionEvent[] = [];
  readonly outgoing: Uint8Array[][] = [];
  acceptMessages = true;
  fills = 0;
  fillsBeforeReady: number | undefined;
  /** What the link said of its end (`Session.ended`), and when. */
  readonly ends: LinkEnd[] = [];
  #waiters = new Set<() => void>();

  ended(end: LinkEnd): void {
    this.ends.push(end);
    for (const waiter of this.#waiters) waiter();
  }

  handle(event: ConnectionEvent): boolean {
    if (event.type === "ready") this.fillsBeforeReady = this.fills;
    this.events.push(event);
    for (const waiter of this.#waiters) waiter();
    return event.type !== "message" || this.acceptMessages;
  }

  fill(writer: MessageWriter, batchBytes: number): void {
    this.fills++;
    while (this.outgoing.length > 0 && writer.pendingOutputBytes < batchBytes) {
      writer.sendMessage(this.outgoing.shift()!);
    }
  }

  /** The messages received so far, as strings. */
  messages(): string[][] {
    return this.events.flatMap((event) =>
      event.type === "message" ? [texts(event.frames)] : []
    );
  }

  /** The events of one type so far. */
  of<T extends ConnectionEvent["type"]>(
    type: T,
  ): Extract<ConnectionEvent, { type: T }>[] {
    return this.events.filter((event) => event.type === type) as Extract<
      ConnectionEvent,
      { type: T }
    >[];
  }

  /** Settles once `check` holds after some event, or fails in time. */
  until(check: () => boolean, what: string): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        if (check()) return resolve();
        const waiter = () => {
          if (!check()) return;
          this.#waiters.delete(waiter);
          resolve();
        };
        this.#waiters.add(waiter);
      }),
      what,
    );
  }
}

/** A codec connection the test drives over the other end of the stream. */
