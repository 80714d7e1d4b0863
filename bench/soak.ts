/**
 * Soak: millions of messages between a libzmq peer (zeromq.js under Node,
 * bench/_zeromqjs.cjs) and one of our sockets over tcp, for PUSH→PULL,
 * PUB→SUB and DEALER→ROUTER, printing throughput and our RSS at intervals:
 * after warm-up the RSS must stay flat. `--direction in` (default): libzmq
 * sends, we receive; `out`: we send, libzmq receives.
 *
 *     deno task soak [--count 10000000] [--size 16] [--only push,pub,dealer] [--direction in|out]
 */
import {
  Dealer,
  Publisher,
  Pull,
  Push,
  Router,
  type Socket,
  Subscriber,
} from "../mod.ts";

const args: Record<string, string> = {};
for (let i = 0; i < Deno.args.length; i += 2) {
  args[Deno.args[i].replace(/^--/, "")] = Deno.args[i + 1];
}
const count = Number(args.count ?? 10_000_000);
const size = Number(args.size ?? 16);
const patterns = (args.only ?? "push,pub,dealer").split(",");
const direction = args.direction ?? "in";
const interval = Math.max(Math.floor(count / 10), 1);
const sender = new URL("./_zeromqjs.cjs", import.meta.url).pathname;
const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
const NAMES: Record<string, string> = {
  push: "PUSH→PULL",
  pub: "PUB→SUB",
  dealer: "DEALER→ROUTER",
};

const libzmq = "libzmq (zeromq.js 6.8.0, Node)";
const ours = `@zmtp/zmq (Deno ${Deno.version.deno})`;
console.log(
  `soak: ${count} messages of ${size} B per pattern, ${
    direction === "in" ? `${libzmq} → ${ours}` : `${ours} → ${libzmq}`
  }, tcp`,
);
const report = (pattern: string, done: number, last: number): number => {
  const now = performance.now();
  console.log(
    `${NAMES[pattern]} ${String(done).padStart(9)}  ${
      (interval / ((now - last) / 1000) / 1e6).toFixed(2)
    }M msg/s  RSS ${mib(Deno.memoryUsage().rss)} MiB`,
  );
  return now;
};
if (direction === "out") {
  for (const pattern of patterns) await soakOut(pattern);
  Deno.exit(0);
}
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
      rssAtWarmUp.push(Deno.memoryUsage().rss);
      last = report(pattern, received, last);
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

/** We send, a libzmq process receives (bench/_zeromqjs.cjs side "a"). */
async function soakOut(pattern: string): Promise<void> {
  const child = new Deno.Command("node", {
    args: [
      sender,
      pattern,
      "a",
      "tcp://127.0.0.1:*",
      String(count),
      String(size),
    ],
    stdin: "null",
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const next = async (): Promise<Record<string, number | string>> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the libzmq receiver ended early");
      buffered += value;
    }
    const line = buffered.slice(0, buffered.indexOf("\n"));
    buffered = buffered.slice(line.length + 1);
    return JSON.parse(line);
  };
  const { endpoint } = await next();
  const socket = pattern === "push"
    ? new Push({ linger: -1 })
    : pattern === "pub"
    ? new Publisher({ sendHighWaterMark: 0, linger: -1 })
    : new Dealer({ linger: -1 });
  socket.connect(String(endpoint));
  if (pattern === "pub") {
    // Warm-ups until the libzmq SUB says its subscription is in.
    const ready = next();
    let subscribed = false;
    ready.then(() => subscribed = true);
    while (!subscribed) {
      await socket.send("w");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  const message = new Uint8Array(size);
  const started = performance.now();
  let last = started;
  for (let sent = 1; sent <= count; sent++) {
    await socket.send(message);
    if (sent % interval === 0) last = report(pattern, sent, last);
  }
  const rate = Number((await next()).rate);
  console.log(
    `${NAMES[pattern]}: ${count} sent in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s; libzmq received them at ${(rate / 1e6).toFixed(2)}M msg/s`,
  );
  await socket.close();
  await lines.cancel();
  await child.status;
}
