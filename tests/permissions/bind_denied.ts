/**
 * A PULL that binds where this process may not (run with narrow
 * permissions by tests/permissions_test.ts): prints the bind's error code
 * and message as one JSON line.
 *
 * Usage: `deno run --no-prompt --allow-net=127.0.0.1 --allow-read=<repo> tests/permissions/bind_denied.ts <endpoint>`
 *
 * @module
 */

import { Pull, ZmqError } from "../../mod.ts";

const pull = new Pull();
try {
  await pull.bind(Deno.args[0]);
  console.log(JSON.stringify({ bound: pull.lastEndpoint }));
} catch (error) {
  const code = error instanceof ZmqError ? error.code : String(error);
  console.log(JSON.stringify({ code, message: (error as Error).message }));
}
await pull.close();
