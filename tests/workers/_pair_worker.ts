/**
 * A Worker for the socket-pair tests across isolates: told a socket type,
 * it joins the context it is given, binds or connects, and then either
 * echoes each message to its sender (`echo`) or posts each one back to the
 * main isolate (`collect`, subscribing or joining to everything first).
 * A PEER that connects says `hello` first, so that its peer learns its
 * routing id. Between two Workers, the other side asks (`ask`: sends
 * `message` three times, posting each echo back) or pumps (`pump`: sends
 * `message` every 5 ms until told `{ op: "halt" }`, for subscribers that
 * join late).
 * Says `{ op: "loaded" }` first: Deno 2.9.6 loses what is posted to a Worker
 * before its module has run. `{ op: "stop" }` closes its context.
 */
import * as zmq from "../../mod.ts";

export interface PairStart {
  op: "start";
  shared: zmq.SharedContext;
  type: string;
  /** More options for the socket (a ROUTER's routingId). */
  options?: object | undefined;
  /** `send`: twenty messages once connected, then `{ op: "message" }`. */
  mode: "echo" | "collect" | "send" | "ask" | "pump";
  /** What `ask` and `pump` send, and with which options. */
  message?: Uint8Array[] | undefined;
  sendOptions?: object | undefined;
  /** What `pump` sends after each `message` too. */
  also?: Uint8Array[] | undefined;
  /** What `collect` subscribes to (all by default). */
  topic?: string | undefined;
  endpoint: string;
  bind: boolean;
}

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage:
    | ((
      event: MessageEvent<PairStart | { op: "stop" } | { op: "halt" }>,
    ) => void)
    | null;
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
let pumping = false;

scope.onmessage = async ({ data }) => {
  if (data.op === "halt") {
    pumping = false;
    return;
  }
  if (data.op === "stop") {
    pumping = false;
    await context?.close();
    scope.postMessage({ op: "closed" });
    return;
  }
  context = new zmq.Context({ shared: data.shared });
  const Socket = (zmq as unknown as Record<
    string,
    new (options: { context: zmq.Context }) => AnySocket
  >)[data.type];
  const socket = new Socket({ ...data.options, context });
  if (data.mode === "collect") {
    socket.subscribe?.(data.topic ?? "");
    socket.join?.("g");
  }
  let peer: number | undefined;
  if (data.bind) await socket.bind(data.endpoint);
  else {
    const routingId = socket.connect(data.endpoint);
    if (routingId !== undefined && data.mode !== "ask") {
      await socket.send("hello", { routingId });
    }
    if (typeof routingId === "number") peer = routingId;
  }
  scope.postMessage({ op: "ready" });
  if (data.mode === "ask") return ask(socket, data.message!, peer);
  if (data.mode === "pump") {
    pumping = true;
    while (pumping) {
      await socket.send(data.message, data.sendOptions);
      if (data.also) await socket.send(data.also, data.sendOptions);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return;
  }
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
/**
 * Sends `message` and posts its echo back, three times; a PEER that bound
 * learns the peer to send to from its hello.
 */
async function ask(
  socket: AnySocket,
  message: Uint8Array[],
  peer: number | undefined,
): Promise<void> {
  const replies = socket[Symbol.asyncIterator]();
  if (socket instanceof zmq.Peer && peer === undefined) {
    peer = (await replies.next()).value.routingId;
  }
  const options = peer === undefined ? undefined : { routingId: peer };
  for (let i = 0; i < 3; i++) {
    await socket.send(message, options);
    const echo = (await replies.next()).value;
    scope.postMessage({
      op: "message",
      message: [...echo],
      fromPeer: echo.routingId === undefined || echo.routingId === peer,
    });
  }
}

scope.postMessage({ op: "loaded" });
