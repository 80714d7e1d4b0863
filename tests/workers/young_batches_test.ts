/**
 * What crosses between isolates is collected while young: V8 weighs an
 * isolate's young array buffers against a young collection only when the
 * isolate allocates one, and a buffer transferred in is not allocated
 * there, so the receiving link allocates for it (see `unpackMessages`).
 * Without that, a reader that allocated nothing kept every batch until a
 * full collection (at 64 KiB between two Workers 450 MB resident, and
 * 1.7-2.7 GB where the reader held 30-40 MB of its own).
 */
import { assertEquals, assertMatch } from "@std/assert";
import { outputWithin } from "../_helpers.ts";

/** The trace (stdout) and what the script said (stderr). */
async function _streamed(
  mode: "copied" | "given-up",
): Promise<{ trace: string; said: string }> {
  const { code, stdout, stderr } = await outputWithin(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      "--v8-flags=--trace-gc",
      new URL("./_young_batches.ts", import.meta.url).pathname,
      mode,
    ],
    stdout: "piped",
    stderr: "piped",
  }, 120_000);
  const decoder = new TextDecoder();
  const said = decoder.decode(stderr);
  assertEquals(code, 0, said);
  return { trace: decoder.decode(stdout), said };
}

for (const mode of ["copied", "given-up"] as const) {
  Deno.test(`inproc across isolates, frames ${mode}: a reader that allocates nothing has V8 collect what came while young`, async () => {
    const { trace, said } = await _streamed(mode);
    assertMatch(said, /^read 8000$/m);
    // 512 MB crossed: eight times the 64 MB of young buffers at which V8
    // collects them, if the isolate allocates one then.
    assertMatch(trace, /Scavenge.*external memory pressure/);
  });
}
