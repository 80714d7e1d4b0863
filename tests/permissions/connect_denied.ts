/**
 * A PUSH that connects where this process may not (run with narrow
 * permissions by tests/permissions_test.ts): prints its events, one JSON
 * line each, until the connect is given up.
 *
 * Usage: `deno run --no-prompt --allow-net=127.0.0.1 --allow-read=<repo> tests/permissions/connect_denied.ts <endpoint>`
 *
 * @module
 */

import { Push } from "../../mod.ts";

const push = new Push({ linger: 0 });
push.connect(Deno.args[0]);
for await (const event of push.events) {
  console.log(JSON.stringify(event));
  if (event.type === "connect-abandoned") break;
}
await push.close();
