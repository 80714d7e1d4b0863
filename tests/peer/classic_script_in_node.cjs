// Loads the library's IIFE bundle (argv[2]) under Node as a classic script,
// which may not hold a top-level await: a CURVE key pair and its Z85 text,
// and a message over inproc. Prints one JSON line of what each got.
"use strict";
const { readFileSync } = require("node:fs");
const { runInThisContext } = require("node:vm");

runInThisContext(readFileSync(process.argv[2], "utf8"));
const zmq = globalThis.zmq;

(async () => {
  const { publicKey, secretKey } = zmq.curveKeyPair();
  const result = {
    curve: { same: zmq.curvePublicKey(secretKey) === publicKey },
  };
  const context = new zmq.Context();
  const pull = new zmq.Pull({ context });
  await pull.bind("inproc://classic");
  const push = new zmq.Push({ context });
  push.connect("inproc://classic");
  await push.send(["", "x".repeat(300)]);
  result.inproc = (await pull.receive()).map((frame) => frame.length);
  await push.close();
  await pull.close();
  await context.close();
  console.log(JSON.stringify(result));
})();
