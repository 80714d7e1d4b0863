// The workers bench's clients for the service case: libzmq REQs (zeromq.js)
// over tcp, each asking as fast as answers come, for a while.
//
//     node bench/_zeromqjs_clients.cjs <endpoint> <clients> <ms>
//
// Prints {"rate": answered requests per second, all clients together}.
"use strict";
const zmq = require("zeromq");

async function main() {
  const [endpoint, clientsText, msText] = process.argv.slice(2);
  const clients = Number(clientsText);
  const ms = Number(msText);
  let answered = 0;
  let running = true;
  const started = performance.now();
  setTimeout(() => running = false, ms);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const socket = new zmq.Request({ linger: 0 });
      socket.connect(endpoint);
      while (running) {
        await socket.send("request");
        await socket.receive();
        answered++;
      }
      socket.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ rate: answered / seconds }));
}
main();
