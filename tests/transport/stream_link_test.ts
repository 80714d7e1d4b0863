/**
 * The stream link over an in-memory byte stream, with a scripted ZMTP peer
 * (a plain codec connection driven by the test) on the other end.
 */
import { assert, assertEquals, assertLessOrEqual } from "@std/assert";
import { Connection, type ConnectionEvent } from "../../codec/connection.ts";
import { parseCommand, parseError } from "../../codec/command.ts";
import { FLAG_COMMAND, FrameDecoder } from "../../codec/frame.ts";
import { GREETING_SIZE, parseGreeting } from "../../codec/greeting.ts";
import type { SocketType } from "../../codec/socket_type.ts";
import { StreamLink } from "../../transport/stream_link.ts";
import type { ByteStream, LinkEnd } from "../../transport/transport.ts";
import { expectEvent, until } from "../_helpers.ts";
import {
  FakeSession,
  loneThenBurst,
  messagePortTurns,
  text,
  texts,
  within,
} from "../_fakes.ts";

/**
 * One end of an in-memory duplex: what one end writes, the other reads.
 * `close()` ends this end's pending read with `null` and its pending write
 * with an error; the other end reads what is left, then `null`, as after a
 * TCP FIN.
 */
class MemoryStream implements ByteStream {
  other!: MemoryStream;
  closed = false;
  /** `write` calls made on this end. */
  writes = 0;
  /** While set, writes on this end wait for it. */
  gate: Promise<void> | undefined;
  /** The whole buffer behind each read's target, in order. */
  readonly readBuffers: ArrayBufferLike[] = [];
  #unread: Uint8Array[] = [];
  #otherEnded = false;
  #pending: { buffer: Uint8Array; resolve(n: number | null): void } | undefined;
  #writeWaiters: (() => void)[] = [];
  #markClosed!: () => void;
  #closing = new Promise<void>((resolve) => this.#markClosed = resolve);

  /** Bytes the other end wrote that this end has not read. */
  get unread(): number {
    return this.#unread.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Whether a read is waiting for bytes. */
  get reading(): boolean {
    return this.#pending !== undefined;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.closed) return Promise.resolve(null);
    this.readBuffers.push(buffer.buffer);
    if (this.#unread.length > 0) return Promise.resolve(this.#take(buffer));
    if (this.#otherEnded) return Promise.resolve(null);
    return new Promise((resolve) => this.#pending = { buffer, resolve });
  }

  async write(bytes: Uint8Array): Promise<number> {
    if (this.closed) throw new Error("write on a closed stream");
    this.writes++;
    for (const resolve of this.#writeWaiters.splice(0)) resolve();
    // Closing ends a write in progress, as closing a socket does.
    if (this.gate) await Promise.race([this.gate, this.#closing]);
    if (this.closed) throw new Error("write on a closed stream");
    this.other.#deliver(bytes.slice());
    return bytes.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#markClosed();
    this.#settle(null);
    this.other.#otherEnded = true;
    if (this.other.#unread.length === 0) this.other.#settle(null);
  }

  /** Settles once `write` has been called `count` times in all. */
  writeCalled(count: number): Promise<void> {
    if (this.writes >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () =>
        this.writes >= count ? resolve() : this.#writeWaiters.push(check);
      this.#writeWaiters.push(check);
    });
  }

  #deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    this.#unread.push(bytes);
    if (this.#pending) this.#settle(this.#take(this.#pending.buffer));
  }

  #settle(count: number | null): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(count);
  }

  #take(buffer: Uint8Array): number {
    let count = 0;
    while (this.#unread.length > 0 && count < buffer.length) {
      const chunk = this.#unread[0];
      const take = Math.min(chunk.length, buffer.length - count);
      buffer.set(chunk.subarray(0, take), count);
      count += take;
      if (take === chunk.length) this.#unread.shift();
      else this.#unread[0] = chunk.subarray(take);
    }
    return count;
  }
}

function duplex(): [MemoryStream, MemoryStream] {
  const a = new MemoryStream();
  const b = new MemoryStream();
  a.other = b;
  b.other = a;
  return [a, b];
}

class ScriptedPeer {
  readonly events: ConnectionEvent[] = [];
  ended = false;
  #buffer = new Uint8Array(64 * 1024);

  constructor(readonly stream: MemoryStream, readonly codec: Connection) {}

  /** Writes out what the codec has queued. */
  async flush(): Promise<void> {
    for (const chunk of this.codec.takeOutput()) await this.stream.write(chunk);
  }

  /** Reads into the codec (answering as it asks) until `done()` holds. */
  readUntil(done: () => boolean, what: string): Promise<void> {
    return within(
      (async () => {
        while (!done()) {
          const count = await this.stream.read(this.#buffer);
          if (count === null) {
            this.ended = true;
            if (done()) return;
            throw new Error(`the stream ended before ${what}`);
          }
          this.events.push(
            ...this.codec.receive(this.#buffer.slice(0, count)),
          );
          await this.flush();
        }
      })(),
      what,
    );
  }

  /** Reads raw bytes, bypassing the codec, until the stream ends. */
  readToEnd(what: string): Promise<Uint8Array> {
    return within(
      (async () => {
        const chunks: number[] = [];
        for (;;) {
          const count = await this.stream.read(this.#buffer);
          if (count === null) break;
          chunks.push(...this.#buffer.subarray(0, count));
        }
        this.ended = true;
        return new Uint8Array(chunks);
      })(),
      what,
    );
  }

  messages(): Uint8Array[][] {
    return this.events.flatMap((event) =>
      event.type === "message" ? [event.frames] : []
    );
  }
}

/** A monotonic clock starting at 0, as the codec's `now: 0` assumes. */
function clockFromZero(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}

function setup(
  options: {
    ours?: SocketType;
    theirs?: SocketType;
    handshakeInterval?: number;
  } = {},
) {
  const [ours, theirs] = duplex();
  const clock = clockFromZero();
  const link = new StreamLink(
    ours,
    new Connection({
      socketType: options.ours ?? "PUSH",
      handshakeInterval: options.handshakeInterval,
      now: 0,
    }),
    "",
    clock,
  );
  const session = new FakeSession();
  const peer = new ScriptedPeer(
    theirs,
    new Connection({ socketType: options.theirs ?? "PULL" }),
  );
  /** Closes everything and waits for the link to end. */
  const finish = async (): Promise<LinkEnd> => {
    link.close();
    theirs.close();
    return await within(link.done, "the link to end");
  };
  return { ours, theirs, clock, link, session, peer, finish };
}

/** A link and its peer through the handshake. */
async function connected() {
  const parts = setup();
  const { link, session, peer } = parts;
  link.start(session);
  await peer.flush();
  await peer.readUntil(
    () => peer.codec.state === "ready",
    "the peer's handshake",
  );
  await session.until(() => session.of("ready").length === 1, "our ready");
  return parts;
}

Deno.test("stream link: writes our greeting and NULL's READY on start, in one write, not before", async () => {
  const { ours, theirs, link, session, finish } = setup();
  assertEquals(ours.writes, 0);
  assertEquals(theirs.unread, 0, "nothing written before start");
  link.start(session);
  const buffer = new Uint8Array(1024);
  const count = await within(theirs.read(buffer), "our greeting");
  assertEquals(parseGreeting(buffer.subarray(0, GREETING_SIZE)), {
    major: 3,
    minor: 1,
    mechanism: "NULL",
    asServer: false,
  });
  const frames = new FrameDecoder().decode(
    buffer.subarray(GREETING_SIZE, count!),
  );
  assertEquals(frames.length, 1, "READY, whole, after the greeting");
  assertEquals(parseCommand(frames[0].body).name, "READY");
  assertEquals(ours.writes, 1);
  assertEquals(session.events, [], "no event before the peer answers");
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: the handshake ends in one ready event for the session, before any fill", async () => {
  const { session, finish } = await connected();
  assertEquals(session.events.length, 1);
  const ready = expectEvent(session.events[0], "ready");
  assertEquals(ready.peer.socketType, "PULL");
  assertEquals(ready.peer.minor, 1);
  assertEquals(session.fillsBeforeReady, 0, "no fill before the handshake");
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: messages both ways; a burst of sends goes out in few writes", async () => {
  const { ours, theirs, link, session, peer, finish } = await connected();
  const burst = Array.from({ length: 10 }, (_, i) => text(`m${i}`, "part"));
  session.outgoing.push(...burst);
  const writesBefore = ours.writes;
  link.wake();
  link.wake();
  link.wake();
  await peer.readUntil(() => peer.messages().length === 10, "10 messages");
  assertEquals(peer.messages().map(texts), burst.map(texts));
  const writes = ours.writes - writesBefore;
  assertLessOrEqual(writes, 2, `10 small messages took ${writes} writes`);

  const writesFromPeer = theirs.writes;
  for (let i = 0; i < 5; i++) peer.codec.sendMessage(text(`r${i}`));
  peer.codec.sendMessage(text("multi", "", "part"));
  await peer.flush();
  assertEquals(theirs.writes - writesFromPeer, 1);
  await session.until(
    () => session.of("message").length === 6,
    "6 messages from the peer",
  );
  assertEquals(session.of("message").map((event) => texts(event.frames)), [
    ["r0"],
    ["r1"],
    ["r2"],
    ["r3"],
    ["r4"],
    ["multi", "", "part"],
  ]);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a lone message is written before the turn ends; sends a microtask apart still share writes", async () => {
  const { ours, link, session, peer, finish } = await connected();
  await link.whenFlushed();
  const writes = await loneThenBurst(session, link, {
    sends: () => ours.writes,
    arrived: () =>
      peer.readUntil(() => peer.messages().length === 101, "101 messages"),
  });
  assertLessOrEqual(writes, 2, `100 sends took ${writes} writes`);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a program turning its loop with MessagePort messages still gets a write per turn", async () => {
  // Deno runs setImmediate callbacks about once per hundred such turns: a
  // writer that waited for one between writes fell behind the sends, and a
  // PUB's pipes overflowed (bench/_pub_fanout.ts delivered 0% to 1,000 SUBs).
  const { ours, link, session, peer, finish } = await connected();
  await link.whenFlushed();
  // Each write completes in the next turn, as a socket's does under load,
  // so the sends of that turn come while it is in progress.
  let completeWrites!: () => void;
  const nextTurnGate = () =>
    ours.gate = new Promise((resolve) => completeWrites = resolve);
  nextTurnGate();
  const before = ours.writes;
  const TURNS = 50;
  await messagePortTurns(TURNS, (turn) => {
    completeWrites();
    nextTurnGate();
    for (let i = 0; i < 20; i++) session.outgoing.push(text(`t${turn}m${i}`));
    link.wake();
  });
  const writes = ours.writes - before;
  ours.gate = undefined;
  completeWrites();
  assert(writes >= TURNS / 2, `${writes} writes in ${TURNS} turns`);
  await peer.readUntil(
    () => peer.messages().length === 20 * TURNS,
    "every message",
  );
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: reads start small, grow while they fill, and an idle link gives large buffers back", async () => {
  const { ours, link, session, peer, finish } = await connected();
  const sizes = () => ours.readBuffers.map((buffer) => buffer.byteLength);
  const small = sizes().at(-1)!;
  assert(ours.reading && sizes().every((size) => size <= 8192), `${sizes()}`);
  const body = new Uint8Array(20 * 1024).fill(3);
  for (let i = 0; i < 64; i++) peer.codec.sendMessage([body]);
  session.outgoing.push(...Array.from({ length: 64 }, () => [body]));
  link.wake();
  await peer.flush();
  await peer.readUntil(() => peer.messages().length === 64, "our burst");
  await session.until(() => session.of("message").length === 64, "theirs");
  const reads = ours.readBuffers.filter((b) => b.byteLength > small);
  const buffers = new Set(reads).size;
  assert(buffers > 0 && reads.length >= 2 * buffers, "large, many reads each");
  await within(link.whenFlushed(), "our burst written");
  assert(ours.reading, "a read waits for the peer again");
  assertEquals(sizes().at(-1), small, "into a small buffer, as before");
  peer.codec.sendMessage(text("after"));
  await peer.flush();
  await session.until(() => session.of("message").length === 65, "after");
  assertEquals(sizes().at(-1), small, "a quiet link stays small");
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: an idle link waits with 256 B; a larger request goes on in a small buffer that holds it, and sizes the next ones", async () => {
  const { ours, session, peer, finish } = await connected();
  const sizes = () => ours.readBuffers.map((buffer) => buffer.byteLength);
  assertEquals(sizes().at(-1), 256, "what an idle connection holds");
  let received = 0;
  /** The sizes of the buffers one lone message of `size` bytes was read into. */
  const lone = async (size: number) => {
    const before = ours.readBuffers.length;
    peer.codec.sendMessage([new Uint8Array(size).fill(size & 0xff)]);
    await peer.flush();
    received++;
    await session.until(
      () => session.of("message").length === received,
      `the ${size} B message`,
    );
    // From the read pending before it to the one before the read pending now.
    return [...new Set(sizes().slice(before - 1, -1))];
  };
  assertEquals(await lone(3000), [256, 4096], "one read more, no 64 KiB");
  assertEquals(sizes().at(-1), 8192, "room for the next such");
  assertEquals(await lone(3000), [8192]);
  assertEquals(await lone(3000), [8192]);
  assertEquals(await lone(16), [8192]);
  assertEquals(sizes().at(-1), 4096, "halved once messages are small");
  assertEquals(await lone(1000), [4096]);
  for (let i = 0; i < 2; i++) assertEquals(await lone(1000), [2048]);
  for (let i = 0; i < 3; i++) await lone(16);
  assertEquals(sizes().at(-1), 256, "back to what an idle connection holds");
  const before = ours.readBuffers.length;
  for (let i = 0; i < 6; i++) await lone(16);
  const buffers = new Set(ours.readBuffers.slice(before - 1)).size;
  assertLessOrEqual(buffers, 2, `6 small messages took ${buffers} buffers`);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a multipart request over 8 KiB steps through one small buffer once, then goes to 64 KiB at once, as a burst of small messages does", async () => {
  const { ours, session, peer, finish } = await connected();
  let received = 0;
  /** The size of the buffer of each read the messages took. */
  const reads = async (messages: Uint8Array[][]) => {
    const before = ours.readBuffers.length;
    for (const frames of messages) peer.codec.sendMessage(frames);
    await peer.flush();
    received += messages.length;
    await session.until(
      () => session.of("message").length === received,
      `${received} messages`,
    );
    return ours.readBuffers.slice(before - 1, -1).map((b) => b.byteLength);
  };
  const request = [Array.from({ length: 3 }, () => new Uint8Array(3000))];
  assertEquals(await reads(request), [256, 4096, 65536], "one step, once");
  assertEquals(await reads(request), [256, 65536], "a stream, likely again");
  // A small message between: the last burst is no stream any more.
  assertEquals(await reads([[new Uint8Array(16)]]), [256]);
  assertEquals(await reads(request), [256, 4096, 65536], "a request again");
  const burst = Array.from({ length: 600 }, () => [new Uint8Array(16)]);
  assertEquals(await reads(burst), [256, 65536], "frames of 16 B: a stream");
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

/** A frame of `size` bytes in the long form (flags, then an 8-byte size). */
function longFrame(size: number, fill: number): Uint8Array {
  const wire = new Uint8Array(9 + size).fill(fill);
  wire[0] = 0x02;
  new DataView(wire.buffer).setBigUint64(1, BigInt(size));
  return wire;
}

/** Writes `wire` in TCP-sized pieces, each read before the next is written. */
async function writeInPieces(
  theirs: MemoryStream,
  ours: MemoryStream,
  wire: Uint8Array,
): Promise<void> {
  for (let at = 0; at < wire.length; at += 1448) {
    await theirs.write(wire.subarray(at, at + 1448));
    await until(() => ours.unread === 0 && ours.reading, "the piece read");
  }
}

Deno.test("stream link: a stream arriving in pieces is read on into the buffer it fills, small or large", async () => {
  const { ours, theirs, session, finish } = await connected();
  const before = ours.readBuffers.length;
  const frame = longFrame(1024, 6);
  const wire = new Uint8Array(200 * frame.length);
  for (let i = 0; i < 200; i++) wire.set(frame, i * frame.length);
  await writeInPieces(theirs, ours, wire);
  await session.until(() => session.of("message").length === 200, "200");
  const buffers = new Set(ours.readBuffers.slice(before - 1, -1)).size;
  const reads = ours.readBuffers.length - before;
  // A buffer per piece would be about 140.
  assertLessOrEqual(buffers, 16, `${buffers} buffers for ${reads} reads`);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a request arriving in pieces goes on in the buffer it went on in", async () => {
  const { ours, theirs, session, finish } = await connected();
  const before = ours.readBuffers.length;
  await writeInPieces(theirs, ours, longFrame(3000, 5));
  await session.until(() => session.of("message").length === 1, "it");
  const reads = ours.readBuffers.slice(before - 1, -1);
  assertEquals(reads.map((b) => b.byteLength), [256, 4096, 4096, 4096]);
  assertEquals(new Set(reads).size, 2, "one small buffer, then one for it");
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a stream of 1 KiB messages outgrows the small buffers within a few reads", async () => {
  const { ours, session, peer, finish } = await connected();
  const before = ours.readBuffers.length;
  const body = new Uint8Array(1024).fill(7);
  for (let i = 0; i < 512; i++) peer.codec.sendMessage([body]);
  await peer.flush();
  await session.until(() => session.of("message").length === 512, "512");
  const reads = ours.readBuffers.slice(before).map((b) => b.byteLength);
  const small = reads.filter((size) => size <= 8192).length;
  assert(reads.includes(65536), `into 64 KiB buffers: ${reads}`);
  assertLessOrEqual(small, 6, `${small} reads into small buffers: ${reads}`);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a session that returns false pauses reading until resume()", async () => {
  const { ours, link, session, peer, finish } = await connected();
  session.acceptMessages = false;
  peer.codec.sendMessage(text("first"));
  await peer.flush();
  await session.until(() => session.of("message").length === 1, "first");
  peer.codec.sendMessage(text("second"));
  await peer.flush();
  // Not a synchronisation: one turn of the event loop in which a link that
  // ignored the pause would read.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(ours.reading, false, "no read while paused");
  assert(ours.unread > 0, "the second message waits in the stream");
  assertEquals(session.of("message").length, 1);
  session.acceptMessages = true;
  link.resume();
  await session.until(() => session.of("message").length === 2, "second");
  assertEquals(texts(session.of("message")[1].frames), ["second"]);
  assertEquals(ours.unread, 0);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a peer that closes the stream ends the link with closedByPeer", async () => {
  const { ours, theirs, link, session } = await connected();
  theirs.close();
  const end = await within(link.done, "the link to end");
  assertEquals(end, { error: undefined, closedByPeer: true });
  assertEquals(link.closed, true);
  assertEquals(ours.closed, true, "our end is closed too");
  assertEquals(session.of("error"), []);
});

Deno.test("stream link: garbage from the peer ends the link with the error and closes the stream", async () => {
  const { ours, theirs, link, session, peer } = await connected();
  await theirs.write(new Uint8Array([0xf0, 0x00])); // reserved flag bits
  const end = await within(link.done, "the link to end");
  assertEquals(end.error?.kind, "protocol");
  assertEquals(end.closedByPeer, false);
  const error = expectEvent(session.events.at(-1), "error");
  assertEquals(error.error, end.error, "the session saw the same error");
  assertEquals(ours.closed, true);
  await peer.readUntil(() => peer.ended, "the end of the stream");
  theirs.close();
});

Deno.test("stream link: an incompatible peer gets an ERROR command, then the stream closes", async () => {
  const { link, session, peer, theirs } = setup({
    ours: "PUSH",
    theirs: "PUB",
  });
  link.start(session);
  // The peer's greeting and READY, then all we wrote: our greeting and
  // READY, and our ERROR once we have read the peer's READY.
  await peer.flush();
  const written = await peer.readToEnd("the stream to close");
  assertEquals(
    parseGreeting(written.subarray(0, GREETING_SIZE)).mechanism,
    "NULL",
  );
  const frames = new FrameDecoder().decode(written.subarray(GREETING_SIZE));
  assert(frames.every((frame) => frame.flags & FLAG_COMMAND));
  const commands = frames.map((frame) => parseCommand(frame.body));
  assertEquals(commands.map((command) => command.name), ["READY", "ERROR"]);
  assertEquals(parseError(commands[1].data), "Invalid socket type");
  const end = await within(link.done, "the link to end");
  assertEquals(end.error?.kind, "incompatible");
  assertEquals(end.closedByPeer, false);
  assertEquals(session.of("ready"), []);
  assertEquals(expectEvent(session.events.at(-1), "error").error, end.error);
  theirs.close();
});

Deno.test("stream link: close() before start settles done, and start then moves nothing", async () => {
  const { ours, link, session } = setup();
  link.close();
  assertEquals(link.closed, true);
  assertEquals(ours.closed, true);
  assertEquals(await within(link.done, "done"), {});
  link.start(session);
  // Told of the end all the same, but not from within start (the socket
  // serving it is still at its own work there).
  assertEquals(session.ends, []);
  await session.until(() => session.ends.length === 1, "the end told");
  assertEquals(session.ends, [{}]);
  assertEquals(await within(link.done, "done"), {});
  assertEquals(ours.writes, 0, "no greeting");
  assertEquals(session.events, []);
});

Deno.test("stream link: tells its session of its end once, before done settles for those who asked", async () => {
  const { theirs, link, session } = await connected();
  const order: string[] = [];
  link.done.then(() => order.push("done"));
  session.ended = (end) => {
    order.push("ended");
    session.ends.push(end);
  };
  theirs.close();
  const end = await within(link.done, "the link to end");
  await Promise.resolve();
  assertEquals(order, ["ended", "done"]);
  assertEquals(session.ends, [end]);
  assertEquals(end, { error: undefined, closedByPeer: true });
  // Asked after the end: settled with the same.
  assertEquals(await link.done, end);
});

Deno.test("stream link: whenFlushed() settles once the output is written", async () => {
  const { ours, link, session, peer, finish } = await connected();
  await within(link.whenFlushed(), "an idle link to be flushed");

  let release!: () => void;
  ours.gate = new Promise((resolve) => release = resolve);
  session.outgoing.push(text("a"), text("b"), text("c"));
  const writesBefore = ours.writes;
  link.wake();
  let flushed = false;
  const whenFlushed = link.whenFlushed().then(() => flushed = true);
  await within(ours.writeCalled(writesBefore + 1), "the write to start");
  assertEquals(flushed, false, "not flushed while the write is pending");
  ours.gate = undefined;
  release();
  await within(whenFlushed, "the flush");
  await peer.readUntil(() => peer.messages().length === 3, "3 messages");
  assertEquals(peer.messages().map(texts), [["a"], ["b"], ["c"]]);
  assertEquals(await finish(), { error: undefined, closedByPeer: false });
});

Deno.test("stream link: whenFlushed() settles when the link closes with output pending", async () => {
  const { ours, link, session, finish } = await connected();
  ours.gate = new Promise(() => {}); // the write never completes
  session.outgoing.push(text("stuck"));
  link.wake();
  const whenFlushed = link.whenFlushed();
  await within(ours.writeCalled(ours.writes + 1), "the write to start");
  const [, end] = await Promise.all([
    within(whenFlushed, "whenFlushed after close"),
    finish(),
  ]);
  assertEquals(end, { error: undefined, closedByPeer: false });
});

Deno.test("stream link: a handshake that does not finish in time ends the link with a timeout", async () => {
  const { ours, clock, link, session, peer, theirs } = setup({
    handshakeInterval: 30,
  });
  link.start(session); // the peer never answers
  const end = await within(link.done, "the handshake deadline", 2000);
  assertEquals(end.error?.kind, "timeout");
  assertEquals(end.closedByPeer, false);
  assert(clock() >= 30, `ended after ${clock()} ms, before the deadline`);
  assertEquals(expectEvent(session.events.at(-1), "error").error, end.error);
  assertEquals(ours.closed, true);
  const written = await peer.readToEnd("the stream to close");
  const frames = new FrameDecoder().decode(written.subarray(GREETING_SIZE));
  assertEquals(
    frames.map((frame) => parseCommand(frame.body).name),
    ["READY"],
    "only our greeting and READY were sent",
  );
  theirs.close();
});
