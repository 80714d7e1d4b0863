/**
 * zapEnforceDomain (libzmq's draft ZMQ_ZAP_ENFORCE_DOMAIN) on our servers,
 * with libzmq clients.
 */

import { assert, assertEquals } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { type Authenticator, Context, Pull, type SocketEvent } from "../mod.ts";
import { CLIENT, SERVER } from "./_keys.ts";
import { decode, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/**
 * A server alone in its context: no ZAP handler, and no authenticator but
 * the context's `authenticate`, if given.
 */
async function lonePull(
  options: ConstructorParameters<typeof Pull>[0],
  authenticate?: Authenticator,
) {
  const context = new Context({ authenticate });
  const server = new Pull({ context, ...options });
  await server.bind("tcp://127.0.0.1:0");
  return {
    server,
    async [Symbol.asyncDispose]() {
      await server.close();
      await context.close();
    },
  };
}

/** A socket's event, with when it came. */
type Seen = { event: SocketEvent; at: number };

/** A socket's events with when each came, up to the first of `type`. */
function until(socket: Pull, type: SocketEvent["type"]): Promise<Seen[]> {
  const collect = async () => {
    const seen: Seen[] = [];
    for await (const event of socket.events) {
      seen.push({ event, at: performance.now() });
      if (event.type === type) break;
    }
    return seen;
  };
  return deadline(collect(), 5000);
}

/**
 * The refusal a libzmq PUSH with these options meets at `server`: it
 * connects and sends, and our server's first handshake failure is told.
 */
async function refusedClient(
  peer: LibzmqPeer,
  server: Pull,
  options: Record<string, unknown>,
): Promise<Extract<SocketEvent, { type: "handshake-failed" }>> {
  const client = await peer.open("Push", options);
  await client.connect(server.lastEndpoint!);
  await client.send(["knocking"]);
  const failed = await server.events.wait("handshake-failed", timeout().signal);
  await client.close();
  return failed;
}

/**
 * A libzmq PUSH with these options connects to `server` and sends: it is
 * refused once, unanswered, and kept until the server's handshakeInterval
 * (at least 900 ms of the 1000 the callers give), as libzmq's server keeps
 * it. A hang-up would have the client dial again every reconnect interval
 * (100 ms).
 */
async function assertStalled(
  peer: LibzmqPeer,
  server: Pull,
  options: Record<string, unknown> = {},
): Promise<void> {
  const events = until(server, "disconnected");
  const client = await peer.open("Push", options);
  await client.connect(server.lastEndpoint!);
  await client.send(["knocking"]);
  const seen = await events;
  assertEquals(seen.map(({ event }) => event.type), [
    "listening",
    "accepted",
    "handshake-failed",
    "disconnected",
  ]);
  const failed = seen[2].event as Extract<
    SocketEvent,
    { type: "handshake-failed" }
  >;
  assertEquals([failed.kind, failed.statusCode], ["auth", undefined]);
  // Not a wait: the least a stall takes (a hang-up takes milliseconds).
  const kept = seen[3].at - seen[1].at;
  assert(kept >= 900, `the connection ended ${kept} ms after it came`);
  assertEquals(server.readable, false, "nothing came through");
  await client.close();
}

Deno.test("zapEnforceDomain: a NULL server with a zapDomain and nobody to judge keeps a libzmq client waiting, unanswered, until its handshakeInterval, as libzmq's does; without the option it is let in", async () => {
  await using peer = new LibzmqPeer();
  await using enforced = await lonePull({
    zapDomain: "global",
    zapEnforceDomain: true,
    handshakeInterval: 1000,
  });
  await assertStalled(peer, enforced.server);

  await using lenient = await lonePull({ zapDomain: "global" });
  const other = await peer.open("Push");
  await other.connect(lenient.server.lastEndpoint!);
  await other.send(["let in"]);
  assertEquals(
    (await lenient.server.receive(timeout())).map(decode),
    ["let in"],
  );
  await other.close();
});

Deno.test("zapEnforceDomain: a CURVE server without a zapDomain asks no ZAP handler nor its context's authenticator, only its own; with a zapDomain and nobody to judge, it keeps a libzmq client waiting, unanswered, until its handshakeInterval, as libzmq's does", async () => {
  await using peer = new LibzmqPeer();
  const curveClient = {
    curveServerKey: SERVER.publicKey,
    curvePublicKey: CLIENT.publicKey,
    curveSecretKey: CLIENT.secretKey,
  };
  const asked: string[] = [];
  const refuse = (who: string): Authenticator => () => {
    asked.push(who);
    return false;
  };
  const curveServer = {
    curveServer: true,
    curveSecretKey: SERVER.secretKey,
    zapEnforceDomain: true,
  };
  await using stonehouse = await lonePull(curveServer, refuse("context"));
  const client = await peer.open("Push", curveClient);
  await client.connect(stonehouse.server.lastEndpoint!);
  await client.send(["encrypted, not judged"]);
  assertEquals(
    (await stonehouse.server.receive(timeout())).map(decode),
    ["encrypted, not judged"],
  );
  assertEquals(asked, [], "the context's authenticator is not asked");
  await client.close();

  await using own = await lonePull({
    ...curveServer,
    authenticate: refuse("socket"),
  });
  const denied = await refusedClient(peer, own.server, curveClient);
  assertEquals([denied.kind, denied.statusCode], ["auth", 400]);
  assertEquals(asked[0], "socket", "its own authenticator, set on purpose");

  await using enforced = await lonePull({
    ...curveServer,
    zapDomain: "global",
    handshakeInterval: 1000,
  });
  await assertStalled(peer, enforced.server, curveClient);
});
