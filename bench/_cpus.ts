/**
 * Where the bench's two processes run, for `--cpus same|split`: both on one
 * core, or one on each of two. A round trip between two processes costs
 * mostly the wake-up of the other side, and on a small VM that depends on
 * where the scheduler put it: on this project's 2-core machine a bare C
 * round trip took 17–20 µs on one core and 97–100 µs across two, so an unpinned
 * run measures the scheduler's choice as much as the code. Pinned with
 * Linux's `taskset` (util-linux), which the bench only uses, never installs.
 *
 * @module
 */

/** Unpinned (the scheduler decides), both on one core, or one on each. */
export type CpuPlacement = "free" | "same" | "split";

/**
 * The placement `--cpus` asks for, checked: `free` when not given, or when
 * `taskset` is missing or cannot run a process on a core the placement
 * needs (said so).
 *
 * @example
 * ```ts ignore
 * const placement = await cpuPlacement("split");
 * ```
 *
 * @param value What followed `--cpus`, if it was given.
 * @returns The placement to run with.
 */
export async function cpuPlacement(
  value: string | undefined,
): Promise<CpuPlacement> {
  if (value === undefined) return "free";
  if (value !== "same" && value !== "split") {
    throw new Error(`--cpus takes "same" or "split", not "${value}"`);
  }
  // Each core the placement uses must take a process: a container may
  // allow fewer cores than the machine has.
  for (const core of value === "split" ? ["0", "1"] : ["0"]) {
    const runs = await new Deno.Command("taskset", {
      args: ["-c", core, "true"],
      stdout: "null",
      stderr: "null",
    }).output().then((output) => output.success, () => false);
    if (!runs) {
      console.error(
        `--cpus ${value}: taskset (util-linux) cannot run a process on core ${core} here, so unpinned`,
      );
      return "free";
    }
  }
  return value;
}

/**
 * A command run on the core its side gets: side "a" (the one that binds or
 * serves) on core 0, side "b" on core 0 (`same`) or core 1 (`split`).
 *
 * @example
 * ```ts ignore
 * pinned("split", "b", ["node", "peer.cjs"]); // ["taskset", "-c", "1", "node", "peer.cjs"]
 * ```
 *
 * @param placement The placement.
 * @param side Which of the two processes this is.
 * @param command The command and its arguments.
 * @returns The command to run, with `taskset` ahead of it when pinned.
 */
export function pinned(
  placement: CpuPlacement,
  side: "a" | "b",
  command: string[],
): string[] {
  if (placement === "free") return command;
  const core = placement === "split" && side === "b" ? "1" : "0";
  return ["taskset", "-c", core, ...command];
}

/**
 * The placement, as the bench's headings say it.
 *
 * @example
 * ```ts ignore
 * placementNote("same"); // ", both processes on core 0"
 * ```
 *
 * @param placement The placement.
 * @returns A clause to append to a heading, empty when unpinned.
 */
export function placementNote(placement: CpuPlacement): string {
  return placement === "same"
    ? ", both processes on core 0"
    : placement === "split"
    ? ", processes on cores 0 and 1"
    : "";
}
