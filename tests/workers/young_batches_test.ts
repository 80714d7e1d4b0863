/**
 * Batches that cross between isolates are collected while young: V8 weighs
 * an isolate's young array buffers against a young collection only when the
 * isolate allocates one, and a buffer transferred in is not allocated
 * there, so the receiving link allocates for it (see `unpackMessages`).
 * Without that, a reader that allocated nothing kept every batch until a
 * full collection (450 MB resident at 64 KiB between two Workers).
 */
import { assertEquals, assertMatch } from "@std/assert";

Deno.test("inproc across isolates: a reader that allocates nothing has V8 collect the batches that came while young", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      "--v8-flags=--trace-gc",
      new URL("./_young_batches.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const decoder = new TextDecoder();
  const output = decoder.decode(stdout);
  assertEquals(code, 0, decoder.decode(stderr));
  assertMatch(output, /^read 8000$/m);
  // 512 MB crossed: eight times the 64 MB of young buffers at which V8
  // collects them, if the isolate allocates one then.
  assertMatch(output, /Scavenge.*external memory pressure/);
});
