// Runs the library's browser bundle (argv[2], an ES module) under Node, as a
// user of another runtime would load it: sockets over inproc, a REQ over ws
// to libzmq (zeromq.js, in this same process), and a CURVE handshake of the
// codec. Prints one JSON line of what each case got, then ends by itself: a
// timer or handle the library left open would keep Node running past the
// test's deadline.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const zeromq = createRequire(import.meta.url)("zeromq");
const zmq = await import(pathToFileURL(process.argv[2]).href);

const long = new Uint8Array(300).map((_, i) => i);
const message = [new Uint8Array(0), long, new TextEncoder().encode("x")];
const describe = (frames) => ({
  sizes: frames.map((frame) => frame.length),
  intact: frames[1]?.every((byte, i) => byte === i % 256) ?? false,
});
const result = { node: process.version };

// inproc, within the bundle's own Context; tcp has no sockets here.
{
  const context = new zmq.Context();
  const pull = new zmq.Pull({ context });
  await pull.bind("inproc://in-node");
  const push = new zmq.Push({ context });
  push.connect("inproc://in-node");
  await push.send(message);
  result.inproc = describe(await pull.receive());
  result.tcpBind = await pull.bind("tcp://127.0.0.1:0").then(
    () => "bound",
    (error) => error.code,
  );
  await push.close();
  await pull.close();
  result.inprocClose = await context.close();
}

// Our REQ to a libzmq REP over ws (NULL: the platform's WebSocket cannot ask
// for a mechanism), a long frame and an empty one each way.
{
  const reply = new zeromq.Reply();
  await reply.bind("ws://127.0.0.1:0");
  const echo = (async () => {
    await reply.send(await reply.receive());
  })();
  const request = new zmq.Request();
  request.connect(reply.lastEndpoint);
  await request.send(message);
  result.ws = describe(await request.receive());
  await echo;
  await request.close();
  reply.close();
}

// CURVE in the codec: the key exchange, then a sealed 70 kB frame.
{
  const serverKeys = zmq.curveKeyPair();
  const clientKeys = zmq.curveKeyPair();
  const client = new zmq.codec.Connection({
    socketType: "PUSH",
    mechanism: (metadata) =>
      new zmq.codec.CurveClientMechanism(metadata, {
        serverKey: serverKeys.publicKey,
        ...clientKeys,
      }),
  });
  const server = new zmq.codec.Connection({
    socketType: "PULL",
    mechanism: (metadata) =>
      new zmq.codec.CurveServerMechanism(metadata, serverKeys),
  });
  const pump = (from, to) =>
    from.takeOutput().flatMap((chunk) => to.receive(chunk));
  for (let round = 0; round < 4; round++) {
    for (const event of pump(client, server)) {
      if (event.type === "authenticate") {
        server.authenticated({ statusCode: 200, statusText: "", userId: "" });
      }
    }
    pump(server, client);
  }
  const big = new Uint8Array(70000).map((_, i) => i * 7);
  client.sendMessage([big]);
  const [sealed] = pump(client, server);
  const opened = sealed?.type === "message" ? sealed.frames[0] : undefined;
  result.curve = {
    states: [client.state, server.state],
    opened: opened?.length === big.length &&
      opened.every((byte, i) => byte === big[i]),
  };
}
console.log(JSON.stringify(result));
