/**
 * Running out of file descriptors: a ROUTER in a child process under a low
 * `ulimit -n` (tests/emfile/server.ts) flooded with raw TCP connections
 * or libzmq DEALERs stays up, waits instead of spinning, serves the peers
 * it has, and accepts again once descriptors free up; `maxConnections`
 * keeps it clear of the limit.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { Dealer } from "../mod.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { decode, portOf, timeout } from "./_helpers.ts";

type Line = Record<string, unknown> & { type: string };

/** Linux reports CPU time in /proc in ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;
const DESCRIPTORS = 128;

/** The server child: its printed events, its CPU time, and its end. */
class ServerProcess implements AsyncDisposable {
  readonly lines: Line[] = [];
  readonly pid: number;
  #child: Deno.ChildProcess;
  #pump: Promise<void>;
  #stderr: Promise<string>;
  #changed!: () => void;
  #change: Promise<void>;
  #exited = false;

  /**
   * @param maxConnections The Router's, or `default` for none given (run
   * with every permission then, which lets it read the process's limit).
   */
  constructor(maxConnections?: number | "default" | "default-two") {
    const deno = Deno.execPath().replaceAll("'", "'\\''");
    const args = maxConnections === undefined ? "" : ` ${maxConnections}`;
    const allowed = typeof maxConnections === "string"
      ? "-A"
      : "--allow-net=127.0.0.1";
    this.#child = new Deno.Command("bash", {
      args: [
        "-c",
        `ulimit -n ${DESCRIPTORS} && exec '${deno}' run --no-prompt ${allowed} tests/emfile/server.ts${args}`,
      ],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // `exec` keeps the pid: it is Deno's own.
    this.pid = this.#child.pid;
    this.#child.status.then(() => this.#exited = true);
    this.#change = new Promise((resolve) => this.#changed = resolve);
    this.#stderr = new Response(this.#child.stderr).text();
    this.#pump = this.#read();
  }

  /** Whether the child is still running. */
  get alive(): boolean {
    return !this.#exited;
  }

  /** The child's CPU time so far (user + system), in ms. */
  cpuMs(): number {
    const stat = Deno.readTextFileSync(`/proc/${this.pid}/stat`);
    // Fields after the command name (which may hold spaces), from field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }

  /**
   * The first printed line from index `from` on that matches, waiting for
   * it; fails the test (with the child's stderr) after `ms`.
   */
  async next(
    match: (line: Line) => boolean,
    from = 0,
    ms = 8000,
  ): Promise<{ line: Line; index: number }> {
    const deadline = Date.now() + ms;
    for (let index = from;; index++) {
      while (index >= this.lines.length) {
        const left = deadline - Date.now();
        if (left <= 0 || !this.alive) {
          throw new Error(
            `no such line from the server (alive: ${this.alive}); stderr: ${await this
              .#stderrSoFar()}`,
          );
        }
        let timer!: ReturnType<typeof setTimeout>;
        await Promise.race([
          this.#change,
          new Promise((resolve) => timer = setTimeout(resolve, left)),
        ]);
        clearTimeout(timer);
      }
      if (match(this.lines[index])) return { line: this.lines[index], index };
    }
  }

  /** How many printed lines are of a type. */
  count(type: string): number {
    return this.lines.filter((line) => line.type === type).length;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.alive) this.#child.kill("SIGKILL");
    await this.#child.status;
    await this.#pump;
    await this.#stderr;
  }

  async #stderrSoFar(): Promise<string> {
    if (this.alive) return "(still running)";
    return await this.#stderr;
  }

  async #read(): Promise<void> {
    let pending = "";
    const text = this.#child.stdout.pipeThrough(new TextDecoderStream());
    for await (const chunk of text) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const part of parts) this.lines.push(JSON.parse(part));
      this.#wake();
    }
    this.#wake();
  }

  #wake(): void {
    this.#changed();
    this.#change = new Promise((resolve) => this.#changed = resolve);
  }
}

async function roundTrip(dealer: Dealer, text: string): Promise<void> {
  await dealer.send([text], timeout());
  assertEquals((await dealer.receive(timeout())).map(decode), [text]);
}

/** Raw TCP connections that never speak: each holds a descriptor of the server's. */
class RawClients implements Disposable {
  readonly conns: Deno.Conn[];

  private constructor(conns: Deno.Conn[]) {
    this.conns = conns;
  }

  static async connect(port: number, count: number): Promise<RawClients> {
    const settled = await Promise.allSettled(
      Array.from(
        { length: count },
        () => Deno.connect({ hostname: "127.0.0.1", port }),
      ),
    );
    const clients = new RawClients(
      settled.flatMap((result) =>
        result.status === "fulfilled" ? [result.value] : []
      ),
    );
    if (clients.conns.length < count) {
      clients[Symbol.dispose]();
      throw new Error(`only ${clients.conns.length} of ${count} connected`);
    }
    return clients;
  }

  /** Closes the first `count` connections. */
  close(count: number): void {
    for (const conn of this.conns.splice(0, count)) conn.close();
  }

  [Symbol.dispose](): void {
    this.close(this.conns.length);
  }
}

Deno.test("emfile: out of descriptors, the listener waits without spinning, serves its peers, and accepts again once some close", async () => {
  await using server = new ServerProcess();
  const { line: bound } = await server.next((line) => line.type === "bound");
  const endpoint = bound.endpoint as string;
  await using first = new Dealer({ linger: 0 });
  first.connect(endpoint);
  await roundTrip(first, "before");

  // More peers than descriptors: the kernel queues those not accepted.
  using raw = await RawClients.connect(portOf(endpoint), 200);
  const { index } = await server.next((line) =>
    line.type === "accept-failed" && line.code === "EMFILE"
  );

  // Waiting, the listener backs off to a retry a second: from its first
  // failure to two retries at that pace, a busy loop would burn CPU the
  // whole time; ours barely any.
  const startMs = performance.now();
  const startCpu = server.cpuMs();
  const { index: slowest } = await server.next(
    (line) => line.type === "accept-failed" && line.interval === 1000,
    index,
  );
  await server.next((line) => line.type === "accept-failed", slowest + 1);
  const wallMs = performance.now() - startMs;
  const cpuMs = server.cpuMs() - startCpu;
  assert(
    cpuMs < wallMs / 10,
    `the server burned ${cpuMs} ms of CPU in ${Math.round(wallMs)} ms`,
  );
  assert(server.alive);
  const acceptedWhenFull = server.count("accepted");
  assert(acceptedWhenFull < 1 + raw.conns.length);

  // The peer it has is still served.
  await roundTrip(first, "while full");

  // Freed descriptors let the queued peers in, and a new one after them.
  raw.close(100);
  await using late = new Dealer({ linger: 0 });
  late.connect(endpoint);
  await roundTrip(late, "after");
  assert(server.count("accepted") > acceptedWhenFull);
  assert(server.alive);
});

Deno.test("emfile: maxConnections refuses peers beyond it at once, so the process keeps descriptors in hand", async () => {
  await using server = new ServerProcess(40);
  const { line: bound } = await server.next((line) => line.type === "bound");
  const endpoint = bound.endpoint as string;
  await using first = new Dealer({ linger: 0 });
  first.connect(endpoint);
  await roundTrip(first, "before");

  using raw = await RawClients.connect(portOf(endpoint), 60);
  const { line: refused } = await server.next((line) =>
    line.type === "accept-refused"
  );
  assertEquals(refused, {
    type: "accept-refused",
    endpoint,
    maxConnections: 40,
  });
  // A refused peer is closed at once: some raw connection sees its end.
  const buffer = new Uint8Array(64);
  const ended = await Promise.race(raw.conns.map(async (conn) => {
    // Reads still pending when the others close end with an error.
    while ((await conn.read(buffer).catch(() => null)) !== null);
    return true;
  }));
  assert(ended);
  await roundTrip(first, "at the limit");
  assertEquals(server.count("accepted"), 40);
  assertEquals(server.count("accept-failed"), 0);
  assert(server.alive);
});

Deno.test("emfile: by default, with the limit readable (every permission), a socket accepts up to the limit less an eighth (at least 32) and refuses the rest at once", async () => {
  await using server = new ServerProcess("default");
  const { line: bound } = await server.next((line) => line.type === "bound");
  const endpoint = bound.endpoint as string;
  const expected = DESCRIPTORS - 32;
  using _raw = await RawClients.connect(portOf(endpoint), expected + 10);
  const { line: refused } = await server.next((line) =>
    line.type === "accept-refused"
  );
  assertEquals(refused, {
    type: "accept-refused",
    endpoint,
    maxConnections: expected,
  });
  assertEquals(server.count("accepted"), expected);
  assertEquals(server.count("accept-failed"), 0);
  assert(server.alive);
});

Deno.test("emfile: by default, two sockets together accept up to the limit less an eighth, not each of them: the default bounds the process's accepts", async () => {
  await using server = new ServerProcess("default-two");
  const { line: first, index } = await server.next((line) =>
    line.type === "bound"
  );
  const { line: second } = await server.next(
    (line) => line.type === "bound",
    index + 1,
  );
  const expected = DESCRIPTORS - 32;
  using _first = await RawClients.connect(portOf(String(first.endpoint)), 60);
  using _second = await RawClients.connect(portOf(String(second.endpoint)), 60);
  // 120 peers, 96 taken: 24 refused, whichever socket they reached.
  let from = 0;
  for (let refused = 0; refused < 120 - expected; refused++) {
    ({ index: from } = await server.next(
      (line) => line.type === "accept-refused",
      from,
    ));
    from++;
  }
  assertEquals(server.count("accepted"), expected);
  assertEquals(server.count("accept-failed"), 0);
  assert(server.alive);
});

Deno.test("emfile: libzmq DEALERs beyond the limit wait in the queue and are each answered, none lost, as served ones leave", async () => {
  await using server = new ServerProcess();
  const { line: bound } = await server.next((line) => line.type === "bound");
  const endpoint = bound.endpoint as string;
  await using peer = new LibzmqPeer();
  // More than the server's descriptors hold, fewer than the listen queue.
  const count = 150;
  const dealers = [];
  for (let i = 0; i < count; i++) {
    const dealer = await peer.open("Dealer", { linger: 0 });
    await dealer.connect(endpoint);
    // Queued in libzmq until its connection is accepted and handshaken.
    await dealer.send([`request ${i}`]);
    dealers.push(dealer);
  }
  const { index } = await server.next((line) =>
    line.type === "accept-failed" && line.code === "EMFILE"
  );
  // Each leaves once answered, and frees a descriptor for one waiting.
  const answers = await Promise.all(dealers.map(async (dealer, i) => {
    const [reply] = await dealer.receive(30_000);
    await dealer.close();
    return decode(reply) === `request ${i}`;
  }));
  assertEquals(answers.filter(Boolean).length, count);
  assert(server.count("accepted") >= count);
  // Some were accepted only after the listener had run out.
  assert(
    server.lines.slice(index).some((line) => line.type === "accepted"),
  );
  assert(server.alive);
});
