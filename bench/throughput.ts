/**
 * PUSH→PULL throughput over tcp loopback: @zmtp/zmq (Deno, two processes)
 * against zeromq.js (Node, two processes, libzmq inside), interleaved in
 * the same run, medians of several rounds, with the ratio ours/theirs.
 *
 *     deno task bench [rounds]
 *
 * The other patterns, transports and sizes of issue 3 are still to come.
 */

const here = (path: string) => new URL(path, import.meta.url).pathname;
const rounds = Number(Deno.args[0] ?? 3);
const cases = [
  { size: 16, count: 500_000 },
  { size: 1024, count: 200_000 },
  { size: 65536, count: 10_000 },
];

type Side = { command: string; args: string[] };
const ours: Side = {
  command: Deno.execPath(),
  args: ["run", "-A", here("_ours.ts")],
};
const theirs: Side = { command: "node", args: [here("_zeromqjs.cjs")] };

async function run(
  side: Side,
  size: number,
  count: number,
): Promise<{ rate: number; rss: number }> {
  const receiver = new Deno.Command(side.command, {
    args: [
      ...side.args,
      "recv",
      "tcp://127.0.0.1:0",
      String(count),
      String(size),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = receiver.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("receiver ended early");
      buffered += value;
    }
    const index = buffered.indexOf("\n");
    const line = buffered.slice(0, index);
    buffered = buffered.slice(index + 1);
    return line;
  };
  const endpoint = (await nextLine()).replace(
    "tcp://0.0.0.0",
    "tcp://127.0.0.1",
  );
  const sender = new Deno.Command(side.command, {
    args: [...side.args, "send", endpoint, String(count), String(size)],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const result = JSON.parse(await nextLine());
  lines.releaseLock();
  await receiver.stdout.cancel().catch(() => {});
  await Promise.all([sender.status, receiver.status]);
  return result;
}

const median = (values: number[]) =>
  values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const format = (rate: number, size: number) =>
  size >= 65536
    ? `${(rate * size / 1e9).toFixed(2)} GB/s`
    : `${Math.round(rate / 1000)}k msg/s`;

console.log(
  `PUSH→PULL, tcp loopback, ${navigator.hardwareConcurrency} cores, ${rounds} rounds, medians`,
);
console.log(
  "size     | @zmtp/zmq (Deno)   | zeromq.js (Node)   | ours/theirs | peak RSS ours / theirs (receiver)",
);
for (const { size, count } of cases) {
  const results = {
    ours: [] as number[],
    theirs: [] as number[],
    oursRss: 0,
    theirsRss: 0,
  };
  for (let round = 0; round < rounds; round++) {
    const a = await run(ours, size, count);
    const b = await run(theirs, size, count);
    results.ours.push(a.rate);
    results.theirs.push(b.rate);
    results.oursRss = Math.max(results.oursRss, a.rss);
    results.theirsRss = Math.max(results.theirsRss, b.rss);
  }
  const [o, t] = [median(results.ours), median(results.theirs)];
  console.log(
    `${String(size).padEnd(8)} | ${format(o, size).padEnd(18)} | ${
      format(t, size).padEnd(18)
    } | ${(o / t).toFixed(2).padStart(11)} | ${
      Math.round(results.oursRss / 2 ** 20)
    } / ${Math.round(results.theirsRss / 2 ** 20)} MiB`,
  );
}
