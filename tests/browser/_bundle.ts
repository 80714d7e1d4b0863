/** Bundling the library for a browser page, as a user would. */

import { outputWithin } from "../_helpers.ts";

export const ROOT: URL = new URL("../../", import.meta.url);

/**
 * Bundles `entry` (relative to the repository) for browsers, into `out`:
 * an ES module, or with `"iife"` a classic script.
 */
export async function bundle(
  entry: string,
  out: string,
  format: "esm" | "iife" = "esm",
): Promise<void> {
  const { success, stderr } = await outputWithin(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      "--format",
      format,
      entry,
      "-o",
      out,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }, 60_000);
  if (!success) {
    throw new Error(
      `deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`,
    );
  }
}
