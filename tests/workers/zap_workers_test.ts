/**
 * ZAP across isolates: a handler bound to `inproc://zeromq.zap.01` in one
 * isolate judges the CURVE clients of a server in another that shares the
 * context, as libzmq's context serves every thread (session_base's
 * zap_connect finds the handler whichever thread bound it). The clients
 * are libzmq's.
 */
import { assert, assertEquals } from "@std/assert";
import { Context, Pull, Reply, type SharedContext } from "../../mod.ts";
import { isInprocBoundInContext } from "../../transport/inproc.ts";
import { within } from "../_fakes.ts";
import { WorkerReplies } from "./_worker_replies.ts";
import { LibzmqPeer } from "../_libzmq_peer.ts";
import { CLIENT, SERVER } from "../_keys.ts";
import type { ZapWorkerCommand } from "./_zap_worker.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What a Worker of _zap_worker.ts posts. */
interface ZapReply {
  op: string;
  shared?: SharedContext;
  endpoint?: string;
  mechanism?: string;
  text?: string;
}

/**
 * A context joined through a Worker that shares its own first, so that the
 * register of names lives in that Worker's isolate.
 */
async function contextOfHub(): Promise<{
  context: Context;
  hub: WorkerReplies<ZapReply>;
}> {
  const hub = new WorkerReplies<ZapReply>("./_zap_worker.ts");
  await hub.next("loaded", 60_000);
  hub.post({ op: "hub" });
  const { shared } = await hub.next("shared");
  return { context: new Context({ shared: shared! }), hub };
}

/** Terminates the hub's Worker and waits until `context` has noticed. */
async function loseHub(
  context: Context,
  hub: WorkerReplies<ZapReply>,
): Promise<void> {
  hub.terminate();
  const deadline = Date.now() + 10_000;
  while (
    await isInprocBoundInContext(context, "zeromq.zap.01").then(
      () => true,
      () => false,
    )
  ) {
    if (Date.now() > deadline) throw new Error("the hub's end went unnoticed");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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

/** A CURVE server here whose clients its context's ZAP handler judges. */
function curveServer(context: Context): Pull {
  return new Pull({
    context,
    curveServer: true,
    curveSecretKey: SERVER.secretKey,
    zapDomain: "test",
  });
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
  const server = curveServer(context);
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

Deno.test("ZAP across isolates fails closed once the isolate holding the register of names ends: a handler linked already is still asked, and with none linked a client is refused (500), not let in", async (t) => {
  await using peer = new LibzmqPeer();
  for (const linked of [true, false]) {
    await t.step(linked ? "linked" : "not linked", async () => {
      const { context, hub } = await contextOfHub();
      const handler = await zapWorker(context, "handler");
      await handler.next("bound");
      const server = curveServer(context);
      try {
        await server.bind("tcp://127.0.0.1:0");
        const connect = async () => {
          const client = await peer.open("Push", CLIENT_OPTIONS);
          await client.connect(server.lastEndpoint!);
          return client;
        };
        if (linked) {
          const first = await connect();
          await handler.next("asked");
          await first.close();
        }
        await loseHub(context, hub);
        const failed = server.events.wait(
          "handshake-failed",
          AbortSignal.timeout(10_000),
        );
        const client = await connect();
        if (linked) {
          assertEquals((await handler.next("asked")).mechanism, "CURVE");
        } else {
          const { kind, reason } = await failed;
          assertEquals(kind, "auth");
          assert(reason.includes("first shared this context"), reason);
          assertEquals(handler.waiting("asked"), 0);
        }
        await client.close();
      } finally {
        await server.close();
        await handler.stop();
        await context.close();
      }
    });
  }
});
