/**
 * A Worker for the ZAP-across-isolates tests: in a context shared with the
 * main isolate it plays a CURVE server bound on tcp (`server`: posts its
 * endpoint, then each message it gets) or a ZAP handler on
 * `inproc://zeromq.zap.01` that refuses every client (`handler`: posts
 * each request's mechanism), or holds the context it shares first (`hub`:
 * posts the handle, `{ op: "shared", shared }`, so that its isolate keeps
 * the register of names).
 * Says `{ op: "loaded" }` first: Deno 2.9.6 loses what is posted to a Worker
 * before its module has run. `{ op: "stop" }` closes its context.
 */
import * as zmq from "../../mod.ts";

/** What the driver tells it. */
export type ZapWorkerCommand =
  | {
    op: "start";
    shared: zmq.SharedContext;
    role: "server" | "handler";
    secretKey?: string | undefined;
  }
  | { op: "hub" }
  | { op: "stop" };

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ZapWorkerCommand>) => void) | null;
};

let context: zmq.Context | undefined;

scope.onmessage = async ({ data }) => {
  if (data.op === "stop") {
    await context?.close();
    return scope.postMessage({ op: "closed" });
  }
  if (data.op === "hub") {
    context = new zmq.Context();
    const shared = context.share();
    return scope.postMessage({ op: "shared", shared }, [shared.port]);
  }
  context = new zmq.Context({ shared: data.shared });
  try {
    if (data.role === "server") {
      const server = new zmq.Pull({
        context,
        curveServer: true,
        curveSecretKey: data.secretKey,
        zapDomain: "test",
      });
      await server.bind("tcp://127.0.0.1:0");
      scope.postMessage({ op: "bound", endpoint: server.lastEndpoint });
      for await (const [frame] of server) {
        scope.postMessage({
          op: "message",
          text: new TextDecoder().decode(frame),
        });
      }
    } else {
      const handler = new zmq.Reply({ context });
      await handler.bind("inproc://zeromq.zap.01");
      scope.postMessage({ op: "bound" });
      for await (const request of handler) {
        const [version, id, , , , mechanism] = request;
        scope.postMessage({
          op: "asked",
          mechanism: new TextDecoder().decode(mechanism),
        });
        await handler.send([version, id, "400", "refused", "", ""]);
      }
    }
  } catch (error) {
    // Closed with its context.
    if (!(error instanceof zmq.ZmqError) || error.code !== "ETERM") throw error;
  }
};
scope.postMessage({ op: "loaded" });
