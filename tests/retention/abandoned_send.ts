/**
 * Run by tests/retention_test.ts with `--v8-flags=--expose-gc`: sends that
 * wait for a peer and are abandoned (timed out, aborted) while another
 * still waits; prints how many of their messages are still held.
 *
 * @module
 */
import { Dealer, ZmqError } from "../../mod.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

// No peer: every send waits; the first, for good.
const dealer = new Dealer();
const waiting = dealer.send("waits for good");
// Watched at once: close() at the end rejects it (ETERM).
waiting.catch(() => {});
dealer.sendTimeout = 1;
const messages: WeakRef<Uint8Array>[] = [];
const codes: string[] = [];
// In a function that returns: nothing of ours keeps the frame.
async function abandon(how: "timeout" | "abort"): Promise<void> {
  const frame = new Uint8Array(1024);
  messages.push(new WeakRef(frame));
  const options = how === "abort" ? { signal: AbortSignal.timeout(1) } : {};
  await dealer.send(frame, options).catch((error) =>
    codes.push(error instanceof ZmqError ? error.code : error.name)
  );
}
for (let i = 0; i < 5; i++) {
  await abandon("timeout");
  await abandon("abort");
}
for (let i = 0; i < 5; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({
  abandoned: [...new Set(codes)].sort(),
  held: messages.filter((message) => message.deref() !== undefined).length,
}));
await dealer.close();
