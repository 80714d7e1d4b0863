/**
 * A loopback server of a page and its scripts, and a headless Chromium
 * that opens it, for the browser tests.
 *
 * @module
 */

import { assertEquals } from "@std/assert";
import { launchChromium } from "./_chromium.ts";

const TYPES = {
  html: "text/html; charset=utf-8",
  // Module scripts load only with a JavaScript MIME type.
  js: "text/javascript; charset=utf-8",
};

/**
 * Serves `files` on 127.0.0.1 at a free port: `/` is the page, the other
 * keys are paths of scripts; the favicon is answered (so a 404 for it does
 * not clutter a failure's log), anything else is a 404.
 *
 * @param files The page (`/`) and scripts by path, as text or bytes.
 * @param pageHeaders Headers of the page's response besides its type (a
 * Content-Security-Policy, say).
 * @returns The server: dispose of it after the browser, so that its
 * shutdown has no keep-alive connection of the browser's to await.
 */
export function serveFiles(
  files: Record<string, string | Uint8Array<ArrayBuffer>>,
  pageHeaders: Record<string, string> = {},
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (
    request,
  ) => {
    const path = new URL(request.url).pathname;
    if (path === "/favicon.ico") return new Response(null, { status: 204 });
    const body = files[path];
    if (body === undefined) return new Response("not found", { status: 404 });
    return new Response(body, {
      headers: path === "/"
        ? { ...pageHeaders, "content-type": TYPES.html }
        : { "content-type": TYPES.js },
    });
  });
}

/**
 * Opens the page `files` make in headless Chromium and waits for the line
 * it logs starting with `prefix`, which must say `${prefix} OK`.
 *
 * @param files As {@linkcode serveFiles} takes them.
 * @param prefix What the page's report line starts with.
 * @param ms How long the page has.
 * @param pageHeaders As {@linkcode serveFiles} takes them.
 */
export async function expectPageOk(
  files: Record<string, string | Uint8Array<ArrayBuffer>>,
  prefix: string,
  ms: number,
  pageHeaders: Record<string, string> = {},
): Promise<void> {
  await using server = serveFiles(files, pageHeaders);
  // Declared after the server, so disposed before it: the server's
  // shutdown then has no keep-alive connection of the browser's to await.
  await using browser = await launchChromium();
  const tab = await browser.open(`http://127.0.0.1:${server.addr.port}/`);
  const report = await tab.waitForConsole(
    (line) => line.startsWith(prefix),
    ms,
  );
  // On failure, the page's error and what the browser logged around it.
  assertEquals(
    report,
    `${prefix} OK`,
    `the page failed; it logged:\n${tab.log.join("\n")}`,
  );
}
