/**
 * The workers case of the bench (`deno task bench --only workers`):
 * `inproc://` across Web Workers, in the same run as
 *
 * - PUSH→PULL across two of our Workers over `inproc://` (the same bytes
 *   sent each time, copied across; a fresh buffer per send, copied; and a
 *   fresh buffer per send, given up and transferred) and over tcp loopback
 *   (the same two Workers' sockets, one process), and zeromq.js's
 *   PUSH→PULL over `inproc://` across two Node `worker_threads`, and the
 *   platform's own ceiling, bare `MessageChannel` messages between two
 *   Workers batched as our link batches (bench/_workers_bare.ts), at each
 *   size: messages per second, timed first → last at the PULL;
 * - a service that spins the CPU for 1 ms per request, as REPs in 1 and 2
 *   Workers behind a ROUTER/DEALER proxy in the main isolate, driven by
 *   libzmq clients in another process over tcp (peers.c in C where gcc and
 *   libzmq3-dev are, else zeromq.js's REQs under Node): requests per second.
 *
 * @module
 */

import { Context, Dealer, proxy, Router } from "../mod.ts";
import type { BareCommand } from "./_workers_bare.ts";
import type { SideCommand } from "./_workers_side.ts";

/**
 * Messages per run, by size: a second or more of ours, the bench's rule for
 * the faster side, as V8's compiling three isolates' worth of the library
 * in the background weighs on shorter runs (at 400,000 messages of 1 KiB,
 * a third of a second, across Workers read 1.33M msg/s and tcp 1.05M; at
 * 2,000,000, 2.0-2.4M and 1.5-1.7M).
 */
const COUNTS: Record<number, { ours: number; zeromqjs?: number }> = {
  // zeromq.js's side does 16 B at a tenth of our rate, and at 1 KiB and up
  // it crashes: its runs are shorter.
  16: { ours: 4_000_000, zeromqjs: 1_000_000 },
  1024: { ours: 2_000_000, zeromqjs: 400_000 },
  65536: { ours: 60_000 },
  1048576: { ours: 1_000 },
};
/** How long the service case's clients ask, per run. */
const SERVICE_MS = 3000;
/** The service case's clients: enough to keep two Workers busy. */
const SERVICE_CLIENTS = 16;
/** A zeromq.js run that takes longer is killed and printed as failed. */
const ZEROMQJS_TIMEOUT_MS = 60_000;
/** A run of ours that takes longer has lost a message: the bench stops. */
const OURS_TIMEOUT_MS = 120_000;

const here = (path: string) => new URL(path, import.meta.url).pathname;

interface Side {
  worker: Worker;
  next(op: string): Promise<Record<string, unknown>>;
}

/** Starts a Worker of `module` and waits until it says it has loaded. */
async function _loaded(module: string): Promise<Side> {
  const worker = new Worker(new URL(module, import.meta.url), {
    type: "module",
  });
  const replies: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  worker.onmessage = (event) => {
    replies.push(event.data);
    wake?.();
  };
  const next = async (op: string) => {
    for (;;) {
      const index = replies.findIndex((reply) => reply.op === op);
      if (index >= 0) return replies.splice(index, 1)[0];
      await new Promise<void>((resolve) => wake = resolve);
    }
  };
  await next("loaded");
  return { worker, next };
}

async function _side(
  context: Context,
  command: Omit<Extract<SideCommand, { op: "start" }>, "op" | "shared">,
): Promise<Side> {
  const side = await _loaded("./_workers_side.ts");
  const shared = context.share();
  side.worker.postMessage({ op: "start", shared, ...command }, [shared.port]);
  return side;
}

async function _stop(sides: Side[]): Promise<void> {
  for (const side of sides) side.worker.postMessage({ op: "stop" });
  await Promise.all(sides.map((side) => side.next("stopped")));
  for (const side of sides) side.worker.terminate();
}

/** Ours: PUSH→PULL across two Workers over `endpoint`. */
async function _oursThroughput(
  endpoint: string,
  size: number,
  buffers: "same" | "fresh" | "given up" = "same",
): Promise<number> {
  const context = new Context();
  const count = COUNTS[size]?.ours ?? 10_000;
  const fresh = buffers !== "same";
  const transfer = buffers === "given up";
  const command = { count, size, workMs: 0, fresh, transfer };
  const pull = await _side(context, { role: "pull", endpoint, ...command });
  const { endpoint: bound } = await pull.next("bound");
  const push = await _side(context, {
    role: "push",
    endpoint: String(bound),
    ...command,
  });
  // A message lost would leave the PULL waiting: told, not a hang.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const { rate, wrong } = await Promise.race([
    pull.next("rate"),
    new Promise<never>((_, reject) =>
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `ours over ${endpoint}, ${size} B (${buffers}): ${count} messages did not all arrive in ${
                OURS_TIMEOUT_MS / 1000
              } s`,
            ),
          ),
        OURS_TIMEOUT_MS,
      )
    ),
  ]).finally(() => clearTimeout(timer));
  if (wrong !== 0) {
    throw new Error(
      `ours over ${endpoint}, ${size} B (${buffers}): ${wrong} of ${count} messages arrived not as sent`,
    );
  }
  await _stop([push, pull]);
  await context.close();
  return Number(rate);
}

/**
 * The platform: bare `MessageChannel` messages between two Workers, batched
 * as our link batches (bench/_workers_bare.ts), the better of two batches
 * in flight and as many as our link's credit allows: more carry more 16 B
 * messages (16M against 8M a second) but fewer of 1 KiB (3.4M against
 * 4.0–5.6M), whose fresh memory in flight then grows.
 */
async function _bareThroughput(size: number): Promise<number> {
  return Math.max(
    await _bareRun(size, 2),
    await _bareRun(size, undefined),
  );
}

async function _bareRun(
  size: number,
  batchesInFlight: number | undefined,
): Promise<number> {
  const count = COUNTS[size]?.ours ?? 10_000;
  const start = async (command: BareCommand) => {
    const side = await _loaded("./_workers_bare.ts");
    side.worker.postMessage(command, [command.port]);
    return side;
  };
  const channel = new MessageChannel();
  const receiver = await start({
    role: "receive",
    port: channel.port2,
    count,
    size,
  });
  const sender = await start({
    role: "send",
    port: channel.port1,
    count,
    size,
    batchesInFlight,
  });
  const { rate } = await receiver.next("rate");
  sender.worker.terminate();
  receiver.worker.terminate();
  return Number(rate);
}

async function _zeromqjsThroughput(size: number): Promise<number> {
  const counts = COUNTS[size];
  const count = counts?.zeromqjs ?? counts?.ours ?? 10_000;
  const child = new Deno.Command("node", {
    args: [here("_zeromqjs_workers.cjs"), String(count), String(size)],
    stdout: "piped",
    stderr: "null",
    signal: AbortSignal.timeout(ZEROMQJS_TIMEOUT_MS),
  }).spawn();
  const { stdout, success } = await child.output();
  const line = new TextDecoder().decode(stdout).trim().split("\n").pop();
  // A crash (zeromq.js corrupts memory at 1 KiB and up across threads).
  if (!success || !line) return NaN;
  return Number(JSON.parse(line).rate);
}

/** The service behind a proxy, with `replicas` Workers: requests per second. */
async function _service(
  replicas: number,
  clientsBinary: string | undefined,
): Promise<number> {
  const context = new Context();
  const clients = new Router({ context });
  await clients.bind("tcp://127.0.0.1:0");
  const workers = new Dealer({ context });
  await workers.bind("inproc://service");
  const stop = new AbortController();
  const proxying = proxy(clients, workers, { signal: stop.signal });
  const sides: Side[] = [];
  for (let i = 0; i < replicas; i++) {
    const side = await _side(context, {
      role: "service",
      endpoint: "inproc://service",
      count: 0,
      size: 0,
      workMs: 1,
    });
    await side.next("bound");
    sides.push(side);
  }
  const asked = [clients.lastEndpoint!, String(SERVICE_CLIENTS)];
  const { stdout } = await new Deno.Command(clientsBinary ?? "node", {
    args: clientsBinary
      ? ["requesters", ...asked, String(SERVICE_MS)]
      : [here("_zeromqjs_clients.cjs"), ...asked, String(SERVICE_MS)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  stop.abort();
  await proxying;
  await _stop(sides);
  await context.close();
  const line = new TextDecoder().decode(stdout).trim().split("\n").pop()!;
  return Number(JSON.parse(line).rate);
}

const _median = (values: number[]) =>
  values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];

const _rate = (value: number) =>
  Number.isNaN(value)
    ? "crashed"
    : value >= 1e6
    ? `${(value / 1e6).toFixed(2)}M msg/s`
    : value >= 1e4
    ? `${(value / 1e3).toFixed(0)}k msg/s`
    : `${value.toFixed(0)} msg/s`;

/**
 * Runs every row and prints markdown tables.
 *
 * @param sizes Message sizes for the PUSH→PULL rows.
 * @param rounds Runs per cell (medians are printed).
 * @returns Nothing; the tables go to stdout.
 * @example
 * ```ts ignore
 * await runWorkers([16, 1024, 65536], 3);
 * ```
 */
export async function runWorkers(
  sizes: number[],
  rounds: number,
): Promise<void> {
  console.log(
    `\nworkers: PUSH→PULL across two Workers, ${rounds} round(s), medians`,
  );
  console.log(
    "| size | ours, inproc | ours, tcp | zeromq.js, inproc across worker_threads | ours/zeromq.js | inproc/tcp | the platform: bare MessageChannel | inproc/platform |\n| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  const rows: [number, number, number, number][] = [];
  for (const size of sizes) {
    const inproc: number[] = [];
    const fresh: number[] = [];
    const givenUp: number[] = [];
    const tcp: number[] = [];
    const theirs: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round++) {
      inproc.push(await _oursThroughput("inproc://bench", size));
      fresh.push(await _oursThroughput("inproc://bench", size, "fresh"));
      givenUp.push(await _oursThroughput("inproc://bench", size, "given up"));
      tcp.push(await _oursThroughput("tcp://127.0.0.1:0", size));
      theirs.push(await _zeromqjsThroughput(size));
      bare.push(await _bareThroughput(size));
    }
    // zeromq.js's crashed runs are counted, not medianed.
    const ran = theirs.filter((rate) => !Number.isNaN(rate));
    const crashed = theirs.length - ran.length;
    const [a, b] = [_median(inproc), _median(tcp)];
    const c = ran.length > 0 ? _median(ran) : NaN;
    rows.push([size, _median(fresh), _median(givenUp), c]);
    const crashes = crashed > 0 && ran.length > 0
      ? ` (${crashed} of ${theirs.length} runs crashed)`
      : "";
    console.log(
      `| ${size} B | ${_rate(a)} | ${_rate(b)} | ${_rate(c)}${crashes} | ${
        Number.isNaN(c) ? "–" : (a / c).toFixed(2)
      } | ${(a / b).toFixed(2)} | ${_rate(_median(bare))} | ${
        (a / _median(bare)).toFixed(2)
      } |`,
    );
  }
  console.log(
    "\nthe same, a fresh buffer per send (as zeromq.js's side sends): copied, or given up (`send(…, { transfer: true })`)\n| size | ours, fresh, copied | ours, fresh, given up | given up/copied | zeromq.js | given up/zeromq.js |\n| --- | --- | --- | --- | --- | --- |",
  );
  for (const [size, f, g, c] of rows) {
    console.log(
      `| ${size} B | ${_rate(f)} | ${_rate(g)} | ${(g / f).toFixed(2)} | ${
        _rate(c)
      } | ${Number.isNaN(c) ? "–" : (g / c).toFixed(2)} |`,
    );
  }
  const dir = Deno.makeTempDirSync({ prefix: "zmtp-workers-" });
  const binary = `${dir}/peers`;
  const built = await new Deno.Command("gcc", {
    args: ["-O2", "-o", binary, here("peers.c"), "-lzmq"],
    stdout: "null",
    stderr: "null",
  }).output().then((output) => output.success, () => false);
  const one: number[] = [];
  const two: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      one.push(await _service(1, built ? binary : undefined));
      two.push(await _service(2, built ? binary : undefined));
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  const [a, b] = [_median(one), _median(two)];
  const clients = built
    ? "libzmq DEALERs in C (bench/peers.c)"
    : "libzmq REQs under Node (zeromq.js; `apt-get install -y libzmq3-dev gcc` for the C ones)";
  console.log(
    `\nservice: 1 ms of CPU per request, REPs in Workers behind a ROUTER/DEALER proxy, ${SERVICE_CLIENTS} ${clients} over tcp, each with one request out at a time\n| Workers | requests/s | against 1 |\n| --- | --- | --- |\n| 1 | ${
      a.toFixed(0)
    } | 1.00 |\n| 2 | ${b.toFixed(0)} | ${(b / a).toFixed(2)} |`,
  );
}
