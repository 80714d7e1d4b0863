/**
 * Multithreaded relay (the guide's mtrelay.c): three steps, each in a
 * thread of its own, signal each other in turn over PAIR sockets on
 * `inproc://`. The main thread binds step 3 and starts step 2 in a Web
 * Worker, which binds step 2 and starts step 1 in a Worker of its own; each
 * shares its context with the Worker it starts. The file runs itself as
 * each Worker.
 *
 *     deno run --allow-read examples/mtrelay.ts
 *
 * @module
 */
import { Context, Pair } from "@zmtp/zmq";
import type { SharedContext } from "@zmtp/zmq";

/** What a thread and the thread that started it say to each other. */
type ThreadMessage =
  | { op: "loaded" }
  | { op: "start"; shared: SharedContext }
  | { op: "print"; line: string }
  | { op: "done" };

const STEP_1 = "mtrelay step 1";
const STEP_2 = "mtrelay step 2";

const scope = globalThis as unknown as {
  name?: string | undefined;
  postMessage(message: ThreadMessage): void;
  onmessage: ((event: MessageEvent<ThreadMessage>) => void) | null;
};

/**
 * Starts this file as the Worker `name`, sharing `context` with it; its
 * lines go to `print`. Settles once it is done, and ends it.
 */
async function startThread(
  name: string,
  context: Context,
  print: (line: string) => void,
): Promise<void> {
  const worker = new Worker(import.meta.url, { type: "module", name });
  const loaded = Promise.withResolvers<void>();
  const done = Promise.withResolvers<void>();
  worker.onmessage = ({ data }: MessageEvent<ThreadMessage>) => {
    if (data.op === "loaded") loaded.resolve();
    if (data.op === "print") print(data.line);
    if (data.op === "done") done.resolve();
  };
  await loaded.promise;
  const shared = context.share();
  worker.postMessage({ op: "start", shared }, [shared.port]);
  await done.promise;
  worker.terminate();
}

/** A step in a Worker: waits for its context, runs, says it is done. */
function runAsThread(step: (context: Context) => Promise<void>): void {
  scope.onmessage = async ({ data }) => {
    if (data.op !== "start") return;
    const context = new Context({ shared: data.shared });
    await step(context);
    await context.close();
    scope.postMessage({ op: "done" });
  };
  // Posted before this, a message would be lost (Deno 2.9.6).
  scope.postMessage({ op: "loaded" });
}

const printUp = (line: string) => scope.postMessage({ op: "print", line });

async function step1(context: Context): Promise<void> {
  // Connect to step2 and tell it we're ready
  const xmitter = new Pair({ context });
  xmitter.connect("inproc://step2");
  printUp("Step 1 ready, signaling step 2");
  await xmitter.send("READY");
  await xmitter.close();
}

async function step2(context: Context): Promise<void> {
  // Bind inproc socket before starting step1
  const receiver = new Pair({ context });
  await receiver.bind("inproc://step2");
  const thread = startThread(STEP_1, context, printUp);
  // Wait for signal and pass it on
  await receiver.receive();
  await receiver.close();
  // Connect to step3 and tell it we're ready
  const xmitter = new Pair({ context });
  xmitter.connect("inproc://step3");
  printUp("Step 2 ready, signaling step 3");
  await xmitter.send("READY");
  await xmitter.close();
  await thread;
}

/** Runs the relay, printing each step's line and then the verdict. */
export async function relay(
  print: (line: string) => void = console.log,
): Promise<void> {
  const context = new Context();
  // Bind inproc socket before starting step2
  const receiver = new Pair({ context });
  await receiver.bind("inproc://step3");
  const thread = startThread(STEP_2, context, print);
  // Wait for signal
  await receiver.receive();
  await receiver.close();
  print("Test successful!");
  await thread;
  await context.close();
}

if (scope.name === STEP_1) runAsThread(step1);
else if (scope.name === STEP_2) runAsThread(step2);
else if (import.meta.main) await relay();
