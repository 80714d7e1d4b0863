/**
 * A Worker for the socket-pair tests across isolates: told a socket type,
 * it joins the context it is given, binds or connects, and then either
 * echoes each message to its sender (`echo`) or posts each one back to the
 * main isolate (`collect`, subscribing or joining to everything first).
 * A PEER that connects says `hello` first, so that its peer learns its
 * routing id.
 * Says `{ op: "loaded" }` first: Deno 2.9.6 loses what is posted to a Worker
 * before its module has run. `{ op: "stop" }` closes its context.
 */
import * as zmq from "../../mod.ts";

export interface PairStart {
  op: "start";
  shared: zmq.SharedContext;
  type: string;
  /** `send`: twenty messages once connected, then `{ op: "message" }`. */
  mode: "echo" | "collect" | "send";
  endpoint: string;
  bind: boolean;
}

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<PairStart | { op: "stop" }>) => void) | null;
};

interface AnySocket {
  bind(endpoint: string): Promise<void>;
  connect(endpoint: string): number | void;
  send(message: unknown, options?: unknown): Promise<void>;
  subscribe?(topic: string): void;
  join?(...groups: string[]): void;
  [Symbol.asyncIterator](): AsyncIterator<
    Uint8Array[] & { routingId?: number; group?: string }
  >;
}

let context: zmq.Context | undefined;

scope.onmessage = async ({ data }) => {
  if (data.op === "stop") {
    await context?.close();
    scope.postMessage({ op: "closed" });
    return;
  }
  context = new zmq.Context({ shared: data.shared });
  const Socket = (zmq as unknown as Record<
    string,
    new (options: { context: zmq.Context }) => AnySocket
  >)[data.type];
  const socket = new Socket({ context });
  if (data.mode === "collect") {
    socket.subscribe?.("");
    socket.join?.("g");
  }
  if (data.bind) await socket.bind(data.endpoint);
  else {
    const routingId = socket.connect(data.endpoint);
    if (routingId !== undefined) await socket.send("hello", { routingId });
  }
  scope.postMessage({ op: "ready" });
  if (data.mode === "send") {
    for (let i = 0; i < 20; i++) await socket.send(`m${i}`);
    scope.postMessage({ op: "message", message: [] });
    return;
  }
  for await (const message of socket) {
    if (data.mode === "collect") {
      scope.postMessage({ op: "message", message: [...message] });
    } else if (message.routingId !== undefined) {
      await socket.send(message, { routingId: message.routingId });
    } else {
      await socket.send(message);
    }
  }
};
scope.postMessage({ op: "loaded" });
