/**
 * Run by young_batches_test.ts under `--v8-flags=--trace-gc`: a PUSH in a
 * Worker (this module again, named `push`) streams `COUNT` messages of
 * 64 KiB over inproc to a PULL in the main isolate, which reads them all
 * and prints `read N`. The trace, on the same stdout, says how V8 collected
 * the batches that crossed.
 */
import { Context, Pull, Push, type SharedContext } from "../../mod.ts";

const COUNT = 8000;
const SIZE = 64 * 1024;

const scope = globalThis as unknown as {
  name?: string;
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<SharedContext>) => void) | null;
};

if (scope.name === "push") {
  scope.onmessage = async ({ data }) => {
    const context = new Context({ shared: data });
    const push = new Push({ context, linger: -1 });
    push.connect("inproc://young-batches");
    const message = new Uint8Array(SIZE).fill(1);
    for (let i = 0; i < COUNT; i++) await push.send(message);
    await context.close();
    scope.postMessage("sent");
  };
  scope.postMessage("loaded");
} else {
  const context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://young-batches");
  const worker = new Worker(import.meta.url, { type: "module", name: "push" });
  const said = (word: string) =>
    new Promise<void>((resolve) =>
      worker.onmessage = ({ data }) => data === word && resolve()
    );
  await said("loaded");
  const sent = said("sent");
  const shared = context.share();
  worker.postMessage(shared, [shared.port]);
  let read = 0;
  for (; read < COUNT; read++) {
    const [frame] = await pull.receive();
    if (frame.length !== SIZE) break;
  }
  await sent;
  worker.terminate();
  await context.close();
  console.log(`read ${read}`);
}
