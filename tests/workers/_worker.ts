/**
 * A Worker for the cross-isolate inproc tests: told a role, it joins the
 * context it is given, binds or connects one socket, and reports.
 *
 * - `pull`: posts back every message it receives; `sub` likewise, a SUB
 *   subscribed to every message; `xpub` likewise, an XPUB (subscriptions
 *   and upstream messages alike); `dish` likewise, a DISH that joined the
 *   group `g`.
 * - `rep`: echoes every request.
 * - `push`: sends the messages it is given, giving up their frames with
 *   `transfer` (`{ op: "check" }` then answers `{ op: "checked", detached }`,
 *   whether each frame of the last is detached; `{ op: "crash" }` throws an
 *   uncaught error).
 * - `dealer`: a DEALER that sends what it is given, as `push`, and posts
 *   back what it receives, as `pull`.
 * - `stray`: a PUSH with a linger of -1 (waits for ever to write what is
 *   queued), for a name no one binds; it sends what it is given, as `push`.
 * - `hold`: a PULL with a receive high-water mark of 5 that reads nothing
 *   until told `{ op: "read", count }`, then answers `{ op: "read", count }`
 *   with how many of those came in order.
 *
 * - `proxy`: binds a PULL at `<endpoint>/in`, a PUSH at `<endpoint>/out`
 *   and a PAIR at `<endpoint>/control`, runs a proxy from the first to the
 *   second steered by the third, and says `{ op: "proxied", message }`
 *   when it returns, with the first message left in its frontend (waited
 *   for up to 5 s).
 *
 * `{ op: "host" }` makes a context of its own, the first to be shared, so
 * the register of names (the hub) lives in this Worker, and answers
 * `{ op: "hosted", shared }`.
 *
 * `{ op: "stop" }` closes its context and answers
 * `{ op: "closed", count, unread }`, with how many messages its sockets
 * dropped and left unread. It
 * says `{ op: "loaded" }` first: Deno 2.9.6 loses what is posted to a
 * Worker before its module has run.
 */
import {
  Context,
  Dealer,
  Dish,
  Pair,
  proxy,
  Pull,
  Push,
  Reply,
  type SharedContext,
  Subscriber,
  XPublisher,
} from "../../mod.ts";

/** What the driver tells a Worker to play. */
export interface Start {
  op: "start";
  shared: SharedContext;
  role:
    | "pull"
    | "rep"
    | "push"
    | "dealer"
    | "stray"
    | "flood"
    | "hold"
    | "sub"
    | "xpub"
    | "dish"
    | "proxy";
  endpoint: string;
  bind: boolean;
}

type Command =
  | Start
  | { op: "send"; message: Uint8Array[]; transfer?: boolean }
  | { op: "check" }
  | { op: "read"; count: number }
  | { op: "flood" }
  | { op: "stream" }
  | { op: "crash" }
  | { op: "host" }
  | { op: "stop" };

const self = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Command>) => void) | null;
};

let context: Context | undefined;
let push: Push | Dealer | undefined;
let held: Pull | undefined;
let lastSent: Uint8Array[] = [];

self.onmessage = async (event) => {
  const command = event.data;
  if (command.op === "start" && command.role === "proxy") {
    context = new Context({ shared: command.shared });
    const frontend = new Pull({ context });
    const backend = new Push({ context });
    const control = new Pair({ context });
    await frontend.bind(`${command.endpoint}/in`);
    await backend.bind(`${command.endpoint}/out`);
    await control.bind(`${command.endpoint}/control`);
    self.postMessage({ op: "ready" });
    await proxy(frontend, backend, { control });
    // What the proxy left in its frontend: the first message, if any.
    const left = await frontend.receive({ signal: AbortSignal.timeout(5000) })
      .catch(() => undefined);
    self.postMessage({ op: "proxied", message: left && [...left] });
  } else if (command.op === "start") {
    context = new Context({ shared: command.shared });
    const socket = command.role === "hold"
      ? (held = new Pull({ context, receiveHighWaterMark: 5 }))
      : command.role === "pull"
      ? new Pull({ context })
      : command.role === "sub"
      ? new Subscriber({ context })
      : command.role === "xpub"
      ? new XPublisher({ context })
      : command.role === "dish"
      ? new Dish({ context })
      : command.role === "rep"
      ? new Reply({ context })
      : command.role === "dealer"
      ? (push = new Dealer({ context }))
      : command.role === "stray"
      ? (push = new Push({ context, linger: -1 }))
      : command.role === "flood"
      // Long enough for the first credit to come back on a loaded machine.
      ? (push = new Push({ context, sendHighWaterMark: 5, sendTimeout: 2000 }))
      : (push = new Push({ context }));
    if (socket instanceof Subscriber) socket.subscribe("");
    if (socket instanceof Dish) socket.join("g");
    if (command.bind) await socket.bind(command.endpoint);
    else socket.connect(command.endpoint);
    self.postMessage({ op: "ready" });
    if (
      command.role === "pull" || command.role === "sub" ||
      command.role === "xpub" || command.role === "dish" ||
      command.role === "dealer"
    ) {
      for await (const message of socket as Pull | Subscriber | Dish) {
        // A Dish's message carries its group too: frames only cross.
        self.postMessage({ op: "message", message: [...message] });
      }
    } else if (command.role === "rep") {
      try {
        for await (const message of socket as Reply) {
          await (socket as Reply).send(message);
        }
      } catch (error) {
        // A reply cut off by stop.
        if (!socket.closed) throw error;
      }
    }
  } else if (command.op === "read") {
    let inOrder = 0;
    for (let i = 0; i < command.count; i++) {
      const [frame] = await held!.receive();
      if (new DataView(frame.buffer, frame.byteOffset).getUint32(0) === i) {
        inOrder++;
      }
    }
    self.postMessage({ op: "read", count: inOrder });
  } else if (command.op === "flood") {
    // Numbered sends until one times out (EAGAIN): how many went.
    let sent = 0;
    for (;;) {
      const frame = new Uint8Array(4);
      new DataView(frame.buffer).setUint32(0, sent);
      try {
        await push!.send([frame]);
      } catch {
        break;
      }
      sent++;
    }
    self.postMessage({ op: "flooded", count: sent });
  } else if (command.op === "stream") {
    // Numbered sends without end: until the Worker is terminated.
    for (let i = 0;; i++) {
      const frame = new Uint8Array(100);
      new DataView(frame.buffer).setUint32(0, i);
      await push!.send([frame]);
    }
  } else if (command.op === "host") {
    context = new Context();
    const shared = context.share();
    self.postMessage({ op: "hosted", shared }, [shared.port]);
  } else if (command.op === "crash") {
    // An uncaught error ends the Worker, as a bug would.
    setTimeout(() => {
      throw new Error("a bug in the Worker");
    });
  } else if (command.op === "send") {
    lastSent = command.message;
    await push!.send(command.message, { transfer: command.transfer });
  } else if (command.op === "check") {
    const detached = lastSent.map((frame) =>
      (frame.buffer as ArrayBuffer).detached
    );
    self.postMessage({ op: "checked", detached });
  } else {
    const summary = await context?.close();
    self.postMessage({
      op: "closed",
      count: summary?.dropped,
      unread: summary?.unread,
    });
  }
};
self.postMessage({ op: "loaded" });
