/**
 * A slow consumer cannot grow a publisher: our PUB publishes at full speed
 * to a subscriber that completed its handshake and then never reads again,
 * and to one that reads. The process's RSS is printed before, during and
 * after; with the high-water mark it stays flat, while the reading
 * subscriber keeps receiving.
 *
 *     deno task slow-consumer [--count 1000000] [--size 1024] [--hwm 1000]
 */
import { codec, Publisher, Subscriber } from "../mod.ts";

const args: Record<string, string> = {};
for (let i = 0; i < Deno.args.length; i += 2) {
  args[Deno.args[i].replace(/^--/, "")] = Deno.args[i + 1];
}
const count = Number(args.count ?? 1_000_000);
const size = Number(args.size ?? 1024);
const hwm = Number(args.hwm ?? 1000);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

const publisher = new Publisher({ sendHighWaterMark: hwm });
await publisher.bind("tcp://127.0.0.1:0");
const port = Number(publisher.lastEndpoint!.split(":").at(-1));

// The stalled subscriber: a handshake and a subscription, then silence.
const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
const fake = new codec.Connection({ socketType: "SUB" });
for (const chunk of fake.takeOutput()) await stalled.write(chunk);
const buffer = new Uint8Array(4096);
while (fake.state !== "ready") {
  const read = await stalled.read(buffer);
  if (read === null) throw new Error("the publisher hung up");
  fake.receive(buffer.slice(0, read));
}
fake.sendSubscribe(new Uint8Array());
for (const chunk of fake.takeOutput()) await stalled.write(chunk);

const reader = new Subscriber();
reader.subscribe();
reader.connect(publisher.lastEndpoint!);
let received = 0;
const reading = (async () => {
  for await (const [frame] of reader) {
    if (frame.length === 3) return; // "end"
    received++;
  }
})();
while (received === 0) {
  await publisher.send(new Uint8Array(size));
  await new Promise((resolve) => setTimeout(resolve, 1));
}

const before = Deno.memoryUsage().rss;
console.log(
  `slow consumer: ${count} messages of ${size} B, sendHighWaterMark ${hwm}; RSS before ${
    mib(before)
  }`,
);
const payload = new Uint8Array(size);
let peak = before;
for (let i = 1; i <= count; i++) {
  await publisher.send(payload);
  if (i % (count / 10) === 0) {
    const rss = Deno.memoryUsage().rss;
    peak = Math.max(peak, rss);
    console.log(
      `  ${
        String(i).padStart(8)
      } published, ${received} received by the reader, RSS ${mib(rss)}`,
    );
  }
}
while (true) {
  await publisher.send("end");
  const done = await Promise.race([
    reading.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10)),
  ]);
  if (done) break;
}
console.log(
  `RSS after ${mib(Deno.memoryUsage().rss)}, peak ${mib(peak)} (grew ${
    mib(peak - before)
  } while ${mib(count * size)} were published); the reader got ${received}`,
);
stalled.close();
await reader.close();
await publisher.close();
