/**
 * `send(…, { transfer: true })`: frames given up cross to a Worker in their
 * own transferred buffers instead of being copied.
 */
import { assert, assertEquals, assertFalse, assertRejects } from "@std/assert";
import {
  Context,
  Publisher,
  Pull,
  Push,
  Radio,
  type Socket,
  XPublisher,
  XSubscriber,
  ZmqError,
} from "../../mod.ts";
import { within } from "../_fakes.ts";
import { TestWorker } from "./_test_worker.ts";

const MiB = 1024 * 1024;
const detached = (frame: Uint8Array) => (frame.buffer as ArrayBuffer).detached;

Deno.test("transfer: PUSH here gives up its large frames to a PULL in a Worker, which gets them whole; frames not given up stay", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({ context });
  try {
    await push.bind("inproc://transfer");
    await worker.start(context, "pull", "inproc://transfer", false);
    const given = [new Uint8Array(MiB).fill(1), new Uint8Array(300).fill(2)];
    const kept = [new Uint8Array(MiB).fill(3)];
    const expected = [
      [new Uint8Array(MiB).fill(1), new Uint8Array(300).fill(2)],
      [new Uint8Array(MiB).fill(3)],
    ];
    await push.send(given, { transfer: true });
    await push.send(kept);
    for (const message of expected) {
      assertEquals((await worker.next("message")).message, message);
    }
    // The large frame given up is detached here; the short one was copied.
    assertEquals(given.map(detached), [true, false]);
    assertEquals(kept.map(detached), [false]);
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("transfer: PUSH in a Worker gives up its large frames to a PULL here", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const pull = new Pull({ context });
  try {
    await pull.bind("inproc://transfer-up");
    await worker.start(context, "push", "inproc://transfer-up", false);
    const message = [new Uint8Array(64 * 1024).fill(4), new Uint8Array(0)];
    worker.post({ op: "send", message, transfer: true });
    assertEquals(await within(pull.receive(), "the message"), message);
    worker.post({ op: "check" });
    assertEquals((await worker.next("checked")).detached, [true, false]);
    worker.post({ op: "send", message });
    assertEquals(await within(pull.receive(), "the message"), message);
    worker.post({ op: "check" });
    assertEquals((await worker.next("checked")).detached, [false, false]);
  } finally {
    await worker.stop();
    await context.close();
  }
});

/**
 * Sends with `send` until the worker reports a message (a subscription, a
 * join or a connection may still be on its way; the worker's `next` bounds
 * the wait), and returns that message.
 */
async function _sendUntilArrived(
  worker: TestWorker,
  send: () => Promise<void>,
): Promise<Uint8Array[]> {
  const arrived = worker.next("message");
  let got = false;
  arrived.then(() => got = true);
  while (!got) {
    await send();
    await Promise.race([arrived, new Promise((r) => setTimeout(r, 10))]);
  }
  return (await arrived).message as Uint8Array[];
}

/** A socket that may send one message to several peers, and its send. */
interface _FanningOut {
  socket: {
    bind(endpoint: string): Promise<unknown>;
    connect(e: string): void;
  };
  send(frame: Uint8Array): Promise<void>;
}

/** A socket whose send takes nothing but `transfer`, with that send. */
const _giving = (socket: Socket): _FanningOut => ({
  socket,
  send: (frame) => socket.send(frame, { transfer: true }),
});

const _fanningOut: {
  title: string;
  role: "sub" | "xpub" | "dish";
  open(context: Context): _FanningOut;
}[] = [
  {
    title:
      "a Publisher gives up nothing, as a message may go to several subscribers",
    role: "sub",
    open: (context) => _giving(new Publisher({ context })),
  },
  {
    title:
      "an XPublisher gives up nothing, as a message may go to several subscribers",
    role: "sub",
    open: (context) => _giving(new XPublisher({ context })),
  },
  {
    title:
      "an XSUB gives up nothing, as its upstream messages go to every publisher",
    role: "xpub",
    // Not 0 or 1 first (the frame is filled with 7s): a message upstream,
    // not a subscription.
    open: (context) => _giving(new XSubscriber({ context })),
  },
  {
    title: "a RADIO gives up nothing, as a group may have several dishes",
    role: "dish",
    open(context) {
      const socket = new Radio({ context });
      return {
        socket,
        send: (frame) => socket.send(frame, { group: "g", transfer: true }),
      };
    },
  },
];

for (const { title, role, open } of _fanningOut) {
  Deno.test(`transfer: ${title}`, async () => {
    const context = new Context();
    const worker = new TestWorker();
    const { socket, send } = open(context);
    const endpoint = `inproc://transfer-${role}`;
    try {
      // The XPUB in the Worker binds; here the others do.
      if (role === "xpub") {
        await worker.start(context, role, endpoint, true);
        socket.connect(endpoint);
      } else {
        await socket.bind(endpoint);
        await worker.start(context, role, endpoint, false);
      }
      const frame = new Uint8Array(MiB).fill(7);
      const message = await _sendUntilArrived(worker, () => send(frame));
      assertEquals(message, [new Uint8Array(MiB).fill(7)]);
      assertFalse(detached(frame));
    } finally {
      await worker.stop();
      await context.close();
    }
  });
}

Deno.test("transfer: a message given up to a socket in the same isolate arrives as ordinary views, which a plain send copies on to a Worker", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({ context });
  const pull = new Pull({ context });
  const onward = new Push({ context });
  try {
    await pull.bind("inproc://here");
    push.connect("inproc://here");
    await onward.bind("inproc://onward");
    await worker.start(context, "pull", "inproc://onward", false);
    await push.send(new Uint8Array(MiB).fill(6), { transfer: true });
    const [frame] = await within(pull.receive(), "the message here");
    assertEquals(frame.constructor, Uint8Array);
    await onward.send(frame);
    assertEquals((await worker.next("message")).message, [
      new Uint8Array(MiB).fill(6),
    ]);
    assertFalse(detached(frame));
  } finally {
    await worker.stop();
    await context.close();
  }
});

Deno.test("transfer: forwarding received frames with transfer copies them, leaving the other messages of their batch whole", async () => {
  const context = new Context();
  const from = new TestWorker();
  const to = new TestWorker();
  const pull = new Pull({ context });
  const onward = new Push({ context });
  try {
    await pull.bind("inproc://from");
    await onward.bind("inproc://to");
    await from.start(context, "push", "inproc://from", false);
    await to.start(context, "pull", "inproc://to", false);
    const first = [new Uint8Array(32 * 1024).fill(1)];
    const second = [new Uint8Array(32 * 1024).fill(2)];
    from.post({ op: "send", message: first });
    from.post({ op: "send", message: second });
    const [frame] = await within(pull.receive(), "the first message");
    // Views into the batch they came in: passed on, never given up.
    await onward.send(frame, { transfer: true });
    assertEquals((await to.next("message")).message, first);
    assertEquals(frame, first[0]);
    assertEquals(await within(pull.receive(), "the second message"), second);
  } finally {
    await from.stop();
    await to.stop();
    await context.close();
  }
});

Deno.test("transfer: a send that failed gave nothing up, and a buffer given up once is empty when sent again", async () => {
  const context = new Context();
  const worker = new TestWorker();
  const push = new Push({ context, sendTimeout: 0 });
  try {
    const frame = new Uint8Array(MiB).fill(7);
    // No peer yet: EAGAIN at once, and the buffer is still the caller's.
    const error = await assertRejects(
      () => push.send(frame, { transfer: true }),
      ZmqError,
    );
    assertEquals(error.code, "EAGAIN");
    assertFalse(detached(frame));
    await push.bind("inproc://again");
    await worker.start(context, "pull", "inproc://again", false);
    push.sendTimeout = -1;
    await push.send(frame, { transfer: true });
    assertEquals((await worker.next("message")).message, [
      new Uint8Array(MiB).fill(7),
    ]);
    assert(detached(frame));
    await push.send(frame, { transfer: true });
    assertEquals((await worker.next("message")).message, [new Uint8Array(0)]);
  } finally {
    await worker.stop();
    await context.close();
  }
});
