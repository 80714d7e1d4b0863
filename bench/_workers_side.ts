/**
 * A Web Worker of the workers bench (the driver is _workers.ts): one
 * socket in a context shared with the main isolate.
 *
 * - `pull`: binds, receives `count` messages and posts the rate from the
 *   first to the last, as libzmq's local_thr times, and how many were not
 *   as sent (another length, or with `fresh` out of their numbered order).
 * - `push`: connects and sends `count` messages of `size` bytes: the same
 *   bytes each time, or with `fresh` a fresh buffer per send, filled, as
 *   zeromq.js's side makes a fresh `Buffer` per send, and numbered; with
 *   `transfer` too, given up (`send(…, { transfer: true })`).
 * - `service`: a REP that spins the CPU for `workMs` per request, then
 *   answers, as a CPU-bound service does.
 *
 * Says `{ op: "loaded" }` first: Deno 2.9.6 loses what is posted to a
 * Worker before its module has run. `{ op: "stop" }` closes its context.
 *
 * @module
 */
import {
  Context,
  Pull,
  Push,
  Reply,
  type SharedContext,
  type Socket,
  ZmqError,
} from "../mod.ts";

/** What the driver tells a side. */
export type SideCommand =
  | {
    op: "start";
    shared: SharedContext;
    role: "pull" | "push" | "service";
    endpoint: string;
    count: number;
    size: number;
    workMs: number;
    fresh?: boolean | undefined;
    transfer?: boolean | undefined;
  }
  | { op: "stop" };

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<SideCommand>) => void) | null;
};

let context: Context | undefined;

scope.onmessage = async ({ data }) => {
  if (data.op === "stop") {
    await context?.close();
    return scope.postMessage({ op: "stopped" });
  }
  context = new Context({ shared: data.shared });
  let socket: Socket;
  if (data.role === "pull") {
    socket = new Pull({ context });
    await socket.bind(data.endpoint);
    scope.postMessage({ op: "bound", endpoint: socket.lastEndpoint });
    let wrong = 0;
    const check = ([frame]: Uint8Array[], index: number) => {
      if (
        frame.length !== data.size ||
        (data.fresh && data.size >= 4 && _numberOf(frame) !== index)
      ) wrong++;
    };
    check(await socket.receive(), 0);
    const started = performance.now();
    for (let i = 1; i < data.count; i++) check(await socket.receive(), i);
    const seconds = (performance.now() - started) / 1000;
    scope.postMessage({ op: "rate", rate: (data.count - 1) / seconds, wrong });
  } else if (data.role === "push") {
    socket = new Push({ context, linger: -1 });
    socket.connect(data.endpoint);
    if (data.fresh) {
      const options = { transfer: data.transfer };
      for (let i = 0; i < data.count; i++) {
        const frame = new Uint8Array(data.size).fill(1);
        if (data.size >= 4) _number(frame, i);
        await socket.send(frame, options);
      }
    } else {
      const message = new Uint8Array(data.size).fill(1);
      for (let i = 0; i < data.count; i++) await socket.send(message);
    }
  } else {
    const service = new Reply({ context });
    service.connect(data.endpoint);
    scope.postMessage({ op: "bound" });
    try {
      for await (const request of service) {
        const until = performance.now() + data.workMs;
        while (performance.now() < until) {
          // The CPU-bound work a service does per request.
        }
        await service.send(request);
      }
    } catch (error) {
      // "stop" closes the context, maybe between a request and its reply.
      if (!(error instanceof ZmqError && error.code === "ETERM")) throw error;
    }
  }
};
scope.postMessage({ op: "loaded" });

/** Numbers a frame in its first four bytes (big-endian), no view made. */
function _number(frame: Uint8Array, index: number): void {
  frame[0] = index >>> 24;
  frame[1] = (index >>> 16) & 0xff;
  frame[2] = (index >>> 8) & 0xff;
  frame[3] = index & 0xff;
}

function _numberOf(frame: Uint8Array): number {
  return ((frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3]) >>>
    0;
}
