/**
 * The floor case of the bench: what this machine and runtime allow,
 * without this library, beside which our figures are read. A bare tcp
 * round trip of 18 bytes (a 16 B frame) in Deno and in C
 * (bench/floor.c, built with gcc where present), and the most messages
 * a second a JavaScript loop that awaits one promise per message can
 * take (bench/_floor_side.ts).
 *
 * @module
 */

import { type CpuPlacement, pinned, placementNote } from "./_cpus.ts";
import { Lines } from "./_lines.ts";

/** Round trips per run: as many as the REQ/REP case makes. */
const ROUND_TRIPS = 20_000;
/** Messages of the await loop per run, as many as 16 B throughput sends. */
const AWAITS = 3_000_000;

const here = (path: string) => new URL(path, import.meta.url).pathname;

/**
 * Runs the floor case and prints its table.
 *
 * @example
 * ```ts ignore
 * await runFloor(3);
 * ```
 *
 * @param rounds Runs of each, whose medians are printed.
 * @param placement Where the server and the client run (see bench/_cpus.ts).
 */
export async function runFloor(
  rounds: number,
  placement: CpuPlacement = "free",
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "zmtp-floor-" });
  const c = `${dir}/floor`;
  const built = await new Deno.Command("gcc", {
    args: ["-O2", "-o", c, here("floor.c")],
    stdout: "null",
    stderr: "null",
  }).output().then((output) => output.success, () => false);
  if (!built) console.log("floor: gcc not found, so no C column");
  const deno = [Deno.execPath(), "run", "-A", here("_floor_side.ts")];
  const rtt = { deno: [] as number[], c: [] as number[] };
  const rates: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      rtt.deno.push(await _roundTrip(deno, placement));
      if (built) rtt.c.push(await _roundTrip([c], placement));
      rates.push(
        Number(
          await _once(
            [...pinned(placement, "a", deno), "await", String(AWAITS)],
            "rate",
          ),
        ),
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  const dc = built
    ? `${_median(rtt.c).toFixed(0)} µs | ${
      (_median(rtt.deno) / _median(rtt.c)).toFixed(2)
    }`
    : "– | –";
  console.log(
    `\nfloor: what the runtime allows, without this library; ${rounds} round(s), medians${
      placementNote(placement)
    }`,
  );
  console.log("| case | Deno | C | Deno/C |");
  console.log("| --- | --- | --- | --- |");
  console.log(
    `| bare tcp round trip, 18 B | ${
      _median(rtt.deno).toFixed(0)
    } µs | ${dc} |`,
  );
  console.log(
    `| a receive loop's ceiling: one awaited promise, one view and one array per 16 B message | ${
      (_median(rates) / 1e6).toFixed(2)
    }M msg/s | – | – |`,
  );
}

/** One bare round-trip run: a server and a client of the same kind. */
async function _roundTrip(
  command: string[],
  placement: CpuPlacement,
): Promise<number> {
  const [serverCommand, ...serverArgs] = pinned(placement, "a", command);
  const server = new Deno.Command(serverCommand, {
    args: [...serverArgs, "server"],
    stdout: "piped",
  }).spawn();
  const lines = new Lines(server.stdout);
  try {
    const port = String(await lines.until("port"));
    const client = pinned(placement, "b", command);
    return Number(
      await _once([...client, "client", port, String(ROUND_TRIPS)], "rtt"),
    );
  } catch (error) {
    // A server still waiting for its client would never end.
    server.kill();
    throw error;
  } finally {
    await lines.drain().catch(() => {});
    await server.status;
  }
}

/** Runs a command to its end and reads `key` from what it printed. */
async function _once(command: string[], key: string): Promise<number> {
  const { stdout, success } = await new Deno.Command(command[0], {
    args: command.slice(1),
    stdout: "piped",
  }).output();
  const line = new TextDecoder().decode(stdout).split("\n")
    .find((text) => text.includes(`"${key}"`));
  if (!success || !line) throw new Error(`${command.join(" ")} failed`);
  return Number(JSON.parse(line)[key]);
}

function _median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
