/**
 * Our side of `deno task bench --only pgm`: a PUB or a SUB of ours on an
 * epgm endpoint, as bench/_pgm_pyzmq.py is libzmq's. Prints one JSON line
 * when ready, one with the result.
 *
 *     deno run -A --unstable-net bench/_pgm_side.ts pub ENDPOINT RATE SIZE COUNT
 *     deno run -A --unstable-net bench/_pgm_side.ts sub ENDPOINT RATE COUNT
 *
 * @module
 */

import { Publisher, Subscriber } from "../mod.ts";

const [role, endpoint, rate] = [
  Deno.args[0],
  Deno.args[1],
  Number(Deno.args[2]),
];
const say = (value: unknown) => console.log(JSON.stringify(value));
const options = {
  rate,
  sendHighWaterMark: 0,
  receiveHighWaterMark: 0,
  linger: -1,
};

if (role === "pub") {
  const [size, count] = [Number(Deno.args[3]), Number(Deno.args[4])];
  const publisher = new Publisher(options);
  publisher.connect(endpoint);
  for await (const event of publisher.events) {
    if (event.type === "handshake-succeeded") break;
  }
  say({ ready: true });
  const message = new Uint8Array(size).fill(0x78);
  for (let i = 0; i < count; i++) await publisher.send(message);
  say({ sent: count });
  await publisher.close();
} else {
  const count = Number(Deno.args[3]);
  const subscriber = new Subscriber(options);
  subscriber.subscribe();
  subscriber.connect(endpoint);
  for await (const event of subscriber.events) {
    if (event.type === "handshake-succeeded") break;
  }
  say({ ready: true });
  // Timed from the fifth of the way: the steady rate, past a first burst.
  const from = Math.floor(count / 5);
  let [received, first, last] = [0, 0, 0];
  try {
    while (received < count) {
      await subscriber.receive();
      last = performance.now();
      if (received === from) first = last;
      // The first message may take the publisher's start; then silence
      // for 2 s means the rest was lost.
      if (received === 0) subscriber.receiveTimeout = 2000;
      received++;
    }
  } catch {
    // Two seconds of silence: the rest was lost.
  }
  say({ received, timed: received - from, seconds: (last - first) / 1000 });
  await subscriber.close();
}
