/**
 * One of our sockets in a process of its own, for tests that kill it:
 *
 *     deno run -A tests/peer/ours_peer.ts push-connect <endpoint> <label>
 *     deno run -A tests/peer/ours_peer.ts pub-bind <endpoint> <label>
 *
 * Sends "<label> <n>" for n = 1, 2, … every millisecond until killed,
 * and prints "ready" once bound or connecting.
 */
import { Publisher, Push } from "../../mod.ts";

const [mode, endpoint, label] = Deno.args;
const socket = mode === "pub-bind" ? new Publisher() : new Push();
if (mode === "pub-bind") await socket.bind(endpoint);
else socket.connect(endpoint);
console.log("ready");
for (let n = 1;; n++) {
  await socket.send(`${label} ${n}`);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
