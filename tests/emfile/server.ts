/**
 * An echoing ROUTER for tests/emfile_test.ts, run under a low `ulimit -n`:
 * prints `{"type":"bound","endpoint":…}`, then its accept events, one JSON
 * line each.
 *
 * Usage: `deno run --allow-net=127.0.0.1 tests/emfile/server.ts [maxConnections | default | default-two]`
 *
 * @module
 */

import { Router } from "../../mod.ts";

// Deno 2.9.6 sets up its signal handling lazily, a few hundred ms after
// start, and panics ("Too many open files" in ext/signals) if no descriptor
// is left then; a test floods us sooner, so set it up now.
const noop = (): void => {};
Deno.addSignalListener("SIGTERM", noop);
Deno.removeSignalListener("SIGTERM", noop);

// "default": none given, as a program that sets none; "default-two": two
// such Routers, each bound and printed.
const given = Deno.args[0];
const maxConnections = given === undefined ? -1 : Number(given);
const byDefault = given?.startsWith("default") ?? false;
const print = (line: object): void => console.log(JSON.stringify(line));
const reported = new Set(["accepted", "accept-failed", "accept-refused"]);
const routers = Array.from(
  { length: given === "default-two" ? 2 : 1 },
  () => new Router(byDefault ? {} : { maxConnections }),
);
for (const router of routers) {
  await router.bind("tcp://127.0.0.1:0");
  (async () => {
    for await (const event of router.events) {
      if (reported.has(event.type)) print(event);
    }
  })();
}
for (const router of routers) {
  print({ type: "bound", endpoint: router.lastEndpoint });
}
await Promise.all(routers.map(async (router) => {
  for await (const message of router) await router.send(message);
}));
