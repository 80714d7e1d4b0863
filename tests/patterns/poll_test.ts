/**
 * poll(): reading several sockets in one loop, against libzmq senders.
 */
import { assertEquals } from "@std/assert";
import {
  Client,
  Context,
  type Message,
  poll,
  type Polled,
  Pull,
  Push,
  Reply,
  Request,
  Server,
  Subscriber,
  XPublisher,
} from "../../mod.ts";
import { coreOf } from "../../patterns/_core.ts";
import { deadline } from "@std/async/deadline";
import { decode, sendUntilReceived, timeout, until } from "../_helpers.ts";
import { LibzmqPeer } from "../_libzmq_peer.ts";

Deno.test("poll reads a PULL and a SUB fed by libzmq, each in order", async () => {
  await using peer = new LibzmqPeer();
  const push = await peer.open("Push");
  const publisher = await peer.open("Publisher");
  const receiver = new Pull();
  receiver.connect(await push.bind("tcp://127.0.0.1:*"));
  const subscriber = new Subscriber();
  subscriber.connect(await publisher.bind("tcp://127.0.0.1:*"));
  subscriber.subscribe("10001 ");
  await sendUntilReceived(
    () => publisher.send(["10001 warm-up"]),
    subscriber.receive(timeout()),
  );
  // Drain warm-ups that crossed the receive above.
  while (subscriber.readable) await subscriber.receive();

  for (const n of [1, 2, 3]) await push.send([`task ${n}`]);
  for (const n of [1, 2, 3]) await publisher.send([`10001 weather ${n}`]);
  const seen: string[] = [];
  for await (
    const [from, [frame]] of poll({ receiver, subscriber }, timeout())
  ) {
    seen.push(`${from}: ${decode(frame)}`);
    if (seen.length === 6) break;
  }
  assertEquals(seen.filter((line) => line.startsWith("receiver")), [
    "receiver: task 1",
    "receiver: task 2",
    "receiver: task 3",
  ]);
  assertEquals(seen.filter((line) => line.startsWith("subscriber")), [
    "subscriber: 10001 weather 1",
    "subscriber: 10001 weather 2",
    "subscriber: 10001 weather 3",
  ]);
  await receiver.close();
  await subscriber.close();
  await push.close();
  await publisher.close();
});

Deno.test("leaving a poll loop loses nothing; it ends when the sockets close", async () => {
  await using peer = new LibzmqPeer();
  const push = await peer.open("Push");
  const first = new Pull();
  first.connect(await push.bind("tcp://127.0.0.1:*"));
  const second = new Pull();
  await second.bind("tcp://127.0.0.1:0");
  for (const n of [1, 2, 3]) await push.send([`message ${n}`]);
  for await (const [from, [frame]] of poll({ first, second }, timeout())) {
    assertEquals([from, decode(frame)], ["first", "message 1"]);
    break;
  }
  assertEquals(decode((await first.receive(timeout()))[0]), "message 2");
  assertEquals(decode((await first.receive(timeout()))[0]), "message 3");

  const ended = (async () => {
    let count = 0;
    for await (const _ of poll({ first, second })) count++;
    return count;
  })();
  await first.close();
  await second.close();
  assertEquals(await ended, 0);
  await push.close();
});

Deno.test("an aborted signal ends a poll loop that is waiting", async () => {
  const pull = new Pull();
  await pull.bind("inproc://poll-abort");
  const controller = new AbortController();
  const ended = (async () => {
    for await (const _ of poll({ pull }, controller)) {
      throw new Error("nothing was sent");
    }
  })();
  controller.abort();
  await ended;
  await pull.close();
});

Deno.test("poll wakes for an XPUB's subscription notices", async () => {
  const xpub = new XPublisher();
  await xpub.bind("inproc://poll-xpub");
  const sub = new Subscriber();
  sub.connect("inproc://poll-xpub");
  const controller = new AbortController();
  const polled = (async () => {
    for await (const [name, message] of poll({ xpub }, controller)) {
      controller.abort();
      return [name, decode(message[0])];
    }
  })();
  sub.subscribe("weather");
  assertEquals(await deadline(polled, 5000), ["xpub", "\x01weather"]);
  await sub.close();
  await xpub.close();
});

Deno.test("poll leaves no waiter behind on the sockets it woke on: a long-running loop costs nothing per wake-up", async () => {
  await using pull = new Pull({ linger: 0 });
  await pull.bind("inproc://poll-waiters");
  await using other = new Pull({ linger: 0 });
  await using push = new Push({ linger: 0 });
  push.connect("inproc://poll-waiters");
  for (let round = 0; round < 50; round++) {
    // poll waits (nothing is readable), then a message wakes it.
    const polling = (async () => {
      for await (const [, [frame]] of poll({ pull, other }, timeout())) {
        return decode(frame);
      }
    })();
    await push.send(`m${round}`, timeout());
    assertEquals(await polling, `m${round}`);
  }
  assertEquals(coreOf(pull).readableWaiters, 0);
  assertEquals(coreOf(other).readableWaiters, 0);
});

Deno.test("poll wakes for a REP whose queued request becomes readable when it sends its reply later (zeromq.js triggers its poller after a send)", async () => {
  const rep = new Reply();
  await rep.bind("tcp://127.0.0.1:0");
  const first = new Request();
  first.connect(rep.lastEndpoint!);
  const second = new Request();
  second.connect(rep.lastEndpoint!);
  const stop = new AbortController();
  const seen: string[] = [];
  let owed: string | undefined;
  const loop = (async () => {
    for await (const [, [frame]] of poll({ rep }, { signal: stop.signal })) {
      seen.push(decode(frame));
      owed = decode(frame); // answered outside the loop, which waits again
    }
  })();
  await first.send("one");
  await until(() => owed === "one", "the first request");
  await second.send("two");
  // The second request is queued while the first reply is owed, and the
  // loop waits on the socket.
  await until(
    () =>
      [...coreOf(rep).pipes].some((pipe) => pipe.inbound.length > 0) &&
      coreOf(rep).readableWaiters > 0,
    "the second request queued, the poll waiting",
  );
  await rep.send(`re:${owed}`);
  await until(() => owed === "two", "the poll woken for the second request");
  await rep.send(`re:${owed}`);
  assertEquals(decode((await first.receive(timeout()))[0]), "re:one");
  assertEquals(decode((await second.receive(timeout()))[0]), "re:two");
  assertEquals(seen, ["one", "two"]);
  stop.abort();
  await loop;
  for (const socket of [rep, first, second]) await socket.close();
});

Deno.test("poll yields each socket's own message type, narrowed by its name: a Server's has its routingId; bind resolves with the endpoint bound", async () => {
  await using context = new Context();
  await using server = new Server({ context });
  const serverEndpoint = await server.bind("inproc://polled-server");
  assertEquals(serverEndpoint, server.lastEndpoint);
  await using pull = new Pull({ context });
  const pullEndpoint = await pull.bind("tcp://127.0.0.1:0");
  assertEquals(pullEndpoint, pull.lastEndpoint);
  assertEquals(pullEndpoint.startsWith("tcp://127.0.0.1:"), true);
  await using client = new Client({ context });
  client.connect(serverEndpoint);
  await using push = new Push({ context });
  push.connect(pullEndpoint);
  await client.send("request");
  await push.send("task");
  const seen: string[] = [];
  for await (const [from, message] of poll({ server, pull }, timeout())) {
    if (from === "server") {
      // Compiles only if the name narrows the message to a Server's.
      const routingId: number = message.routingId;
      seen.push(`server ${decode(message[0])} ${routingId > 0}`);
      await server.send("reply", { routingId });
    } else {
      seen.push(`pull ${decode(message[0])}`);
    }
    if (seen.length === 2) break;
  }
  assertEquals(seen.sort(), ["pull task", "server request true"]);
  assertEquals(decode((await client.receive(timeout()))[0]), "reply");
  // A number-like key comes as its string, as Object.entries gives it
  // (compiles only if the type is exactly that: not `never`).
  const exactly: Same<Polled<{ 1: Pull }>, ["1", Message]> = true;
  assertEquals(exactly, true);
});

/** Whether two types are the same (`never` is no other type). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
