/**
 * @zmtp/zmq against zeromq.js (libzmq 4.3.5 inside, under Node) and, where
 * gcc and Debian's libzmq3-dev are installed, native libzmq (bench/native.c,
 * built at start), in the same run: PUSH→PULL, PUB→SUB (lossless: high-water marks off) and
 * DEALER→ROUTER throughput, and REQ/REP round-trip latency, at 16 B, 1 KiB,
 * 64 KiB and 1 MiB, over tcp and ipc (and ws, ZWS 2.0, with `--transports
 * ws`). Each side is its own process; the
 * implementations alternate within each round; medians of the rounds, with
 * the ratio ours/theirs (above 1 is better for throughput, below 1 for
 * latency) and each process's peak RSS.
 *
 *     deno task bench [--rounds N] [--mixed] [--only push,curve,pub,dealer,reqrep,floor,loop,workers,peers,pgm] [--sizes 16,1024] [--transports tcp,ipc,ws] [--without zeromqjs] [--cpus same|split]
 *
 * --cpus same runs both processes of each throughput and round-trip case
 * (and of the floor's round trips) on core 0, --cpus split one on core 0 and
 * one on core 1 (Linux, with taskset; bench/_cpus.ts; the workers, peers,
 * pgm and loop cases stay unpinned):
 * a round trip between processes costs mostly waking the other side, which
 * depends on where the scheduler put it, so unpinned runs of the REQ/REP and
 * floor cases move with its choice; pinned, they do not.
 *
 * --mixed pairs ours with libzmq instead (ours→theirs and theirs→ours), to
 * show what interop costs. --without zeromqjs leaves zeromq.js out (its
 * column shows "–"), for quicker runs while working on ours. --profile DIR
 * runs our processes with `--cpu-prof` and writes their profiles to DIR.
 *
 *     deno task bench --only floor [--rounds N]
 *
 * What the runtime allows, without this library (bench/_floor.ts): a bare
 * tcp round trip in Deno and in C, and how many messages a second a
 * JavaScript loop awaiting one promise per message can take at best.
 *
 *     deno task bench --only loop [--rounds N]
 *
 * Our sockets' own cost, both sides in one isolate over a byte stream in
 * memory (bench/_loop.ts): steady where the tcp cases are not, so the
 * figures to compare before and after a change on a hot path.
 *
 *     deno task bench --only workers [--sizes 16,1024,65536] [--rounds N]
 *
 * inproc:// across Web Workers (bench/_workers.ts): PUSH→PULL between two
 * Workers over inproc and over tcp, beside zeromq.js's inproc across two
 * Node worker_threads; and a 1 ms-per-request service in 1 and 2 Workers.
 *
 *     deno task bench --only peers [--peers 1000,4000,10000] [--subs 1000] [--transports tcp,ws] [--rounds N] [--idle 40]
 *
 * The many-peers case (bench/_peers.ts): our Router and libzmq's ROUTER
 * each with N libzmq DEALERs (RSS per peer, time to connect and make the
 * first round trip, the second round), beside the floor (a bare Deno server
 * with no library, bench/_peers_bare.ts), and our PUB and libzmq's with 1,000
 * libzmq SUBs (deliveries per second); a count of 0 leaves its case out
 * (`--subs 0`). Over tcp unless told: `--transports tcp,ws` adds the same
 * rows over ws (ZWS 2.0, which Debian's libzmq speaks; the floor does not). The RSS is read again after the
 * peers have been idle for --idle seconds (0 skips it): V8 gives back what
 * a burst grew its young generation to only once its heap has been idle a
 * while. About 5 min at the default counts; a count needing more descriptors than `ulimit -n` allows is skipped with
 * a note (10,000 peers need 10,256 for the server; the C clients raise
 * their own limit to the hard one).
 *
 *     deno task bench --only pgm [--rate 10000] [--sizes 16,1024] [--rounds N]
 *
 * Multicast (bench/_pgm.ts): our PUB → SUB and libzmq's (Debian's pyzmq,
 * with OpenPGM) over epgm:// on loopback at the same rate (kbit/s):
 * messages per second at the SUB, and how many were lost.
 */

import { cpuPlacement, pinned, placementNote } from "./_cpus.ts";
import { Lines } from "./_lines.ts";
import { runFloor } from "./_floor.ts";
import { type PeerTransport, runPeers } from "./_peers.ts";
import { runPgm } from "./_pgm.ts";
import { runWorkers } from "./_workers.ts";

const RUN_TIMEOUT_MS = 60_000;
const here = (path: string) => new URL(path, import.meta.url).pathname;

type Pattern = "push" | "curve" | "pub" | "dealer" | "reqrep";
type Transport = "tcp" | "ipc" | "ws";
type Impl = "ours" | "theirs" | "native";

const args = _parseArgs(Deno.args);
const rounds = Number(args.rounds ?? 3);
const only = args.only?.split(",") ??
  [
    "push",
    "curve",
    "pub",
    "dealer",
    "reqrep",
    "floor",
    "loop",
    "workers",
    "peers",
    "pgm",
  ];
const patterns = only.filter((name) =>
  !["peers", "workers", "pgm", "floor", "loop"].includes(name)
) as Pattern[];
const sizes = args.sizes?.split(",").map(Number) ?? [16, 1024, 65536, 1048576];
const transports =
  (args.transports?.split(",") ?? ["tcp", "ipc"]) as Transport[];
const withZeromqjs = args.without !== "zeromqjs";
const placement = await cpuPlacement(args.cpus);
const profile = args.profile
  ? ["--cpu-prof", `--cpu-prof-dir=${args.profile}`]
  : [];

/**
 * Message counts per size: enough that each run lasts about a second or more
 * for the faster side, so what is measured is the steady state rather than
 * start-up and the JIT's warm-up (which 300k 16 B messages were mostly; at
 * 3M, native libzmq's 5–6M msg/s lasted half a second, and ours measured
 * 0.72–0.74 of it against 0.85–0.97 over 10M). A run with zeromq.js takes
 * `zeromqjs` messages where it is given: 3M of them last 14 s.
 */
const COUNTS: Record<
  number,
  { throughput: number; latency: number; zeromqjs?: number }
> = {
  16: { throughput: 10_000_000, latency: 20_000, zeromqjs: 3_000_000 },
  1024: { throughput: 1_000_000, latency: 20_000 },
  65536: { throughput: 40_000, latency: 5_000 },
  1048576: { throughput: 3_000, latency: 500 },
};

const nativeDir = Deno.makeTempDirSync({ prefix: "zmtp-native-" });
const native = await _buildNative(`${nativeDir}/native`);

const commands: Record<Impl, { command: string; args: string[] }> = {
  native: { command: `${nativeDir}/native`, args: [] },
  ours: {
    command: Deno.execPath(),
    args: ["run", "-A", ...profile, here("_ours.ts")],
  },
  theirs: { command: "node", args: [here("_zeromqjs.cjs")] },
};

interface Result {
  value: number;
  rssA: number;
  rssB: number;
}

let ipcCounter = 0;
const ipcDir = Deno.makeTempDirSync({ prefix: "zmtp-bench-" });

async function run(
  pattern: Pattern,
  transport: Transport,
  size: number,
  a: Impl,
  b: Impl,
): Promise<Result> {
  const counts = COUNTS[size];
  const count = pattern === "reqrep"
    ? counts.latency
    : a === "theirs" || b === "theirs"
    ? counts.zeromqjs ?? counts.throughput
    : counts.throughput;
  const anyPort = a === "ours" ? "0" : "*";
  const bindTo = transport === "ipc"
    ? `ipc://${ipcDir}/${++ipcCounter}.sock`
    : transport === "ws"
    ? `ws://127.0.0.1:${anyPort}/bench`
    : `tcp://127.0.0.1:${anyPort}`;
  const [commandA, ...argsA] = pinned(placement, "a", [
    commands[a].command,
    ...commands[a].args,
  ]);
  const sideA = new Deno.Command(commandA, {
    args: [...argsA, pattern, "a", bindTo, String(count), String(size)],
    stdin: "null",
    stdout: "piped",
  }).spawn();
  const linesA = new Lines(sideA.stdout);
  const endpoint = String(await linesA.until("endpoint"));
  const [commandB, ...argsB] = pinned(placement, "b", [
    commands[b].command,
    ...commands[b].args,
  ]);
  const sideB = new Deno.Command(commandB, {
    args: [...argsB, pattern, "b", endpoint, String(count), String(size)],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const linesB = new Lines(sideB.stdout);
  const stdin = sideB.stdin.getWriter();
  const say = (line: string) =>
    stdin.write(new TextEncoder().encode(`${line}\n`));
  // A run that stalls is killed and reported, not waited for.
  const timer = setTimeout(() => {
    for (const child of [sideA, sideB]) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }, RUN_TIMEOUT_MS);
  try {
    if (pattern === "pub") await linesA.until("ready");
    await say("go");
    const value = Number(
      pattern === "reqrep"
        ? await linesB.until("latency")
        : await linesA.until("rate"),
    );
    await say("done");
    await stdin.close();
    const [rssA, rssB] = await Promise.all([
      linesA.until("peakRss"),
      linesB.until("peakRss"),
    ]);
    return { value, rssA: Number(rssA), rssB: Number(rssB) };
  } catch {
    return { value: NaN, rssA: NaN, rssB: NaN };
  } finally {
    clearTimeout(timer);
    await stdin.close().catch(() => {});
    await Promise.all([sideA.status, sideB.status]);
  }
}

const median = (values: number[]) =>
  values.toSorted((x, y) => x - y)[Math.floor(values.length / 2)];
const sizeName = (size: number) =>
  size >= 1048576
    ? `${size / 1048576} MiB`
    : size >= 1024
    ? `${size / 1024} KiB`
    : `${size} B`;
const formatValue = (pattern: Pattern, size: number, value: number) =>
  Number.isNaN(value)
    ? "stalled"
    : pattern === "reqrep"
    ? `${value.toFixed(0)} µs`
    : size >= 65536
    ? `${(value * size / 1e9).toFixed(2)} GB/s`
    : `${(value / 1e6).toFixed(2)}M msg/s`;
const mib = (bytes: number) => `${Math.round(bytes / 1048576)}`;
const NAMES: Record<Pattern, string> = {
  push: "PUSH→PULL",
  curve: "PUSH→PULL CURVE",
  pub: "PUB→SUB",
  dealer: "DEALER→ROUTER",
  reqrep: "REQ/REP rtt",
};

const pairs: [string, Impl, Impl, string, Impl, Impl][] =
  args.mixed !== undefined
    ? [["ours→theirs", "theirs", "ours", "theirs→ours", "ours", "theirs"]]
    : [["ours", "ours", "ours", "zeromq.js", "theirs", "theirs"]];

if (patterns.length > 0) {
  console.log(
    `@zmtp/zmq (Deno ${Deno.version.deno}), zeromq.js 6.8.0 (Node)${
      native ? " and native libzmq (C)" : ""
    }, ${navigator.hardwareConcurrency} cores, ` +
      `${rounds} rounds, medians${
        args.mixed !== undefined ? ", mixed pairs" : ""
      }${placementNote(placement)}`,
  );
  const [[left, , , right]] = pairs;
  // Native libzmq has no ws here (Debian builds it without the draft API),
  // and mixed runs compare ours with zeromq.js only.
  const withNative = native && args.mixed === undefined;
  console.log(
    `| case | size | transport | ${left} | ${right} | ratio | ${
      withNative ? "native libzmq | ours/native | " : ""
    }peak RSS MiB ${left} (a/b) | ${right} (a/b) |`,
  );
  console.log(`|${" --- |".repeat(withNative ? 10 : 8)}`);
  for (const pattern of patterns) {
    for (const size of sizes) {
      for (const transport of transports) {
        for (const [, leftA, leftB, , rightA, rightB] of pairs) {
          const leftResults: Result[] = [];
          const rightResults: Result[] = [];
          const nativeResults: Result[] = [];
          const nativeHere = withNative && transport !== "ws";
          for (let round = 0; round < rounds; round++) {
            // In mixed mode "ours→theirs" means we send: side b is the sender.
            leftResults.push(await run(pattern, transport, size, leftA, leftB));
            if (withZeromqjs) {
              rightResults.push(
                await run(pattern, transport, size, rightA, rightB),
              );
            }
            if (nativeHere) {
              nativeResults.push(
                await run(pattern, transport, size, "native", "native"),
              );
            }
          }
          const l = median(leftResults.map((r) => r.value));
          const r = withZeromqjs
            ? median(rightResults.map((r) => r.value))
            : NaN;
          const n = nativeHere
            ? median(nativeResults.map((r) => r.value))
            : NaN;
          const peak = (results: Result[]) =>
            results.length === 0
              ? "–"
              : `${mib(Math.max(...results.map((x) => x.rssA)))}/${
                mib(Math.max(...results.map((x) => x.rssB)))
              }`;
          const nativeColumns = !withNative
            ? ""
            : nativeHere
            ? `${formatValue(pattern, size, n)} | ${(l / n).toFixed(2)} | `
            : "– | – | ";
          console.log(
            `| ${NAMES[pattern]} | ${sizeName(size)} | ${transport} | ${
              formatValue(pattern, size, l)
            } | ${
              withZeromqjs
                ? `${formatValue(pattern, size, r)} | ${(l / r).toFixed(2)}`
                : "– | –"
            } | ${nativeColumns}${peak(leftResults)} | ${peak(rightResults)} |`,
          );
        }
      }
    }
  }
}
Deno.removeSync(ipcDir, { recursive: true });
Deno.removeSync(nativeDir, { recursive: true });
if (only.includes("floor")) await runFloor(rounds, placement);
if (only.includes("loop")) {
  // Its own process: the driver's heap and timers stay out of the figures.
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", here("_loop.ts"), String(Math.max(rounds, 3))],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
}
if (only.includes("workers")) {
  await runWorkers(
    args.sizes?.split(",").map(Number) ?? [16, 1024, 65536],
    rounds,
  );
}
if (only.includes("pgm")) {
  await runPgm(
    args.sizes?.split(",").map(Number) ?? [16, 1024],
    rounds,
    Number(args.rate ?? 10_000),
  );
}
if (only.includes("peers")) {
  await runPeers({
    // A count of 0 leaves that case out (`--subs 0`: no PUB run).
    peers: _counts(args.peers, [1000, 4000, 10000]),
    subs: _counts(args.subs, [1000]),
    // One round unless told: each 10,000-peer run takes tens of seconds.
    rounds: Number(args.rounds ?? 1),
    idleSeconds: Number(args.idle ?? 40),
    transports: _peerTransports(args.transports),
  });
}

/** The transports `--transports` names for the peers case: tcp unless told. */
function _peerTransports(text: string | undefined): PeerTransport[] {
  if (text === undefined) return ["tcp"];
  const names = text.split(",").map((name) => name.trim());
  const left = names.filter((name) => name !== "tcp" && name !== "ws");
  // Other cases take ipc too, in the same run: said, not refused.
  if (left.length > 0) {
    console.error(`the peers case runs over tcp and ws: ${left} left out`);
  }
  return names.filter((name): name is PeerTransport =>
    name === "tcp" || name === "ws"
  );
}

/** The counts a comma-separated argument names, but zeros. */
function _counts(text: string | undefined, otherwise: number[]): number[] {
  return text?.split(",").map(Number).filter((n) => n > 0) ?? otherwise;
}

/**
 * Builds bench/native.c against the system's libzmq; says how to get it
 * when gcc or libzmq3-dev is missing (the bench downloads nothing).
 */
async function _buildNative(out: string): Promise<boolean> {
  try {
    const { success, stderr } = await new Deno.Command("gcc", {
      args: ["-O2", "-o", out, here("native.c"), "-lzmq"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (success) return true;
    console.error(new TextDecoder().decode(stderr).split("\n")[0]);
  } catch {
    // No gcc.
  }
  console.error(
    "no native libzmq column: install it with `apt-get install -y libzmq3-dev gcc`",
  );
  return false;
}

function _parseArgs(list: string[]): Record<string, string | undefined> {
  // The flags the header comment describes: any other is a mistake.
  const known = [
    "rounds",
    "mixed",
    "only",
    "sizes",
    "transports",
    "without",
    "cpus",
    "profile",
    "peers",
    "subs",
    "idle",
    "rate",
  ];
  const parsed: Record<string, string | undefined> = {};
  for (let i = 0; i < list.length; i++) {
    const name = list[i].replace(/^--/, "");
    if (list[i] === "--help" || list[i] === "-h") {
      // The usage is the header comment's, whose lines start with " * ".
      const source = Deno.readTextFileSync(new URL(import.meta.url));
      const header = source.slice(0, source.indexOf("*/"));
      console.log(header.replace(/^\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
      Deno.exit(0);
    }
    // A mistyped flag (--round 1) would start the whole run, minutes long.
    if (!list[i].startsWith("--") || !known.includes(name)) {
      console.error(
        `bench: unknown argument "${list[i]}"; deno task bench --help`,
      );
      Deno.exit(2);
    }
    const value = list[i + 1]?.startsWith("--") === false ? list[++i] : "";
    parsed[name] = value;
  }
  return parsed;
}
