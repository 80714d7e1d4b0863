/**
 * A Worker terminated in the middle of a stream over `inproc://`, in each
 * direction: its peer here hears `disconnected`, keeps what arrived (in
 * order), leaves no op behind (the sanitizers), and goes on serving.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { Context, Pull, Push, ZmqError } from "../../mod.ts";
import { until } from "../_helpers.ts";
import { TestWorker } from "./_test_worker.ts";

/** A message carrying its number, to check order and gaps. */
function numbered(index: number): Uint8Array[] {
  const frame = new Uint8Array(100);
  new DataView(frame.buffer).setUint32(0, index);
  return [frame];
}

function numberOf(message: Uint8Array[] | undefined): number {
  const [frame] = message!;
  return new DataView(frame.buffer, frame.byteOffset).getUint32(0);
}

Deno.test("inproc across a Worker: its PULL terminated mid-stream, our PUSH hears disconnected, what it read came in order, and our close ends the send that waited", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({ context, linger: 0 });
  try {
    await worker.start(context, "pull", "inproc://terminated-pull", true);
    push.connect("inproc://terminated-pull");
    const disconnected = push.events.wait(
      "disconnected",
      AbortSignal.timeout(10_000),
    );
    let sent = 0;
    let ended: unknown;
    const sending = (async () => {
      try {
        for (;;) {
          await push.send(numbered(sent));
          sent++;
        }
      } catch (error) {
        ended = error;
      }
    })();
    await until(() => worker.waiting("message") >= 1000, "a stream there");
    worker.terminate();
    await disconnected;
    // No peer left: the next send waits, until close ends it.
    await push.close();
    await sending;
    assert(ended instanceof ZmqError && ended.code === "ETERM", `${ended}`);
    const read = worker.waiting("message");
    assert(read >= 1000 && read <= sent, `read ${read} of ${sent}`);
    for (let i = 0; i < read; i++) {
      assertEquals(numberOf((await worker.next("message")).message), i);
    }
  } finally {
    await context.close();
  }
});

Deno.test("inproc across a Worker: its PUSH terminated mid-stream, our PULL hears disconnected, reads what came in order, and serves the next peer", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://terminated-push");
    await worker.start(context, "push", "inproc://terminated-push", false);
    worker.post({ op: "stream" });
    // Well into a stream that has no end: terminated in its middle.
    for (let i = 0; i < 1000; i++) {
      assertEquals(numberOf(await pull.receive()), i);
    }
    const disconnected = pull.events.wait(
      "disconnected",
      AbortSignal.timeout(10_000),
    );
    worker.terminate();
    await disconnected;
    let read = 1000;
    while (pull.readable) assertEquals(numberOf(await pull.receive()), read++);
    // Nothing more comes from it: a receive waits, and fails only by time.
    await assertRejects(
      () => pull.receive({ signal: AbortSignal.timeout(100) }),
      DOMException,
    );
    const next = new Push({ context });
    next.connect("inproc://terminated-push");
    await next.send("after");
    assertEquals(new TextDecoder().decode((await pull.receive())[0]), "after");
    await next.close();
  } finally {
    await context.close();
  }
});
