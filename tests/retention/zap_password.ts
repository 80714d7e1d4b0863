/**
 * Run by tests/retention_test.ts with `--v8-flags=--expose-gc`: a PLAIN
 * client is let in by a ZAP handler and stays connected; prints whether
 * the password frame the handler was asked with is still held by anything
 * once the handler has let go of it.
 *
 * @module
 */
import { Context, Pull, Push, Reply } from "../../mod.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

await using context = new Context();
const handler = new Reply({ context });
await handler.bind("inproc://zeromq.zap.01");
let password: WeakRef<Uint8Array> | undefined;
// One request, in a function that returns: nothing of ours keeps it.
async function answerOne(): Promise<void> {
  const request = await handler.receive();
  password = new WeakRef(request[7]);
  await handler.send([request[0], request[1], "200", "OK", "user", ""]);
}
const answered = answerOne();
const server = new Pull({ context, plainServer: true });
await server.bind("tcp://127.0.0.1:0");
const client = new Push({
  plainUsername: "user",
  plainPassword: "a password",
});
client.connect(server.lastEndpoint!);
await client.send("in");
await server.receive();
await answered;
// A WeakRef's target lives until its job ends: collected a few times over.
for (let i = 0; i < 5; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({
  asked: password !== undefined,
  held: password?.deref() !== undefined,
}));
await client.close();
await server.close();
await handler.close();
