/**
 * Where the bench's two processes run, for `--cpus same|split`: both on one
 * core, or one on each of two. A round trip between two processes costs
 * mostly the wake-up of the other side, and on a small VM that depends on
 * where the scheduler put it: on this project's 2-core machine a bare C
 * round trip took 20 µs on one core and 100 µs across two, so an unpinned
 * run measures the scheduler's choice as much as the code. Pinned with
 * Linux's `taskset` (util-linux), which the bench only uses, never installs.
 *
 * @module
 */

/** Unpinned (the scheduler decides), both on one core, or one on each. */
export type CpuPlacement = "free" | "same" | "split";

/**
 * The placement `--cpus` asks for, checked: `free` when not given, or when
 * `taskset` is missing or there is only one core to split over (said so).
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
  const found = await new Deno.Command("taskset", {
    args: ["-c", "0", "true"],
    stdout: "null",
    stderr: "null",
  }).output().then((output) => output.success, () => false);
  if (!found) {
    console.error("--cpus: no taskset here (util-linux), so unpinned");
    return "free";
  }
  if (value === "split" && navigator.hardwareConcurrency < 2) {
    console.error("--cpus split: one core only, so unpinned");
    return "free";
  }
  return value;
}

/**
 * A command run on the core its side gets: side "a" (the one that binds or
 * serves) on core 0, side "b" on core 0 (`same`) or core 1 (`split`).
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
