// The workers bench's zeromq.js column: PUSH→PULL over inproc:// across two
// Node worker_threads (zeromq.js shares one libzmq context between them),
// the way zeromq.js's users benchmark threads (zeromq.js issue #595).
//
//     node bench/_zeromqjs_workers.cjs <count> <size>
//
// Prints {"rate": messages per second} timed first → last at the PULL.
"use strict";
const { Worker, isMainThread, parentPort, workerData } = require(
  "node:worker_threads",
);
const zmq = require("zeromq");

async function pull({ count }) {
  const socket = new zmq.Pull();
  await socket.bind("inproc://bench");
  parentPort.postMessage({ op: "bound" });
  await socket.receive();
  const started = performance.now();
  for (let i = 1; i < count; i++) await socket.receive();
  const seconds = (performance.now() - started) / 1000;
  parentPort.postMessage({ op: "rate", rate: (count - 1) / seconds });
  socket.close();
}

async function push({ count, size }) {
  const socket = new zmq.Push({ linger: -1 });
  socket.connect("inproc://bench");
  for (let i = 0; i < count; i++) {
    // A fresh Buffer per send, as a program sends what it made.
    await socket.send(Buffer.alloc(size, 1));
  }
  socket.close();
}

if (isMainThread) {
  const [count, size] = process.argv.slice(2).map(Number);
  const start = (role) =>
    new Worker(__filename, { workerData: { role, count, size } });
  const puller = start("pull");
  puller.on("message", (message) => {
    if (message.op === "bound") start("push");
    if (message.op === "rate") {
      console.log(JSON.stringify({ rate: message.rate }));
      process.exit(0);
    }
  });
} else {
  (workerData.role === "pull" ? pull : push)(workerData);
}
