/**
 * Run by young_batches_test.ts under `--v8-flags=--trace-gc`: a PUSH in a
 * Worker (this module again, named `push`) streams `COUNT` messages of
 * 64 KiB over inproc to a PULL in the main isolate, which reads them all
 * and prints `read N` on stderr: the same bytes each time, copied across, or with
 * `given-up` as the first argument a fresh buffer per send, given up
 * (`transfer: true`). The trace, on the same stdout, says how V8 collected
 * what crossed.
 */
import { Context, Pull, Push, type SharedContext } from "../../mod.ts";

const COUNT = 8000;
const SIZE = 64 * 1024;

const scope = globalThis as unknown as {
  name?: string;
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<SharedContext>) => void) | null;
};

if (scope.name?.startsWith("push")) {
  const givenUp = scope.name === "push given-up";
  scope.onmessage = async ({ data }) => {
    const context = new Context({ shared: data });
    const push = new Push({ context, linger: -1 });
    push.connect("inproc://young-batches");
    const message = new Uint8Array(SIZE).fill(1);
    for (let i = 0; i < COUNT; i++) {
      if (givenUp) {
        await push.send(new Uint8Array(SIZE).fill(1), { transfer: true });
      } else await push.send(message);
    }
    await context.close();
    scope.postMessage("sent");
  };
  scope.postMessage("loaded");
} else {
  const context = new Context();
  const pull = new Pull({ context });
  await pull.bind("inproc://young-batches");
  const name = Deno.args[0] === "given-up" ? "push given-up" : "push";
  const worker = new Worker(import.meta.url, { type: "module", name });
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
  // On stderr: V8 writes a trace line in parts, between which stdout may
  // take another's.
  console.error(`read ${read}`);
}
