/** proxy(): what its sockets' options must not change, and what it carries. */
import { assertEquals } from "@std/assert";
import { Context, Dish, proxy, Pull, Push, Radio } from "../../mod.ts";
import { decode, sendUntilReceived, timeout, until } from "../_helpers.ts";
import { coreOf } from "../../patterns/_core.ts";

/** Whether a promise has settled, after the tasks queued before it ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol();
  const first = await Promise.race([
    promise.then(() => undefined, () => undefined),
    new Promise((resolve) => setTimeout(() => resolve(pending), 0)),
  ]);
  return first !== pending;
}

/** A window in which a 1 ms timeout would have fired many times over. */
const window = () => new Promise((resolve) => setTimeout(resolve, 50));

Deno.test("proxy: the sockets' receiveTimeout and sendTimeout do not stop it, as libzmq's proxy polls and never meets them", async () => {
  await using context = new Context();
  const frontend = new Pull({ context, receiveTimeout: 1 });
  await frontend.bind("inproc://in");
  const backend = new Push({ context, sendTimeout: 1 });
  await backend.bind("inproc://out");
  const source = new Push({ context });
  source.connect("inproc://in");
  const stop = new AbortController();
  const running = proxy(frontend, backend, { signal: stop.signal });
  // Idle, past the frontend's receiveTimeout.
  await window();
  assertEquals(await settled(running), false);
  // Taken, with nobody to pass it to, past the backend's sendTimeout.
  for (const n of [0, 1, 2]) await source.send(`m${n}`);
  await window();
  assertEquals(await settled(running), false);
  const sink = new Pull({ context });
  sink.connect("inproc://out");
  const got: string[] = [];
  for (const _ of [0, 1, 2]) {
    got.push(decode((await sink.receive(timeout()))[0]));
  }
  assertEquals(got, ["m0", "m1", "m2"]);
  stop.abort();
  await running;
});

Deno.test("proxy: a DISH's messages go on to a RADIO in their groups, as libzmq's message carries its group", async () => {
  const upstream = new Radio();
  await upstream.bind("tcp://127.0.0.1:0");
  const frontend = new Dish();
  frontend.connect(upstream.lastEndpoint!);
  frontend.join("weather", "news");
  const backend = new Radio();
  await backend.bind("tcp://127.0.0.1:0");
  const sink = new Dish();
  sink.connect(backend.lastEndpoint!);
  sink.join("news");
  const stop = new AbortController();
  const running = proxy(frontend, backend, { signal: stop.signal });
  // RADIO drops what no DISH has joined yet: send until the sink hears.
  const first = await sendUntilReceived(async () => {
    await upstream.send("rain", { group: "weather" });
    await upstream.send("news", { group: "news" });
  }, sink.receive(timeout()));
  assertEquals(first.group, "news");
  assertEquals(decode(first[0]), "news");
  stop.abort();
  await running;
  for (const socket of [upstream, frontend, backend, sink]) {
    await socket.close();
  }
});

Deno.test("proxy: a message it took and could not pass on when stopped is counted dropped when its output socket closes", async () => {
  await using context = new Context();
  const frontend = new Pull({ context });
  await frontend.bind("inproc://front");
  const backend = new Push({ context, linger: 0 });
  await backend.bind("inproc://back"); // nobody connects
  const source = new Push({ context });
  source.connect("inproc://front");
  for (const n of [1, 2, 3, 4, 5]) await source.send(`m${n}`);
  const stop = new AbortController();
  const running = proxy(frontend, backend, { signal: stop.signal });
  await until(() => coreOf(backend).sendPending, "one message taken");
  stop.abort();
  await running;
  assertEquals(await backend.close(), { dropped: 1, unread: 0 });
  assertEquals(await frontend.close(), { dropped: 0, unread: 4 });

  // Its output closed while it runs: the message it held is counted too.
  const output = new Push({ context, linger: 0 });
  await output.bind("inproc://back2");
  const input = new Pull({ context });
  await input.bind("inproc://front2");
  const feeder = new Push({ context });
  feeder.connect("inproc://front2");
  await feeder.send("held");
  const running2 = proxy(input, output);
  await until(() => coreOf(output).sendPending, "the message taken");
  assertEquals(await output.close(), { dropped: 1, unread: 0 });
  await running2;
});

Deno.test("proxy: a held send that goes as its output closes (room made in the same turn) is delivered, not counted dropped", async () => {
  await using context = new Context();
  const frontend = new Pull({ context });
  await frontend.bind("inproc://front");
  const backend = new Push({ context, sendHighWaterMark: 1 });
  await backend.bind("inproc://back");
  const sink = new Pull({ context, receiveHighWaterMark: 1 });
  sink.connect("inproc://back");
  const source = new Push({ context });
  source.connect("inproc://front");
  for (const n of [1, 2, 3, 4, 5]) await source.send(`m${n}`);
  const stop = new AbortController();
  const running = proxy(frontend, backend, { signal: stop.signal });
  await until(() => coreOf(backend).sendPending, "the output full");
  stop.abort();
  await running;
  backend.sendHighWaterMark = 100; // the held send goes now
  const { dropped } = await backend.close();
  assertEquals(dropped, 0);
  const got: string[] = [];
  while (sink.readable) got.push(decode((await sink.receive())[0]));
  assertEquals(got, ["m1", "m2", "m3"]);
  await frontend.close();
});
