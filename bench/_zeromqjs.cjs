// The same benchmark side with zeromq.js (libzmq inside), under Node.
"use strict";
const zmq = require("zeromq");
const [role, endpoint, countText, sizeText] = process.argv.slice(2);
const count = Number(countText);
const size = Number(sizeText);

(async () => {
  if (role === "recv") {
    const pull = new zmq.Pull();
    await pull.bind(endpoint);
    console.log(pull.lastEndpoint);
    await pull.receive();
    const started = performance.now();
    for (let i = 1; i < count; i++) await pull.receive();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      JSON.stringify({
        rate: (count - 1) / seconds,
        rss: process.memoryUsage().rss,
      }),
    );
    pull.close();
  } else {
    const push = new zmq.Push();
    push.connect(endpoint);
    const message = Buffer.alloc(size);
    for (let i = 0; i < count; i++) await push.send(message);
    push.linger = -1;
    push.close();
  }
})();
