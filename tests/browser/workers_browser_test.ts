/**
 * `inproc://` across Web Workers in a real browser: the page shares its
 * context with a Worker (both load the same bundle of `mod.ts`), a REQ in
 * the page talks to a REP in the Worker, and terminating the Worker ends
 * the REQ's pipe (the Web Lock the Worker held comes free).
 *
 * @module
 */

import { bundle } from "./_bundle.ts";
import { expectPageOk } from "./_serve.ts";

const REPORT = "zmq-workers:";

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@zmtp/zmq across Web Workers</title>
<script type="module">
const report = (text) => console.log(${JSON.stringify(REPORT)} + " " + text);
try {
  const zmq = await import("./bundle.js");
  const context = new zmq.Context();
  const worker = new Worker("./worker.js", { type: "module" });
  worker.onerror = (e) => report("FAIL worker: " + e.message);
  await new Promise((resolve) => worker.onmessage = resolve);
  const shared = context.share();
  worker.postMessage(shared, [shared.port]);
  const request = new zmq.Request({ context });
  request.connect("inproc://echo");
  for (const size of [0, 300, 1 << 20]) {
    const body = new Uint8Array(size).map((_, i) => i * 3);
    await request.send([body, "tail"]);
    const [echo, tail] = await request.receive({ signal: AbortSignal.timeout(10000) });
    if (echo.length !== size || echo.some((b, i) => b !== body[i])) {
      throw new Error("the " + size + " B frame came back as " + echo.length + " B");
    }
    if (new TextDecoder().decode(tail) !== "tail") throw new Error("tail lost");
  }
  const disconnected = request.events.wait("disconnected", AbortSignal.timeout(10000));
  worker.terminate();
  await disconnected;
  await context.close();
  report("OK");
} catch (e) {
  report("FAIL " + (e?.stack ?? e));
}
</script>
`;

const WORKER = `import * as zmq from "./bundle.js";
self.onmessage = async (event) => {
  const context = new zmq.Context({ shared: event.data });
  const reply = new zmq.Reply({ context });
  await reply.bind("inproc://echo");
  for await (const message of reply) await reply.send(message);
};
self.postMessage("loaded");
`;

Deno.test("inproc across Web Workers in headless Chromium: REQ in the page, REP in a Worker, the Worker terminated", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zmq_workers_browser_" });
  try {
    const bundlePath = `${dir}/bundle.js`;
    await bundle("mod.ts", bundlePath);
    const script = await Deno.readFile(bundlePath);
    await expectPageOk(
      { "/": PAGE, "/bundle.js": script, "/worker.js": WORKER },
      REPORT,
      60_000,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
