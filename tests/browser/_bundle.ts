/** Bundling the library for a browser page, as a user would. */

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
  // A timer of our own rather than AbortSignal.timeout, whose timer would
  // outlive the test and trip the sanitizer.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 60_000);
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
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
    signal: abort.signal,
  }).output().finally(() => clearTimeout(timer));
  if (!success) {
    throw new Error(
      `deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`,
    );
  }
}
