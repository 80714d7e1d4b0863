/**
 * A live feed in the browser: a Publisher bound on `ws://`, and a small web
 * server for the page (index.html) and the library bundle, whose
 * Subscriber shows what is published.
 *
 *     deno task bundle
 *     deno run --allow-net --allow-read examples/browser/feed.ts
 *     # then open the URL it prints (http://127.0.0.1:8000/?feed=ws://…)
 *
 * @module
 */
import { Publisher } from "@zmtp/zmq";
import { catchInterrupt } from "../_interrupt.ts";
import zmqBundle from "./zmq_bundle.ts";

/** Options for running the feed. */
export interface BrowserFeedOptions {
  /** The page's port. Default 8000; 0 for any. */
  pagePort?: number | undefined;
  /** Where the publisher binds. Default ws://127.0.0.1:8001/feed. */
  endpoint?: string | undefined;
  /** Called once both listen: the page's URL, with the feed's endpoint. */
  onListening?: ((pageUrl: string) => void) | undefined;
  /** Stops the feed when aborted. */
  signal?: AbortSignal | undefined;
}

/** Runs the feed until the signal aborts. */
export async function browserFeed(
  options: BrowserFeedOptions = {},
): Promise<void> {
  const page = await Deno.readFile(new URL("./index.html", import.meta.url));
  await using server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.pagePort ?? 8000,
    onListen() {},
  }, (request) => {
    switch (new URL(request.url).pathname) {
      case "/":
        return new Response(page, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/zmq.js":
        return new Response(zmqBundle, {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      default:
        return new Response("not found", { status: 404 });
    }
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  // This page's, and no other site's the browser visits, may subscribe.
  await using publisher = new Publisher({
    wsOrigins: [origin, `http://localhost:${server.addr.port}`],
  });
  await publisher.bind(options.endpoint ?? "ws://127.0.0.1:8001/feed");
  const feed = encodeURIComponent(publisher.lastEndpoint!);
  const url = `${origin}/?feed=${feed}`;
  (options.onListening ?? ((url) => console.log(`open ${url}`)))(url);
  for (let tick = 1; !options.signal?.aborted; tick++) {
    await publisher.send(`tick ${tick} at ${new Date().toISOString()}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      options.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await browserFeed({ signal: interrupt.signal });
}
