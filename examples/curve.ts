/**
 * CURVE in a few lines: a REP server that knows its own key pair and
 * allows one client key, and a REQ client that knows the server's public
 * key. Everything between them is encrypted and authenticated.
 *
 *     deno run --allow-net examples/curve.ts
 *
 * @module
 */
import { curveKeyPair, Reply, Request } from "@zmtp/zmq";

/** Runs the exchange on a loopback port, printing what each side got. */
export async function curveExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  // Keys are Z85 text, as libzmq's tools and zeromq.js print them.
  const server = curveKeyPair();
  const client = curveKeyPair();

  await using responder = new Reply({
    curveServer: true,
    curveSecretKey: server.secretKey,
    // Only our client gets in, and the server learns who it is.
    authenticate: ({ publicKey }) =>
      publicKey === client.publicKey && { allow: true, userId: "client-1" },
  });
  await responder.bind("tcp://127.0.0.1:0");

  await using requester = new Request({
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  requester.connect(responder.lastEndpoint!);

  await requester.send("Hello");
  const [request] = await responder.receive();
  const { peer } = await responder.events.wait("handshake-succeeded");
  print(
    `Server got "${new TextDecoder().decode(request)}" from ${peer?.userId}`,
  );
  await responder.send("World");
  const [reply] = await requester.receive();
  print(`Client got "${new TextDecoder().decode(reply)}"`);
}

if (import.meta.main) await curveExample();
