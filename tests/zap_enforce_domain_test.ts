/**
 * zapEnforceDomain (libzmq's draft ZMQ_ZAP_ENFORCE_DOMAIN) on our servers,
 * with libzmq clients.
 */

import { assertEquals } from "@std/assert";
import { Context, Pull } from "../mod.ts";
import { CLIENT, SERVER } from "./_keys.ts";
import { decode, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** A server alone in its context: no authenticator, no ZAP handler. */
async function lonePull(options: ConstructorParameters<typeof Pull>[0]) {
  const context = new Context();
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

Deno.test("zapEnforceDomain: a NULL server with a zapDomain and nobody to judge hangs up on a libzmq client, which is let in without the option", async () => {
  await using peer = new LibzmqPeer();
  await using enforced = await lonePull({
    zapDomain: "global",
    zapEnforceDomain: true,
  });
  const client = await peer.open("Push");
  await client.connect(enforced.server.lastEndpoint!);
  await client.send(["knocking"]);
  const failed = await enforced.server.events.wait(
    "handshake-failed",
    timeout().signal,
  );
  assertEquals(failed.kind, "auth");
  assertEquals(enforced.server.readable, false, "nothing came through");
  await client.close();

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

Deno.test("zapEnforceDomain: a CURVE server without a zapDomain asks nobody, its authenticator neither; with one and nobody to judge, it hangs up", async () => {
  await using peer = new LibzmqPeer();
  const curveClient = {
    curveServerKey: SERVER.publicKey,
    curvePublicKey: CLIENT.publicKey,
    curveSecretKey: CLIENT.secretKey,
  };
  let asked = 0;
  await using stonehouse = await lonePull({
    curveServer: true,
    curveSecretKey: SERVER.secretKey,
    zapEnforceDomain: true,
    authenticate: () => {
      asked++;
      return false;
    },
  });
  const client = await peer.open("Push", curveClient);
  await client.connect(stonehouse.server.lastEndpoint!);
  await client.send(["encrypted, not judged"]);
  assertEquals(
    (await stonehouse.server.receive(timeout())).map(decode),
    ["encrypted, not judged"],
  );
  assertEquals(asked, 0);
  await client.close();

  await using enforced = await lonePull({
    curveServer: true,
    curveSecretKey: SERVER.secretKey,
    zapDomain: "global",
    zapEnforceDomain: true,
  });
  const refused = await peer.open("Push", curveClient);
  await refused.connect(enforced.server.lastEndpoint!);
  await refused.send(["knocking"]);
  const failed = await enforced.server.events.wait(
    "handshake-failed",
    timeout().signal,
  );
  assertEquals(failed.kind, "auth");
  assertEquals(enforced.server.readable, false, "nothing came through");
  await refused.close();
});
