// One side of a benchmark run with zeromq.js (libzmq 4.3.5 inside), under
// Node: the same protocol as _ours.ts (see there).
"use strict";
const zmq = require("zeromq");
const [pattern, side, endpoint, countText, sizeText] = process.argv.slice(2);
const count = Number(countText);
const size = Number(sizeText);
const print = (value) => console.log(JSON.stringify(value));
// The driver writes "go" when the receiver is ready, then "done" once it has
// every message: exiting earlier could lose messages still in flight.
const stdinLines = [];
const stdinWaiters = [];
process.stdin.on("data", (data) => {
  for (const line of String(data).split("\n").filter(Boolean)) {
    const waiter = stdinWaiters.shift();
    if (waiter) waiter(line);
    else stdinLines.push(line);
  }
});
const nextStdinLine = () =>
  stdinLines.length > 0
    ? Promise.resolve(stdinLines.shift())
    : new Promise((resolve) => stdinWaiters.push(resolve));
// zeromq.js refuses options a socket type cannot use: a SUB has no send side.
const lossless = {
  receive: { receiveHighWaterMark: 0 },
  send: { sendHighWaterMark: 0 },
};

async function receiveTimed(socket, skipWarmUp) {
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

// libzmq's zmq_curve(7) test keys; the same in _ours.ts.
const curve = pattern === "curve";
const curveServer = curve
  ? {
    curveServer: true,
    curveSecretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
  }
  : {};
const clientKeys = zmq.curveKeyPair();
const curveClient = curve
  ? {
    curveServerKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    curvePublicKey: clientKeys.publicKey,
    curveSecretKey: clientKeys.secretKey,
  }
  : {};

(async () => {
  const message = Buffer.alloc(size, 1);
  if (side === "a") {
    const socket = pattern === "push" || curve
      ? new zmq.Pull(curveServer)
      : pattern === "pub"
      ? new zmq.Subscriber(lossless.receive)
      : pattern === "dealer"
      ? new zmq.Router()
      : new zmq.Reply();
    if (pattern === "pub") socket.subscribe();
    await socket.bind(endpoint);
    print({ endpoint: socket.lastEndpoint });
    if (pattern === "reqrep") {
      for (let i = 0; i < count + 100; i++) {
        await socket.receive();
        await socket.send(message);
      }
    } else {
      await receiveTimed(socket, pattern === "pub");
    }
    socket.close();
  } else {
    const socket = pattern === "push" || curve
      ? new zmq.Push(curveClient)
      : pattern === "pub"
      ? new zmq.Publisher(lossless.send)
      : pattern === "dealer"
      ? new zmq.Dealer()
      : new zmq.Request();
    socket.connect(endpoint);
    const go = nextStdinLine();
    if (pattern === "pub") {
      let started = false;
      go.then(() => started = true);
      while (!started) {
        await socket.send("w");
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    await go;
    if (pattern === "reqrep") {
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
    process.stdin.pause();
    socket.close();
  }
  print({ peakRss: process.resourceUsage().maxRSS * 1024 });
})();
