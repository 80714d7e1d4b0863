/**
 * The browser examples, run as a reader of the README would: the live feed
 * page (examples/browser/) and the Deno Deploy app (examples/edge_zws.ts),
 * each loaded in headless Chromium.
 */
import { assert } from "@std/assert";
import { Publisher, Subscriber } from "../../mod.ts";
import { browserFeed } from "../../examples/browser/feed.ts";
import { edgeHandler } from "../../examples/edge_zws.ts";
import { launchChromium } from "./_chromium.ts";

Deno.test("examples/browser/feed.ts: the page's Subscriber shows the Publisher's ticks", async () => {
  const stop = new AbortController();
  const listening = Promise.withResolvers<string>();
  const running = browserFeed({
    pagePort: 0,
    endpoint: "ws://127.0.0.1:0/feed",
    onListening: listening.resolve,
    signal: stop.signal,
  });
  try {
    await using browser = await launchChromium();
    const tab = await browser.open(await listening.promise);
    const line = await tab.waitForConsole(
      (line) => line.startsWith("feed: tick"),
      20_000,
    );
    assert(/^feed: tick \d+ at /.test(line), line);
  } finally {
    stop.abort();
    await running;
  }
});

Deno.test("examples/edge_zws.ts: one port serves the page, the bundle and ZeroMQ", async () => {
  await using publisher = new Publisher();
  await using server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, edgeHandler(publisher));
  const origin = `127.0.0.1:${server.addr.port}`;
  // A Deno subscriber through the same route, over our own ws client.
  await using subscriber = new Subscriber();
  subscriber.subscribe("");
  subscriber.connect(`ws://${origin}/zmq`);
  await using browser = await launchChromium();
  const tab = await browser.open(`http://${origin}/`);
  const heard = tab.waitForConsole((line) => line.startsWith("edge:"), 20_000);
  let done = false;
  heard.finally(() => done = true).catch(() => {});
  const received = subscriber.receive({ signal: AbortSignal.timeout(20_000) });
  while (!done) {
    await publisher.send("the edge says hello");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert((await heard).startsWith("edge: the edge says hello"));
  assert(new TextDecoder().decode((await received)[0]).startsWith("the edge"));
});
