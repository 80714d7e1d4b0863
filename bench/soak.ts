/**
 * Soak: millions of messages from a libzmq sender (zeromq.js under Node,
 * bench/_zeromqjs.cjs) into our receiver over tcp, for PUSH→PULL,
 * PUB→SUB and DEALER→ROUTER, printing throughput and our RSS at intervals:
 * after warm-up the RSS must stay flat.
 *
 *     deno task soak [--count 10000000] [--size 16] [--only push,pub,dealer]
 */
import { Pull, Router, type Socket, Subscriber } from "../mod.ts";

const args: Record<string, string> = {};
for (let i = 0; i < Deno.args.length; i += 2) {
  args[Deno.args[i].replace(/^--/, "")] = Deno.args[i + 1];
}
const count = Number(args.count ?? 10_000_000);
const size = Number(args.size ?? 16);
const patterns = (args.only ?? "push,pub,dealer").split(",");
const interval = Math.max(Math.floor(count / 10), 1);
const sender = new URL("./_zeromqjs.cjs", import.meta.url).pathname;
const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
const NAMES: Record<string, string> = {
  push: "PUSH→PULL",
  pub: "PUB→SUB",
  dealer: "DEALER→ROUTER",
};

console.log(
  `soak: ${count} messages of ${size} B per pattern, libzmq (zeromq.js 6.8.0, Node) → @zmtp/zmq (Deno ${Deno.version.deno}), tcp`,
);
for (const pattern of patterns) {
  const receiver: Socket = pattern === "push"
    ? new Pull()
    : pattern === "pub"
    ? new Subscriber({ receiveHighWaterMark: 0 })
    : new Router();
  if (receiver instanceof Subscriber) receiver.subscribe();
  await receiver.bind("tcp://127.0.0.1:0");
  const child = new Deno.Command("node", {
    args: [
      sender,
      pattern,
      "b",
      receiver.lastEndpoint!,
      String(count),
      String(size),
    ],
    stdin: "piped",
    stdout: "null",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const say = (line: string) =>
    stdin.write(new TextEncoder().encode(`${line}\n`));
  // A PUB sends 1-byte warm-ups until told to go: the subscription is there.
  if (pattern === "pub") await receiver.receive();
  await say("go");
  const started = performance.now();
  let last = started;
  let received = 0;
  const rssAtWarmUp: number[] = [];
  while (received < count) {
    const message = await receiver.receive();
    const body = message[message.length - 1];
    if (body.length !== size) continue; // a warm-up
    received++;
    if (received % interval === 0) {
      const now = performance.now();
      const rss = Deno.memoryUsage().rss;
      rssAtWarmUp.push(rss);
      console.log(
        `${NAMES[pattern]} ${String(received).padStart(9)}  ${
          (interval / ((now - last) / 1000) / 1e6).toFixed(2)
        }M msg/s  RSS ${mib(rss)} MiB`,
      );
      last = now;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const [, ...afterWarmUp] = rssAtWarmUp;
  console.log(
    `${NAMES[pattern]}: ${received} in ${seconds.toFixed(1)} s (${
      (received / seconds / 1e6).toFixed(2)
    }M msg/s); RSS after warm-up ${mib(Math.min(...afterWarmUp))}–${
      mib(Math.max(...afterWarmUp))
    } MiB`,
  );
  await say("done");
  await stdin.close();
  await child.status;
  await receiver.close();
}
