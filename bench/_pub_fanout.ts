/**
 * Our publisher in the many-peers bench (the driver is _peers.ts): one
 * Publisher bound on tcp with default high-water marks (lossy, as libzmq's
 * PUB), sending 1-byte warm-up messages every 10 ms until "go" on stdin,
 * then 16-byte messages as fast as it can until "done", when it prints
 * `{"sent": messagesPerSecond}`.
 *
 *     deno run -A bench/_pub_fanout.ts <endpoint>
 *
 * @module
 */
import { Publisher } from "../mod.ts";

const BATCH = 1000;
// No cap below `ulimit -n`: the bench skips a count the limit cannot hold.
const publisher = new Publisher({ maxConnections: -1 });
await publisher.bind(Deno.args[0]);
console.log(JSON.stringify({ endpoint: publisher.lastEndpoint }));

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  .getReader();
let received = "";
/** Resolves when stdin has had `count` lines. */
async function lineCount(count: number): Promise<void> {
  while (received.split("\n").length <= count) {
    const { value, done } = await lines.read();
    if (done) Deno.exit(0);
    received += value;
  }
}

const warmUp = setInterval(() => publisher.send("w"), 10);
await lineCount(1); // "go"
clearInterval(warmUp);
let done = false;
lineCount(2).then(() => done = true);
const message = new Uint8Array(16).fill(0x6d);
const started = performance.now();
let sent = 0;
// A send never waits on a PUB, so the loop gives the event loop a turn per
// batch (without one nothing would reach the sockets); a message port turns
// it in microseconds where a 0 ms timer is clamped to milliseconds.
const channel = new MessageChannel();
const turn = () =>
  new Promise((resolve) => {
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(0);
  });
while (!done) {
  for (let i = 0; i < BATCH; i++) publisher.send(message);
  sent += BATCH;
  await turn();
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ sent: sent / seconds }));
Deno.exit(0);
