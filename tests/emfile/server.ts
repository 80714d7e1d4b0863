/**
 * An echoing ROUTER for tests/emfile_test.ts, run under a low `ulimit -n`:
 * prints `{"type":"bound","endpoint":…}`, then its accept events, one JSON
 * line each.
 *
 * Usage: `deno run --allow-net=127.0.0.1 tests/emfile/server.ts [maxConnections | default]`
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

// "default": none given, as a program that sets none.
const given = Deno.args[0];
const maxConnections = given === undefined ? -1 : Number(given);
const router = new Router(given === "default" ? {} : { maxConnections });
await router.bind("tcp://127.0.0.1:0");
const print = (line: object): void => console.log(JSON.stringify(line));
const reported = new Set(["accepted", "accept-failed", "accept-refused"]);
(async () => {
  for await (const event of router.events) {
    if (reported.has(event.type)) print(event);
  }
})();
print({ type: "bound", endpoint: router.lastEndpoint });
for await (const message of router) await router.send(message);
