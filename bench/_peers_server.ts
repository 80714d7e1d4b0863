/**
 * Our side of the many-peers bench (the driver is _peers.ts): one Router
 * bound on tcp, echoing every message to its sender, as a new user would
 * write it. Prints `{"endpoint": ...}`; ends when stdin closes.
 *
 *     deno run -A bench/_peers_server.ts <endpoint>
 *
 * @module
 */
import { Router } from "../mod.ts";

// No cap below `ulimit -n`: the bench skips a count the limit cannot hold.
const router = new Router({ maxConnections: -1 });
await router.bind(Deno.args[0]);
console.log(JSON.stringify({ endpoint: router.lastEndpoint }));
// The driver closes stdin to end the run.
Deno.stdin.readable.pipeTo(new WritableStream()).then(() => Deno.exit(0));
for await (const message of router) await router.send(message);
