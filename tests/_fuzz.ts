/**
 * A seeded fuzzer for the sans-I/O codec: a client and a server
 * {@linkcode codec.Connection} (NULL, PLAIN or CURVE) talk through a wire
 * that splits their bytes at random points and, in one direction, mutates
 * them (flipped bits, dropped, repeated or inserted bytes, garbage, huge
 * declared sizes); or a fresh connection is fed random bytes. Whatever
 * comes, the codec must not throw, must end a failed connection with a
 * typed error event and ignore input after it, must never allocate a
 * buffer over 4 MiB for a size it was only told of, and must deliver
 * exactly what was sent when nothing was mutated.
 *
 * Used by tests/fuzz_test.ts (bounded) and `deno task fuzz` (large, seeded),
 * with the same over WebSocket (tests/_fuzz_ws.ts).
 */
import { codec } from "../mod.ts";
import { CLIENT, SERVER } from "./_keys.ts";

/** A small, fast, seedable PRNG (mulberry32), so a failing case replays. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A security mechanism the fuzzer runs. */
export type Mechanism = "NULL" | "PLAIN" | "CURVE";
/** The mechanisms, to pick from. */
export const MECHANISMS: Mechanism[] = ["NULL", "PLAIN", "CURVE"];
const MAX_DIRECT = 4 * 1024 * 1024;

/** What the fuzzer drives: a ZMTP connection, or one over WebSocket. */
export type FuzzedCodec = Pick<
  codec.Connection,
  | "state"
  | "receive"
  | "tick"
  | "authenticated"
  | "directReadTarget"
  | "takeOutput"
>;

/** What one case did, for the report. */
export interface CaseResult {
  /** Why the case failed, or undefined. */
  failure?: string | undefined;
  /** Whether some connection ended with an error event. */
  errored: boolean;
}

/**
 * The options of the fuzzed client (a DEALER) and server (a ROUTER) for a
 * mechanism, whatever carries them.
 */
export function pairOptions(
  mechanism: Mechanism,
  maxMessageSize: number,
): { client: codec.ConnectionOptions; server: codec.ConnectionOptions } {
  return {
    client: {
      socketType: "DEALER",
      routingId: new TextEncoder().encode("fuzz"),
      maxMessageSize,
      mechanism: mechanism === "PLAIN"
        ? (m) => new codec.PlainClientMechanism(m, "admin", "secret")
        : mechanism === "CURVE"
        ? (m) =>
          new codec.CurveClientMechanism(m, {
            serverKey: SERVER.publicKey,
            ...CLIENT,
          })
        : undefined,
    },
    server: {
      socketType: "ROUTER",
      maxMessageSize,
      mechanism: mechanism === "PLAIN"
        ? (m) => new codec.PlainServerMechanism(m)
        : mechanism === "CURVE"
        ? (m) => new codec.CurveServerMechanism(m, SERVER)
        : undefined,
    },
  };
}

function pair(mechanism: Mechanism, maxMessageSize: number) {
  const options = pairOptions(mechanism, maxMessageSize);
  return {
    client: new codec.Connection(options.client),
    server: new codec.Connection(options.server),
  };
}

/** A side of the conversation, and the checks every event must pass. */
export class Side {
  failed = false;
  allowAll = false;
  received: string[] = [];
  constructor(
    readonly name: string,
    readonly connection: FuzzedCodec,
    readonly next: () => number,
  ) {}

  /** Feeds bytes; returns a failure description, if any. */
  feed(chunk: Uint8Array, now: number): string | undefined {
    let events: codec.ConnectionEvent[];
    try {
      events = this.connection.receive(chunk, now);
    } catch (error) {
      return `${this.name}: receive threw ${error}`;
    }
    return this.#check(events);
  }

  /** Tells the time; returns a failure description, if any. */
  tick(now: number): string | undefined {
    let events: codec.ConnectionEvent[];
    try {
      events = this.connection.tick(now);
    } catch (error) {
      return `${this.name}: tick threw ${error}`;
    }
    return this.#check(events);
  }

  #check(events: codec.ConnectionEvent[]): string | undefined {
    for (const event of events) {
      if (this.failed) return `${this.name}: an event after the error`;
      switch (event.type) {
        case "error":
          if (!(event.error instanceof codec.ProtocolError)) {
            return `${this.name}: an untyped error ${event.error}`;
          }
          if (this.connection.state !== "failed") {
            return `${this.name}: an error left the state ${this.connection.state}`;
          }
          this.failed = true;
          break;
        case "authenticate": {
          const statusCode = this.allowAll || this.next() < 0.9 ? 200 : 400;
          let more: codec.ConnectionEvent[];
          try {
            more = this.connection.authenticated({
              statusCode,
              statusText: "",
              userId: "",
            });
          } catch (error) {
            return `${this.name}: authenticated threw ${error}`;
          }
          const failure = this.#check(more);
          if (failure) return failure;
          break;
        }
        case "message":
          this.received.push(
            describeMessage(event.frames),
          );
          break;
      }
    }
    // Where the pump would read a large body: never sized over 4 MiB.
    try {
      const target = this.connection.directReadTarget();
      if (target && target.length > MAX_DIRECT) {
        return `${this.name}: a ${target.length}-byte read target`;
      }
    } catch (error) {
      return `${this.name}: directReadTarget threw ${error}`;
    }
    return undefined;
  }
}

/** Random bytes. */
export function randomBytes(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** One way of damaging a chunk. */
export function mutate(chunk: Uint8Array, next: () => number): Uint8Array {
  const at = Math.floor(next() * chunk.length);
  const out = Array.from(chunk);
  switch (Math.floor(next() * 7)) {
    case 0: // flip a bit
      out[at] ^= 1 << Math.floor(next() * 8);
      break;
    case 1: // drop bytes
      out.splice(at, 1 + Math.floor(next() * 8));
      break;
    case 2: // repeat bytes
      out.splice(at, 0, ...out.slice(at, at + 1 + Math.floor(next() * 16)));
      break;
    case 3: // insert garbage
      out.splice(at, 0, ...randomBytes(next, 1 + Math.floor(next() * 32)));
      break;
    case 4: // a huge declared size: a long frame header
      out.splice(at, 0, 0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
      break;
    case 5: // a long header declaring 3 GiB
      out.splice(at, 0, 0x02, 0, 0, 0, 0, 0xc0, 0, 0, 0);
      break;
    default: // truncate
      out.length = at;
  }
  return new Uint8Array(out);
}

/** All the output, as the pump takes it: batch after batch. */
export function drain(connection: FuzzedCodec): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (
    let batch = connection.takeOutput();
    batch.length > 0;
    batch = connection.takeOutput()
  ) {
    chunks.push(...batch);
  }
  return chunks;
}

/** Splits a chunk at random points. */
export function split(chunk: Uint8Array, next: () => number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < chunk.length) {
    const size = next() < 0.3
      ? 1
      : 1 + Math.floor(next() * (chunk.length - offset));
    parts.push(chunk.slice(offset, offset + size));
    offset += size;
  }
  return parts;
}

/** Bytes that differ along the frame, so that damage anywhere shows. */
function patterned(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

/** What the conversations send: multipart, empty, long frames. */
export const MESSAGES: Uint8Array[][] = [
  [new Uint8Array([1, 2, 3])],
  [new Uint8Array(), patterned(300, 7)],
  [patterned(40_000, 9)],
  [new Uint8Array([0]), new Uint8Array([1]), new Uint8Array()],
];

/** A message as the controls compare it: each frame's length and bytes' hash. */
export function describeMessage(frames: readonly Uint8Array[]): string {
  return frames.map((frame) => {
    // FNV-1a over every byte.
    let hash = 0x811c9dc5;
    for (let i = 0; i < frame.length; i++) {
      hash = Math.imul(hash ^ frame[i], 0x01000193);
    }
    return `${frame.length}:${(hash >>> 0).toString(16)}`;
  }).join("|");
}

/**
 * Runs one case of the conversation fuzz.
 *
 * @param seed The case's seed.
 */
export function conversationCase(seed: number): CaseResult {
  const next = random(seed);
  const mechanism = MECHANISMS[Math.floor(next() * MECHANISMS.length)];
  const maxMessageSize = next() < 0.3 ? 1 + Math.floor(next() * 50_000) : -1;
  const ends = pair(mechanism, maxMessageSize);
  return converse(next, { ...ends, name: "" }, maxMessageSize, {
    send(source, message, round) {
      const roll = next();
      if (roll < 0.7) {
        source.sendMessage(message);
        return message;
      }
      if (roll < 0.85) {
        source.sendCommand(codec.encodePing(0, new Uint8Array([round])));
      } else {
        source.sendSubscribe(message[0]);
      }
      return undefined;
    },
    carry: (chunk, damage) => split(damage ? mutate(chunk, next) : chunk, next),
  });
}

/** How one kind of conversation sends, and how its wire carries. */
export interface Carrier<C> {
  /**
   * Has a ready end send something made of `message`.
   *
   * @returns What the other end receives as a message, if it does.
   */
  send(source: C, message: Uint8Array[], round: number): Uint8Array[] | void;
  /** What the wire hands over of a chunk of output, damaged or not. */
  carry(chunk: Uint8Array, damage: boolean): Uint8Array[];
}

/**
 * Twelve rounds of a client and a server sending to each other, one
 * direction damaged (or none, the control); see {@linkcode controlResult}.
 */
export function converse<C extends FuzzedCodec>(
  next: () => number,
  ends: { client: C; server: C; name: string },
  maxMessageSize: number,
  carrier: Carrier<C>,
): CaseResult {
  const sides = {
    client: new Side(`${ends.name}client`, ends.client, next),
    server: new Side(`${ends.name}server`, ends.server, next),
  };
  // Mutate one direction (or none, as the control), with this probability per chunk.
  const victim = next() < 0.15 ? "none" : next() < 0.5 ? "client" : "server";
  const rate = next() * 0.5;
  sides.server.allowAll = victim === "none";
  const sent = { client: [] as string[], server: [] as string[] };
  for (let round = 0; round < 12; round++) {
    for (
      const [from, to] of [["client", "server"], ["server", "client"]] as const
    ) {
      const source = ends[from];
      if (source.state === "ready" && next() < 0.7) {
        const message = MESSAGES[Math.floor(next() * MESSAGES.length)];
        const expected = carrier.send(source, message, round);
        if (expected && maxMessageSize < 0) {
          sent[to].push(describeMessage(expected));
        }
      }
      if (next() < 0.2) {
        const failure = sides[from].tick(round * 1000);
        if (failure) return { failure, errored: true };
      }
      for (const chunk of drain(source)) {
        const damage = to === victim && next() < rate;
        for (const part of carrier.carry(chunk, damage)) {
          const failure = sides[to].feed(part, round * 1000);
          if (failure) return { failure, errored: true };
        }
      }
    }
  }
  return controlResult(sides, sent, victim === "none" && maxMessageSize < 0);
}

/**
 * How a conversation ended; for the control (nothing damaged, no size
 * limit), a failure unless everything arrived, in order.
 */
export function controlResult(
  sides: Record<"client" | "server", Side>,
  sent: Record<"client" | "server", string[]>,
  control: boolean,
): CaseResult {
  const errored = sides.client.failed || sides.server.failed;
  if (!control) return { errored };
  for (const to of ["client", "server"] as const) {
    const name = sides[to].name;
    if (sides[to].failed) {
      return { failure: `${name} failed on clean input`, errored };
    }
    if (sent[to].join() !== sides[to].received.join()) {
      return { failure: `${name} received other than was sent`, errored };
    }
  }
  return { errored };
}

/**
 * Runs one case of garbage into a fresh connection: random bytes, or a
 * valid greeting and then random bytes.
 *
 * @param seed The case's seed.
 */
export function garbageCase(seed: number): CaseResult {
  const next = random(seed);
  const mechanism = MECHANISMS[Math.floor(next() * MECHANISMS.length)];
  const { client, server } = pair(mechanism, next() < 0.5 ? 1000 : -1);
  const side = next() < 0.5
    ? new Side("server", server, next)
    : new Side("client", client, next);
  const peerGreeting = codec.encodeGreeting({
    mechanism,
    asServer: side.name === "client" && mechanism !== "NULL",
  });
  const stream = next() < 0.5
    ? randomBytes(next, Math.floor(next() * 2000))
    : new Uint8Array([
      ...peerGreeting,
      ...randomBytes(next, Math.floor(next() * 2000)),
    ]);
  for (const part of split(stream, next)) {
    const failure = side.feed(part, 0);
    if (failure) return { failure, errored: true };
  }
  return { errored: side.failed };
}

/** A kind of case: its name, and how to run one from a seed. */
export type FuzzKind = readonly [string, (seed: number) => CaseResult];

/** The cases of ZMTP over a byte stream. */
export const ZMTP_KINDS: FuzzKind[] = [
  ["conversation", conversationCase],
  ["garbage", garbageCase],
];

/**
 * Runs `cases` cases of each kind from a seed; returns the failures, each
 * with the seed that replays it.
 */
export function fuzz(
  seed: number,
  cases: number,
  kinds: readonly FuzzKind[] = ZMTP_KINDS,
): { failures: string[]; errored: number; total: number } {
  const failures: string[] = [];
  let errored = 0;
  for (let i = 0; i < cases; i++) {
    for (const [name, run] of kinds) {
      const caseSeed = (seed + i * 7919) >>> 0;
      const result = run(caseSeed);
      if (result.errored) errored++;
      if (result.failure) {
        failures.push(`${name} case seed ${caseSeed}: ${result.failure}`);
      }
    }
  }
  return { failures, errored, total: cases * kinds.length };
}
