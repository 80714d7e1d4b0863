/**
 * ZAP across isolates: a handler bound to `inproc://zeromq.zap.01` in one
 * isolate judges the CURVE clients of a server in another that shares the
 * context, as libzmq's context serves every thread (session_base's
 * zap_connect finds the handler whichever thread bound it). The clients
 * are libzmq's.
 */
import { assertEquals } from "@std/assert";
import { Context, Pull, Reply } from "../../mod.ts";
import { within } from "../_fakes.ts";
import { WorkerReplies } from "./_worker_replies.ts";
import { LibzmqPeer } from "../_libzmq_peer.ts";
import { CLIENT, SERVER } from "../_keys.ts";
import type { ZapWorkerCommand } from "./_zap_worker.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What a Worker of _zap_worker.ts posts. */
interface ZapReply {
  op: string;
  endpoint?: string;
  mechanism?: string;
  text?: string;
}

/** A Worker of _zap_worker.ts in `role`, started. */
async function zapWorker(
  context: Context,
  role: "server" | "handler",
): Promise<WorkerReplies<ZapReply>> {
  const worker = new WorkerReplies<ZapReply>("./_zap_worker.ts");
  await worker.next("loaded", 60_000);
  const shared = context.share();
  const start: ZapWorkerCommand = {
    op: "start",
    shared,
    role,
    secretKey: SERVER.secretKey,
  };
  worker.post(start, [shared.port]);
  return worker;
}

const CLIENT_OPTIONS = {
  curveServerKey: SERVER.publicKey,
  curvePublicKey: CLIENT.publicKey,
  curveSecretKey: CLIENT.secretKey,
};

Deno.test("ZAP across isolates: a handler bound here judges the libzmq CURVE clients of a server in a Worker (it let every one in)", async () => {
  await using peer = new LibzmqPeer();
  const context = new Context();
  const handler = new Reply({ context });
  await handler.bind("inproc://zeromq.zap.01");
  const server = await zapWorker(context, "server");
  try {
    const { endpoint } = await server.next("bound");
    const client = await peer.open("Push", CLIENT_OPTIONS);
    await client.connect(endpoint!);
    const [version, id, domain, , , mechanism] = await within(
      handler.receive(),
      "the ZAP request",
    );
    assertEquals([decode(domain), decode(mechanism)], ["test", "CURVE"]);
    await handler.send([version, id, "400", "refused", "", ""]);
    await client.close();
  } finally {
    await server.stop();
    await context.close();
  }
});

Deno.test("ZAP across isolates: a handler bound in a Worker judges the libzmq CURVE clients of a server here", async () => {
  await using peer = new LibzmqPeer();
  const context = new Context();
  const handler = await zapWorker(context, "handler");
  await handler.next("bound");
  const server = new Pull({
    context,
    curveServer: true,
    curveSecretKey: SERVER.secretKey,
    zapDomain: "test",
  });
  try {
    await server.bind("tcp://127.0.0.1:0");
    const client = await peer.open("Push", CLIENT_OPTIONS);
    await client.connect(server.lastEndpoint!);
    const { mechanism } = await handler.next("asked");
    assertEquals(mechanism, "CURVE");
    await client.close();
  } finally {
    await server.close();
    await handler.stop();
    await context.close();
  }
});
