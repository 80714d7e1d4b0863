/**
 * One side of a benchmark run, with @zmtp/zmq (the driver is throughput.ts).
 *
 *     deno run -A bench/_ours.ts <pattern> <side> <endpoint> <count> <size>
 *
 * pattern: push | curve (PUSH→PULL over CURVE) | pub | dealer | reqrep. Side "a" binds and, for the
 * throughput patterns, receives and times first → last message like
 * libzmq's local_thr; side "b" connects and sends once it reads "go" on
 * stdin (a PUB sends warm-up messages until then, so the subscription has
 * arrived). For reqrep, "a" echoes and "b" times round trips. Results go to
 * stdout as JSON lines.
 */
import {
  Dealer,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  Subscriber,
} from "../mod.ts";

const [pattern, side, endpoint, countText, sizeText] = Deno.args;
const count = Number(countText);
const size = Number(sizeText);
const WARM_UP = "w";
const print = (value: object) => console.log(JSON.stringify(value));

// The driver writes "go" when the receiver is ready, then "done" once it has
// every message: exiting earlier could lose messages still in flight.
const stdinLines = Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  .getReader();
let stdinBuffer = "";
async function nextStdinLine(): Promise<string> {
  while (!stdinBuffer.includes("\n")) {
    const { value, done } = await stdinLines.read();
    if (done) return "";
    stdinBuffer += value;
  }
  const index = stdinBuffer.indexOf("\n");
  const line = stdinBuffer.slice(0, index);
  stdinBuffer = stdinBuffer.slice(index + 1);
  return line;
}

function peakRss(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) * 1024;
}

async function receiveTimed(
  socket: Socket,
  skipWarmUp: boolean,
): Promise<void> {
  let first = await socket.receive();
  if (skipWarmUp) {
    print({ ready: true });
    while (first.length === 1 && first[0].length === 1) {
      first = await socket.receive();
    }
  }
  const started = performance.now();
  for (let i = 1; i < count; i++) await socket.receive();
  print({ rate: (count - 1) / ((performance.now() - started) / 1000) });
}

const message = new Uint8Array(size).fill(1);
// libzmq's zmq_curve(7) test keys; the same in _zeromqjs.cjs.
const curve = pattern === "curve";
const SERVER_PUBLIC = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
const curveServer = curve
  ? { curveServer: true, curveSecretKey: SERVER_SECRET }
  : {};
const curveClient = curve ? { curveServerKey: SERVER_PUBLIC } : {};
const lossless = {
  receive: { receiveHighWaterMark: 0 },
  send: { sendHighWaterMark: 0 },
};

if (side === "a") {
  const socket = pattern === "push" || curve
    ? new Pull(curveServer)
    : pattern === "pub"
    ? new Subscriber(lossless.receive)
    : pattern === "dealer"
    ? new Router()
    : new Reply();
  if (socket instanceof Subscriber) socket.subscribe();
  await socket.bind(endpoint);
  print({ endpoint: socket.lastEndpoint });
  if (socket instanceof Reply) {
    for (let i = 0; i < count + 100; i++) {
      await socket.receive();
      await socket.send(message);
    }
  } else {
    await receiveTimed(socket, pattern === "pub");
  }
  await socket.close();
} else {
  const socket = pattern === "push" || curve
    ? new Push({ linger: -1, ...curveClient })
    : pattern === "pub"
    ? new Publisher({ ...lossless.send, linger: -1 })
    : pattern === "dealer"
    ? new Dealer({ linger: -1 })
    : new Request();
  socket.connect(endpoint);
  const go = nextStdinLine();
  if (socket instanceof Publisher) {
    let started = false;
    go.then(() => started = true);
    while (!started) {
      await socket.send(WARM_UP);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  await go;
  if (socket instanceof Request) {
    for (let i = 0; i < 100; i++) {
      await socket.send(message);
      await socket.receive();
    }
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      await socket.send(message);
      await socket.receive();
    }
    print({ latency: (performance.now() - started) * 1000 / count });
  } else {
    for (let i = 0; i < count; i++) await socket.send(message);
  }
  await nextStdinLine(); // "done"
  await socket.close();
}
print({ peakRss: peakRss() });
