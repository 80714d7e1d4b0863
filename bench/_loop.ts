/**
 * The loop case of the bench (`deno task bench --only loop`): our sockets'
 * own cost, both sides in one isolate over a byte stream in memory, with
 * no kernel, no second process and no event-loop turn between them. What
 * it prints moves mostly with our code (the round trip within a few
 * percent, the throughputs within a tenth, with what the collector did),
 * where the tcp cases move by a third with what else the machine is doing:
 * the figures to take before and after a change on a hot path.
 *
 *     deno run -A bench/_loop.ts [rounds]
 *
 * - REQ/REP 16 B: µs per round trip, both sockets' work on both hops.
 * - PUSH→PULL 16 B and 1 KiB: ns per message, the sender's and the
 *   receiver's work together.
 *
 * Each figure is the best of `rounds` runs (the runs differ by what the
 * JIT and the collector did meanwhile, not by the work).
 *
 * @module
 */

import { Pull, Push, Reply, Request } from "../mod.ts";
import {
  type ByteStream,
  type Link,
  type LinkOptions,
  registerTransport,
  streamCodec,
  StreamLink,
} from "../transport/mod.ts";

/** One end of a byte stream in memory; what it writes, its peer reads. */
class _MemoryStream implements ByteStream {
  peer!: _MemoryStream;
  #inbox: Uint8Array[] = [];
  #pending:
    | { buffer: Uint8Array; resolve: (count: number | null) => void }
    | undefined;
  #closed = false;

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#inbox.length > 0) return Promise.resolve(this.#take(buffer));
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#pending = { buffer, resolve });
  }

  write(bytes: Uint8Array): Promise<number> {
    // A copy, as the kernel makes: the writer reuses its buffer after this.
    this.peer.#arrive(bytes.slice());
    return Promise.resolve(bytes.length);
  }

  close(): void {
    this.#closed = true;
    this.#end();
    this.peer.#closed = true;
    this.peer.#end();
  }

  #arrive(bytes: Uint8Array): void {
    this.#inbox.push(bytes);
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    pending.resolve(this.#take(pending.buffer));
  }

  #end(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(null);
  }

  #take(buffer: Uint8Array): number {
    const chunk = this.#inbox[0];
    const count = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, count));
    if (count === chunk.length) this.#inbox.shift();
    else this.#inbox[0] = chunk.subarray(count);
    return count;
  }
}

let _accept: ((link: Link, endpoint: string) => void) | undefined;
let _listenOptions: LinkOptions | undefined;
registerTransport({
  scheme: "loop",
  check() {},
  listen(_address, options, accept) {
    _accept = accept;
    _listenOptions = options;
    return Promise.resolve({
      endpoint: "loop://bench",
      close: () => Promise.resolve(),
    });
  },
  dial(_address, options) {
    const ours = new _MemoryStream();
    const theirs = new _MemoryStream();
    ours.peer = theirs;
    theirs.peer = ours;
    _accept!(new StreamLink(theirs, streamCodec(_listenOptions!)), "loop://");
    return Promise.resolve(new StreamLink(ours, streamCodec(options)));
  },
});

async function _roundTrip(count: number): Promise<number> {
  const reply = new Reply();
  await reply.bind("loop://bench");
  const request = new Request();
  request.connect("loop://bench");
  const echoing = (async () => {
    for await (const message of reply) await reply.send(message);
  })().catch(() => {});
  const message = new Uint8Array(16);
  for (let i = 0; i < count / 10; i++) {
    await request.send(message);
    await request.receive();
  }
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await request.send(message);
    await request.receive();
  }
  const elapsed = performance.now() - started;
  await request.close();
  await reply.close();
  await echoing;
  return elapsed * 1000 / count;
}

async function _throughput(count: number, size: number): Promise<number> {
  const pull = new Pull();
  await pull.bind("loop://bench");
  const push = new Push();
  push.connect("loop://bench");
  const message = new Uint8Array(size);
  const started = performance.now();
  const sending = (async () => {
    for (let i = 0; i < count; i++) await push.send(message);
  })();
  for (let i = 0; i < count; i++) await pull.receive();
  const elapsed = performance.now() - started;
  await sending;
  await push.close();
  await pull.close();
  return elapsed * 1e6 / count;
}

async function _best(rounds: number, run: () => Promise<number>) {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    best = Math.min(best, await run());
  }
  return best;
}

const rounds = Number(Deno.args[0] ?? 5);
console.log(
  `\nloop: both sides in one isolate over a byte stream in memory, best of ${rounds}`,
);
console.log("| case | size | ours |\n| --- | --- | --- |");
const trip = await _best(rounds, () => _roundTrip(100_000));
console.log(`| REQ/REP round trip | 16 B | ${trip.toFixed(2)} µs |`);
for (const size of [16, 1024]) {
  const each = await _best(rounds, () => _throughput(1_000_000, size));
  console.log(`| PUSH→PULL | ${size} B | ${each.toFixed(0)} ns a message |`);
}
