/**
 * The many-peers case of the bench (`deno task bench --only peers`), ours
 * beside native libzmq in the same run:
 *
 * - ROUTER with N DEALERs: a server process (ours: _peers_server.ts, one
 *   Router echoing; native: a libzmq ROUTER in peers.c; the floor:
 *   _peers_bare.ts, Deno with no library, what any server in Deno costs at
 *   least) and N libzmq
 *   DEALERs (peers.c, split over processes of at most
 *   {@linkcode DEALERS_PER_PROCESS}, each socket taking two descriptors)
 *   that connect, make one round trip each (200 at a time per process, so
 *   the listen queue never overflows into the kernel's SYN retries), a
 *   second round (all at once, every process starting it together), then
 *   hold their connections while the server's VmRSS is read, at once and
 *   again after the peers have been idle for
 *   {@linkcode PeersOptions.idleSeconds}. Printed: RSS growth per
 *   peer over the server's RSS after bind, the time to connect all and
 *   finish the first round, the time of the second round.
 * - PUB to S SUBs (the SUBs in one libzmq process): the publisher (ours:
 *   _pub_fanout.ts; native: peers.c) sends 16 B messages as fast as it can
 *   with default high-water marks, so it drops what a full pipe cannot
 *   take, as PUB does; the SUB process counts the messages its SUBs receive
 *   in a {@linkcode FANOUT_WINDOW_MS} window starting 500 ms after the
 *   first: deliveries per second, summed over all SUBs.
 *
 * Both over tcp, and with {@linkcode PeersOptions.transports} over ws too
 * (the floor is tcp only). Needs gcc and libzmq3-dev (for the clients of
 * both columns).
 *
 * @module
 */

import { Lines } from "./_lines.ts";

/**
 * DEALERs per client process at most: each takes two descriptors (tcp +
 * eventfd), and fewer processes leave more of the cores to the server.
 */
export const DEALERS_PER_PROCESS = 5000;
/** How long the SUB process counts deliveries. */
export const FANOUT_WINDOW_MS = 2000;
/**
 * The native ROUTER's listen backlog: Deno listens with 511, libzmq with 100
 * by default (ZMQ_BACKLOG), which at a few hundred simultaneous connects
 * costs it a second of SYN retries; the same queue compares the sockets.
 */
const NATIVE_BACKLOG = 511;
/** A run that takes longer is killed and printed as failed. */
const RUN_TIMEOUT_MS = 180_000;

/** What `--only peers` can be told. */
export interface PeersOptions {
  /** Numbers of DEALERs, one row each. */
  peers: number[];
  /** Numbers of SUBs for the PUB fan-out rows. */
  subs: number[];
  /** Runs per implementation and row (medians are printed). */
  rounds: number;
  /**
   * How long the peers stay idle before the server's RSS is read again (0:
   * not read again). V8 gives back the young generation it grew during a
   * burst once its memory reducer sees the heap idle, which it checks about
   * 30 s after the last full collection here; libzmq's memory does not move.
   */
  idleSeconds: number;
  /**
   * Which transports the rows run over: `tcp`, and `ws` (ZWS 2.0, as a
   * browser-facing socket has a peer per open page; Debian's libzmq
   * speaks it, and the floor does not).
   */
  transports?: PeerTransport[] | undefined;
}

/** The transports of the many-peers rows. */
export type PeerTransport = "tcp" | "ws";

/** Whose server: ours, libzmq's, or Deno's floor (_peers_bare.ts). */
type Side = "ours" | "native" | "bare";

const here = (path: string) => new URL(path, import.meta.url).pathname;

/**
 * Builds peers.c, runs every row and prints a markdown table.
 *
 * @param options Peer counts and rounds.
 * @returns Nothing; the table goes to stdout.
 * @example
 * ```ts ignore
 * await runPeers({ peers: [1000], subs: [1000], rounds: 1 });
 * ```
 */
export async function runPeers(options: PeersOptions): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "zmtp-peers-" });
  const binary = `${dir}/peers`;
  try {
    const { success, stderr } = await new Deno.Command("gcc", {
      args: ["-O2", "-o", binary, here("peers.c"), "-lzmq"],
      stdout: "null",
      stderr: "piped",
    }).output().catch(() => ({ success: false, stderr: new Uint8Array() }));
    if (!success) {
      console.error(new TextDecoder().decode(stderr).split("\n")[0]);
      console.error(
        "the peers case needs libzmq's C clients: `apt-get install -y libzmq3-dev gcc`",
      );
      return;
    }
    // The servers inherit our descriptor limit; the C clients raise theirs
    // to the hard limit.
    const limit = _softFileLimit();
    const probe = _start(binary, ["limit"]);
    const clientLimit = Number(await probe.lines.until("limit"));
    await probe.end();
    const perProcess = Math.min(
      DEALERS_PER_PROCESS,
      Math.floor((clientLimit - 64) / 2),
    );
    console.log(
      `\nmany peers: libzmq DEALER/SUB clients in C, descriptor limit ${limit}, ${options.rounds} round(s), medians; ours/native below 1 is better for RSS and times, above 1 for deliveries; the floor: a bare Deno server of no library that answers the DEALERs' handshake with fixed bytes and echoes what they send (bench/_peers_bare.ts)`,
    );
    console.log(
      "| case | peers | ours | native libzmq | ours/native | the floor: bare Deno | floor/native |\n| --- | --- | --- | --- | --- | --- | --- |",
    );
    const transports = options.transports ?? ["tcp"];
    for (const transport of transports) {
      for (const n of options.peers) {
        await _routerRows(binary, transport, n, limit, perProcess, options);
      }
    }
    for (const transport of transports) {
      for (const n of options.subs) {
        await _fanoutRow(binary, transport, n, limit, clientLimit, options);
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** What a row's case is called: over tcp plainly, else with its transport. */
function _caseName(name: string, transport: PeerTransport): string {
  return transport === "tcp" ? name : `${name} (${transport})`;
}

async function _routerRows(
  binary: string,
  transport: PeerTransport,
  n: number,
  limit: number,
  perProcess: number,
  options: PeersOptions,
): Promise<void> {
  // The server holds one descriptor per peer besides its own.
  if (n + 256 > limit) {
    console.log(
      `| ${
        _caseName("ROUTER", transport)
      } | ${n} | skipped: needs \`ulimit -n\` ≥ ${n + 256} | | | | |`,
    );
    return;
  }
  // The floor speaks ZMTP over tcp only.
  const sides: Side[] = transport === "tcp"
    ? ["ours", "native", "bare"]
    : ["ours", "native"];
  const results: Record<Side, RouterResult[]> = {
    ours: [],
    native: [],
    bare: [],
  };
  for (let round = 0; round < options.rounds; round++) {
    for (const side of sides) {
      results[side].push(
        await _guarded(
          () =>
            _routerRun(
              binary,
              side,
              transport,
              n,
              perProcess,
              options.idleSeconds,
            ),
          { rssPerPeer: NaN, rssIdlePerPeer: NaN, first: NaN, second: NaN },
        ),
      );
    }
  }
  const router = _caseName("ROUTER", transport);
  const rows: [string, (r: RouterResult) => number, string][] = [
    [`${router} RSS per peer`, (r) => r.rssPerPeer / 1024, "KiB"],
    ...(options.idleSeconds > 0
      ? [[
        `${router} RSS per peer, idle ${options.idleSeconds} s`,
        (r: RouterResult) => r.rssIdlePerPeer / 1024,
        "KiB",
      ] as [string, (r: RouterResult) => number, string]]
      : []),
    [`${router} connect + 1st round trip`, (r) => r.first, "ms"],
    [`${router} 2nd round trip`, (r) => r.second, "ms"],
  ];
  for (const [name, pick, unit] of rows) {
    const ours = _median(results.ours.map(pick));
    const native = _median(results.native.map(pick));
    const bare = sides.includes("bare")
      ? _median(results.bare.map(pick))
      : undefined;
    const floor = bare === undefined
      ? "– | –"
      : `${_format(bare, unit)} | ${(bare / native).toFixed(2)}`;
    console.log(
      `| ${name} | ${n} | ${_format(ours, unit)} | ${_format(native, unit)} | ${
        (ours / native).toFixed(2)
      } | ${floor} |`,
    );
  }
}

async function _fanoutRow(
  binary: string,
  transport: PeerTransport,
  n: number,
  limit: number,
  clientLimit: number,
  options: PeersOptions,
): Promise<void> {
  const name = _caseName("PUB→SUB", transport);
  if (n + 256 > limit || 2 * n + 64 > clientLimit) {
    console.log(
      `| ${name} | ${n} | skipped: needs \`ulimit -n\` ≥ ${
        2 * n + 64
      } | | | | |`,
    );
    return;
  }
  const results: Record<"ours" | "native", FanoutResult[]> = {
    ours: [],
    native: [],
  };
  for (let round = 0; round < options.rounds; round++) {
    for (const side of ["ours", "native"] as const) {
      results[side].push(
        await _guarded(() => _fanoutRun(binary, side, transport, n), {
          rate: NaN,
          sent: NaN,
        }),
      );
    }
  }
  const ours = _median(results.ours.map((r) => r.rate));
  const native = _median(results.native.map((r) => r.rate));
  const share = (r: FanoutResult[]) =>
    `${(_median(r.map((x) => x.rate / (x.sent * n))) * 100).toFixed(0)}%`;
  console.log(
    `| ${name} deliveries/s (16 B, delivered of sent) | ${n} | ${
      _format(ours, "/s")
    } (${share(results.ours)}) | ${_format(native, "/s")} (${
      share(results.native)
    }) | ${(ours / native).toFixed(2)} | | |`,
  );
}

interface RouterResult {
  rssPerPeer: number;
  rssIdlePerPeer: number;
  first: number;
  second: number;
}

interface FanoutResult {
  /** Deliveries per second, all SUBs together. */
  rate: number;
  /** Messages the publisher sent (or dropped) per second. */
  sent: number;
}

interface Child {
  process: Deno.ChildProcess;
  lines: Lines;
  say(line: string): Promise<void>;
  kill(): void;
  end(): Promise<void>;
}

/** Every child of the current run, killed if it outlives RUN_TIMEOUT_MS. */
const running = new Set<Child>();

async function _guarded<T>(run: () => Promise<T>, failed: T): Promise<T> {
  const timer = setTimeout(() => {
    for (const child of running) child.kill();
  }, RUN_TIMEOUT_MS);
  try {
    return await run();
  } catch (error) {
    console.error(`a run failed: ${(error as Error).message}`);
    return failed;
  } finally {
    clearTimeout(timer);
  }
}

function _start(command: string, args: string[]): Child {
  const process = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = process.stdin.getWriter();
  const child: Child = {
    process,
    lines: new Lines(process.stdout),
    say: (line) => writer.write(new TextEncoder().encode(`${line}\n`)),
    kill() {
      try {
        process.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    },
    async end() {
      await writer.close().catch(() => {});
      child.kill();
      await process.status;
      running.delete(child);
    },
  };
  running.add(child);
  return child;
}

function _server(
  binary: string,
  side: Side,
  role: string,
  transport: PeerTransport,
): Child {
  if (side === "bare") {
    return _start(Deno.execPath(), ["run", "-A", here("_peers_bare.ts")]);
  }
  return side === "ours"
    ? _start(Deno.execPath(), [
      "run",
      "-A",
      here(role === "router" ? "_peers_server.ts" : "_pub_fanout.ts"),
      `${transport}://127.0.0.1:0`,
    ])
    : _start(binary, [
      role,
      `${transport}://127.0.0.1:*`,
      ...(role === "router" ? [String(NATIVE_BACKLOG)] : []),
    ]);
}

function _softFileLimit(): number {
  const limits = Deno.readTextFileSync("/proc/self/limits");
  const soft = /Max open files\s+(\d+|unlimited)/.exec(limits)?.[1];
  return soft === undefined || soft === "unlimited" ? Infinity : Number(soft);
}

function _rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

async function _routerRun(
  binary: string,
  side: Side,
  transport: PeerTransport,
  n: number,
  perProcess: number,
  idleSeconds: number,
): Promise<RouterResult> {
  const server = _server(binary, side, "router", transport);
  const clients: Child[] = [];
  try {
    const endpoint = String(await server.lines.until("endpoint"));
    for (let left = n; left > 0; left -= perProcess) {
      const count = Math.min(left, perProcess);
      clients.push(_start(binary, ["dealers", endpoint, String(count)]));
    }
    await Promise.all(clients.map((c) => c.lines.until("created")));
    const baseline = _rss(server.process.pid);
    await Promise.all(clients.map((c) => c.say("go")));
    const first = await Promise.all(clients.map((c) => c.lines.until("first")));
    // The second round starts in every client process at once, so the
    // server meets all the requests together, not a process's at a time.
    await Promise.all(clients.map((c) => c.say("again")));
    const second = await Promise.all(
      clients.map((c) => c.lines.until("second")),
    );
    // Every peer is connected and idle now: what the server holds for them.
    const held = _rss(server.process.pid);
    let idle = NaN;
    if (idleSeconds > 0) {
      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
      idle = _rss(server.process.pid);
    }
    return {
      rssPerPeer: (held - baseline) / n,
      rssIdlePerPeer: (idle - baseline) / n,
      first: Math.max(...first.map(Number)),
      second: Math.max(...second.map(Number)),
    };
  } finally {
    await Promise.all([...clients, server].map((c) => c.end()));
  }
}

async function _fanoutRun(
  binary: string,
  side: Side,
  transport: PeerTransport,
  n: number,
): Promise<FanoutResult> {
  const publisher = _server(binary, side, "pub", transport);
  let subscribers: Child | undefined;
  try {
    const endpoint = String(await publisher.lines.until("endpoint"));
    subscribers = _start(binary, [
      "subs",
      endpoint,
      String(n),
      String(FANOUT_WINDOW_MS),
    ]);
    await subscribers.lines.until("ready");
    await publisher.say("go");
    const rate = Number(await subscribers.lines.until("rate"));
    await publisher.say("done");
    const sent = Number(await publisher.lines.until("sent"));
    return { rate, sent };
  } finally {
    await Promise.all(
      [publisher, subscribers].filter((c) => c !== undefined).map((c) =>
        c!.end()
      ),
    );
  }
}

function _median(values: number[]): number {
  return values.toSorted((x, y) => x - y)[Math.floor(values.length / 2)];
}

function _format(value: number, unit: string): string {
  if (Number.isNaN(value)) return "failed";
  if (unit === "/s") return `${(value / 1e6).toFixed(2)}M/s`;
  return `${value.toFixed(unit === "KiB" ? 1 : 0)} ${unit}`;
}
