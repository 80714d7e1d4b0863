/**
 * One side of the PUSH→PULL throughput benchmark, with @zmtp/zmq.
 *
 *     deno run -A bench/_ours.ts recv|send <endpoint> <count> <size>
 *
 * The receiver binds, prints its endpoint, times first → last message
 * (like libzmq's local_thr) and prints the rate as JSON.
 */
import { Pull, Push } from "../mod.ts";

const [role, endpoint, countText, sizeText] = Deno.args;
const count = Number(countText);
const size = Number(sizeText);

if (role === "recv") {
  const pull = new Pull();
  await pull.bind(endpoint);
  console.log(pull.lastEndpoint);
  await pull.receive();
  const started = performance.now();
  for (let i = 1; i < count; i++) await pull.receive();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      rate: (count - 1) / seconds,
      rss: Deno.memoryUsage().rss,
    }),
  );
  await pull.close();
} else {
  const push = new Push({ linger: -1 });
  push.connect(endpoint);
  const message = new Uint8Array(size);
  for (let i = 0; i < count; i++) await push.send(message);
  await push.close();
}
