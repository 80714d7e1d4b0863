/**
 * `inproc://` within an isolate links within the call, as libzmq's: its
 * connect to a bound name makes the pipe at once, and a bind attaches the
 * connects waiting for it, so what a PUB sends right after a SUB connects
 * and subscribes reaches it. Each sequence runs with no wait between its
 * calls, here and in pyzmq (libzmq 4.3.4), which must agree. And a link
 * that cannot come up any more (its context closed before the name was
 * bound) holds no close.
 */
import { assertEquals } from "@std/assert";
import {
  Context,
  Dish,
  Publisher,
  Pull,
  Push,
  Radio,
  Subscriber,
  XPublisher,
} from "../mod.ts";
import { decode, runPython, timeout } from "./_helpers.ts";
import { within } from "./_fakes.ts";

const SEQUENCES_PY = `
import zmq
ctx = zmq.Context()
def received(sub):
    n = 0
    while True:
        body = sub.recv(); n += 1
        if body == b"end": return n - 1
def publish(pub):
    for i in range(10): pub.send(b"m%d" % i)
    pub.send(b"end")
out = []
pub = ctx.socket(zmq.PUB); pub.bind("inproc://a")
sub = ctx.socket(zmq.SUB); sub.connect("inproc://a"); sub.setsockopt(zmq.SUBSCRIBE, b"")
publish(pub); out.append(received(sub))
pub2 = ctx.socket(zmq.PUB); pub2.bind("inproc://b")
sub2 = ctx.socket(zmq.SUB); sub2.setsockopt(zmq.SUBSCRIBE, b""); sub2.connect("inproc://b")
publish(pub2); out.append(received(sub2))
sub3 = ctx.socket(zmq.SUB); sub3.connect("inproc://c"); sub3.setsockopt(zmq.SUBSCRIBE, b"")
pub3 = ctx.socket(zmq.PUB); pub3.bind("inproc://c")
publish(pub3); out.append(received(sub3))
xpub = ctx.socket(zmq.XPUB); xpub.bind("inproc://d")
sub4 = ctx.socket(zmq.SUB); sub4.connect("inproc://d"); sub4.setsockopt(zmq.SUBSCRIBE, b"x")
out.append(xpub.poll(0))
push = ctx.socket(zmq.PUSH); push.connect("inproc://e")
for i in range(3): push.send(b"q")
pull = ctx.socket(zmq.PULL); pull.bind("inproc://e")
out.append(pull.poll(0))
print(" ".join(str(n) for n in out))
for s in (pub, sub, pub2, sub2, pub3, sub3, xpub, sub4, push, pull): s.close(0)
ctx.term()
`;

async function publish(
  send: (body: string) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < 10; i++) await send(`m${i}`);
  await send("end");
}

/** How many messages came before "end". */
async function received(
  receive: () => Promise<Uint8Array[]>,
): Promise<number> {
  for (let n = 0;; n++) {
    const [body] = await receive();
    if (decode(body) === "end") return n;
  }
}

Deno.test("inproc: a SUB that connects and subscribes gets what its PUB sends next, in any order of connect, subscribe and bind, and an XPUB and a PULL have what came at once, as libzmq", async () => {
  const native = await runPython(SEQUENCES_PY);
  assertEquals(native, "10 10 10 1 1");
  await using context = new Context();
  const options = { context, linger: 0 };
  const out: number[] = [];

  const pub = new Publisher(options);
  await pub.bind("inproc://a");
  const sub = new Subscriber(options);
  sub.connect("inproc://a");
  sub.subscribe("");
  await publish((body) => pub.send(body, timeout()));
  out.push(await received(() => sub.receive(timeout())));

  const pub2 = new Publisher(options);
  await pub2.bind("inproc://b");
  const sub2 = new Subscriber(options);
  sub2.subscribe("");
  sub2.connect("inproc://b");
  await publish((body) => pub2.send(body, timeout()));
  out.push(await received(() => sub2.receive(timeout())));

  const sub3 = new Subscriber(options);
  sub3.connect("inproc://c");
  sub3.subscribe("");
  const pub3 = new Publisher(options);
  await pub3.bind("inproc://c");
  await publish((body) => pub3.send(body, timeout()));
  out.push(await received(() => sub3.receive(timeout())));

  const xpub = new XPublisher(options);
  await xpub.bind("inproc://d");
  const sub4 = new Subscriber(options);
  sub4.connect("inproc://d");
  sub4.subscribe("x");
  out.push(xpub.readable ? 1 : 0);

  const push = new Push(options);
  push.connect("inproc://e");
  for (let i = 0; i < 3; i++) await push.send("q", timeout());
  const pull = new Pull(options);
  await pull.bind("inproc://e");
  out.push(pull.readable ? 1 : 0);

  assertEquals(out.join(" "), native);
});

Deno.test("inproc: a DISH that connects and joins gets what its RADIO sends next (libzmq's draft RADIO, as its PUB)", async () => {
  await using context = new Context();
  const radio = new Radio({ context, linger: 0 });
  await radio.bind("inproc://radio");
  const dish = new Dish({ context, linger: 0 });
  dish.connect("inproc://radio");
  dish.join("g");
  await publish((body) => radio.send(body, { group: "g", ...timeout() }));
  assertEquals(await received(() => dish.receive(timeout())), 10);
});

const NEVER_BOUND_PY = `
import time, zmq
ctx = zmq.Context()
push = ctx.socket(zmq.PUSH); push.setsockopt(zmq.LINGER, -1)
push.connect("inproc://never-bound")
push.send(b"queued", zmq.NOBLOCK)
push.close()
start = time.time(); ctx.term()
print("ended" if time.time() - start < 5 else "waited")
`;

for (const shared of [false, true]) {
  Deno.test(`inproc${shared ? " in a shared context" : ""}: closing the context ends a connect to a name never bound and drops what it queued, linger -1 and all, as libzmq's context end`, async () => {
    assertEquals(await runPython(NEVER_BOUND_PY), "ended");
    const context = new Context();
    const handle = shared ? context.share() : undefined;
    try {
      const push = new Push({ context, linger: -1 });
      push.connect("inproc://never-bound");
      await push.send("queued", timeout());
      // A connect that has its peer still writes what it queued.
      const pull = new Pull({ context, linger: -1 });
      await pull.bind("inproc://bound");
      const linked = new Push({ context, linger: -1 });
      linked.connect("inproc://bound");
      await linked.send("kept", timeout());
      const summary = await within(context.close(), "the context's close");
      assertEquals(summary, { dropped: 1, unread: 1 });
    } finally {
      handle?.port.close();
    }
  });
}
