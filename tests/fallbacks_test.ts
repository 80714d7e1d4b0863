/**
 * What runs where a builtin is missing: the runtimes the library runs on
 * that lack one (Node 20, Safari before 17.4, a page that is not a secure
 * context) are played here by taking it away for the test's length.
 */
import { assertEquals, assertThrows } from "@std/assert";
import {
  Context,
  proxy,
  ProxyControl,
  Pull,
  Push,
  Request,
  ZmqError,
} from "../mod.ts";
import { anySignal } from "../patterns/_fallbacks.ts";
import { decode, timeout } from "./_helpers.ts";

/** Runs `body` with `owner[name]` gone, then puts it back. */
async function without<T extends object>(
  owner: T,
  name: string,
  body: () => Promise<void> | void,
): Promise<void> {
  const own = Object.getOwnPropertyDescriptor(owner, name);
  // Shadowed where it is inherited (crypto's methods are its prototype's).
  Object.defineProperty(owner, name, { value: undefined, configurable: true });
  try {
    await body();
  } finally {
    delete (owner as Record<string, unknown>)[name];
    if (own) Object.defineProperty(owner, name, own);
  }
}

Deno.test("fallbacks: without AbortSignal.any, a combined signal aborts with the first reason, at once for one already aborted", async () => {
  await without(AbortSignal, "any", () => {
    const [a, b] = [new AbortController(), new AbortController()];
    const both = anySignal([a.signal, b.signal]);
    assertEquals(both.aborted, false);
    b.abort("b first");
    a.abort("a later");
    assertEquals([both.aborted, both.reason], [true, "b first"]);
    const late = anySignal([a.signal, new AbortController().signal]);
    assertEquals([late.aborted, late.reason], [true, "a later"]);
  });
});

/** `promise`, or a failure after `ms`: @std's deadline needs AbortSignal.any. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function streamer(context: Context) {
  const frontend = new Pull({ context });
  await frontend.bind("inproc://in");
  const backend = new Push({ context });
  await backend.bind("inproc://out");
  const source = new Push({ context });
  source.connect("inproc://in");
  const sink = new Pull({ context });
  sink.connect("inproc://out");
  return { frontend, backend, source, sink };
}

Deno.test("fallbacks: without AbortSignal.any, a ProxyControl pauses, resumes and terminates a proxy", async () => {
  await without(AbortSignal, "any", async () => {
    await using context = new Context();
    const { frontend, backend, source, sink } = await streamer(context);
    const control = new ProxyControl();
    const running = proxy(frontend, backend, { control });
    await source.send(["one", "", "x".repeat(300)]);
    const [one, empty, long] = await sink.receive(timeout());
    assertEquals([decode(one), empty.length, long.length], ["one", 0, 300]);
    control.pause();
    await source.send("two");
    const early = await sink.receive({ signal: AbortSignal.timeout(100) })
      .catch(() => "nothing");
    assertEquals(early, "nothing", "paused: nothing is forwarded");
    control.resume();
    assertEquals(decode((await sink.receive(timeout()))[0]), "two");
    control.terminate();
    await running;
  });
});

Deno.test("fallbacks: without AbortSignal.any, a paused proxy stops for each of its signals (an abort, a terminate, a closed socket), the message it waited for left in the socket", async () => {
  await without(AbortSignal, "any", async () => {
    for (const stop of ["abort", "terminate", "close"] as const) {
      await using context = new Context();
      const { frontend, backend, source } = await streamer(context);
      const control = new ProxyControl();
      const abort = new AbortController();
      const running = proxy(frontend, backend, {
        control,
        signal: abort.signal,
      });
      control.pause();
      await source.send("held");
      if (stop === "abort") abort.abort();
      else if (stop === "terminate") control.terminate();
      else await backend.close();
      await within(running, 5000);
      if (stop !== "close") {
        assertEquals(decode((await frontend.receive(timeout()))[0]), "held");
      }
    }
  });
});

Deno.test("fallbacks: without crypto.randomUUID (a page that is not a secure context), contexts share a handle and link over inproc", async () => {
  await without(crypto, "randomUUID", async () => {
    const a = new Context();
    const b = new Context({ shared: a.share() });
    try {
      const pull = new Pull({ context: b });
      await pull.bind("inproc://insecure");
      const push = new Push({ context: a });
      push.connect("inproc://insecure");
      await push.send(["", "x".repeat(300)]);
      const [empty, long] = await pull.receive(timeout());
      assertEquals([empty.length, long.length], [0, 300]);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

Deno.test("fallbacks: with neither Deno's connect nor a WebSocket, a ws connect is EPROTONOSUPPORT at once, as zmq_connect", async () => {
  const request = new Request();
  try {
    await without(
      Deno,
      "connect",
      () =>
        without(globalThis, "WebSocket", () => {
          const error = assertThrows(
            () => request.connect("ws://127.0.0.1:5555/zmq"),
            ZmqError,
          );
          assertEquals(error.code, "EPROTONOSUPPORT");
        }),
    );
  } finally {
    await request.close();
  }
});

Deno.test("fallbacks: where a MessagePort cannot transfer (Cloudflare's workerd), share() is ENOTSUP, not a bind that never settles", async () => {
  const post = MessagePort.prototype.postMessage;
  await without(MessagePort.prototype, "postMessage", async () => {
    Object.defineProperty(MessagePort.prototype, "postMessage", {
      configurable: true,
      value(this: MessagePort, message: unknown, transfer?: unknown) {
        const list = Array.isArray(transfer)
          ? transfer
          : (transfer as StructuredSerializeOptions | undefined)?.transfer;
        if (list?.length) throw new Error("Transfer list is not supported");
        return post.call(this, message);
      },
    });
    const context = new Context();
    try {
      const error = assertThrows(() => context.share(), ZmqError);
      assertEquals(error.code, "ENOTSUP");
    } finally {
      await context.close();
    }
  });
});
