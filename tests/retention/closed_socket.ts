/**
 * Run by tests/retention_test.ts with
 * `--v8-flags=--expose-gc`: the first socket closed in a process, with a
 * message it never read. Prints whether the message is still held while
 * the app holds the closed socket, and whether the socket is once the app
 * lets it go.
 *
 * @module
 */
import { Pull, Push } from "../../mod.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

/** Collects a few times over: a WeakRef's target lives until its job ends. */
async function collect(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let pull: Pull | undefined = new Pull();
await pull.bind("inproc://closed-socket");
const push = new Push();
push.connect("inproc://closed-socket");
let message: WeakRef<Uint8Array> | undefined;
// In a function that returns: nothing of ours keeps the frames.
async function sendTwo(): Promise<void> {
  await push.send(new Uint8Array(1024));
  const frame = new Uint8Array(1024);
  message = new WeakRef(frame);
  await push.send(frame);
}
await sendTwo();
// The second waits in the queue, behind the first, when the first is read.
await pull.receive({ signal: AbortSignal.timeout(5000) });
// The first socket closed in the process: no other was before it.
const { unread } = await pull.close();
await push.close();
await collect();
const messageHeld = message?.deref() !== undefined;
const socket = new WeakRef(pull);
pull = undefined;
await collect();
console.log(JSON.stringify({
  unread,
  messageHeld,
  socketHeld: socket.deref() !== undefined,
}));
