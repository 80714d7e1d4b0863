/**
 * The guide's chapter-1 patterns, live on loopback with ephemeral ports:
 * hello world (REQ/REP), the weather average for a zip code (PUB/SUB), and
 * the divide-and-conquer pipeline with 1, 2 and 4 workers (PUSH/PULL).
 *
 *     deno task demo
 *
 * @module
 */
import { helloClient } from "./hwclient.ts";
import { helloServer } from "./hwserver.ts";
import { sink } from "./tasksink.ts";
import { ventilator } from "./taskvent.ts";
import { worker } from "./taskwork.ts";
import { versionLine } from "./version.ts";
import { weatherClient } from "./wuclient.ts";
import { weatherServer } from "./wuserver.ts";

const LOOPBACK = "tcp://127.0.0.1:0";
const indent = (prefix: string) => (line: string) =>
  console.log(`  ${prefix} ${line}`);

async function bound(
  start: (onBound: (endpoint: string) => void) => Promise<unknown>,
): Promise<[string, Promise<unknown>]> {
  const endpoint = Promise.withResolvers<string>();
  const running = start(endpoint.resolve);
  return [
    await Promise.race([endpoint.promise, running.then(() => "")]),
    running,
  ];
}

console.log(versionLine());

console.log(
  "\n1. Hello world: REQ client, REP server (work shortened to 10 ms)",
);
{
  const [endpoint, server] = await bound((onBound) =>
    helloServer({
      endpoint: LOOPBACK,
      workMs: 10,
      requests: 10,
      onBound,
      print: indent("server:"),
    })
  );
  await helloClient(endpoint, indent("client:"));
  await server;
}

const zipcode = "10001 ";
console.log(
  `\n2. Weather updates: PUB server, SUB client filtering on zip code '${zipcode}'`,
);
{
  const stop = new AbortController();
  const started = Date.now();
  const [endpoint, server] = await bound((onBound) =>
    weatherServer({ endpoint: LOOPBACK, onBound, signal: stop.signal })
  );
  await weatherClient(zipcode, endpoint, indent("client:"));
  stop.abort();
  await server;
  console.log(
    `  (100 matching updates out of ~10 million random ones took ${
      Date.now() - started
    } ms)`,
  );
}

console.log(
  "\n3. Divide and conquer: ventilator, workers, sink (100 random tasks of 1-100 ms)",
);
const guide: Record<number, number> = { 1: 5034, 2: 2421, 4: 1018 };
const results: [number, number, number][] = [];
for (const workers of [1, 2, 4]) {
  const progress: string[] = [];
  const write = (text: string) => progress.push(text);
  const [sinkEndpoint, sinkDone] = await bound((onBound) =>
    sink({ endpoint: LOOPBACK, onBound, write })
  );
  const stop = new AbortController();
  const ventilatorEndpoint = Promise.withResolvers<string>();
  const workerRuns: Promise<void>[] = [];
  const expected = ventilator({
    endpoint: LOOPBACK,
    sinkEndpoint,
    print: () => {},
    async workersReady(sender) {
      ventilatorEndpoint.resolve(sender.lastEndpoint!);
      // "Press Enter when the workers are ready": here, wait until each has connected.
      for (let i = 0; i < workers; i++) {
        await sender.events.wait("handshake-succeeded");
      }
    },
  });
  const endpoint = await ventilatorEndpoint.promise;
  for (let i = 0; i < workers; i++) {
    workerRuns.push(
      worker({
        ventilator: endpoint,
        sink: sinkEndpoint,
        signal: stop.signal,
        write: () => {},
      }),
    );
  }
  const expectedMs = await expected;
  const elapsed = (await sinkDone) as number;
  stop.abort();
  await Promise.all(workerRuns);
  console.log(
    `  ${workers} worker(s): ${
      progress.join("").trim()
    }  (expected cost ${expectedMs} msec)`,
  );
  results.push([workers, elapsed, guide[workers]]);
}

console.log("\n  workers | elapsed (ms) | the guide's C run (ms)");
for (const [workers, elapsed, reference] of results) {
  console.log(
    `  ${String(workers).padStart(7)} | ${String(elapsed).padStart(12)} | ${
      String(reference).padStart(22)
    }`,
  );
}
