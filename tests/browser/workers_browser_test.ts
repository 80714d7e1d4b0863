/**
 * `inproc://` across Web Workers in a real browser: the page shares its
 * context with a Worker (both load the same bundle of `mod.ts`), a REQ in
 * the page talks to a REP in the Worker, and terminating the Worker ends
 * the REQ's pipe (the Web Lock the Worker held comes free); so does a
 * Worker whose context closes, after its last reply.
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
  worker.postMessage({ shared, name: "inproc://echo" }, [shared.port]);
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
  // A second Worker closes its context: its last reply still comes, then
  // our pipe ends.
  const closing = new Worker("./worker.js", { type: "module" });
  await new Promise((resolve) => closing.onmessage = resolve);
  const handle = context.share();
  closing.postMessage({ shared: handle, name: "inproc://closing" }, [handle.port]);
  const last = new zmq.Request({ context });
  last.connect("inproc://closing");
  await last.send("last");
  const gone = last.events.wait("disconnected", AbortSignal.timeout(10000));
  const [reply] = await last.receive({ signal: AbortSignal.timeout(10000) });
  if (new TextDecoder().decode(reply) !== "last") throw new Error("no last reply");
  closing.postMessage("close");
  await gone;
  closing.terminate();
  await context.close();
  report("OK");
} catch (e) {
  report("FAIL " + (e?.stack ?? e));
}
</script>
`;

const WORKER = `import * as zmq from "./bundle.js";
let context;
self.onmessage = async (event) => {
  if (event.data === "close") return void await context.close();
  context = new zmq.Context({ shared: event.data.shared });
  const reply = new zmq.Reply({ context });
  await reply.bind(event.data.name);
  try {
    for await (const message of reply) await reply.send(message);
  } catch {
    // Closed with its context.
  }
};
self.postMessage("loaded");
`;

Deno.test("inproc across Web Workers in headless Chromium: REQ in the page, REP in a Worker, the Worker terminated; another Worker's context closed", async () => {
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
