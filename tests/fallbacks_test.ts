/**
 * What runs where a builtin is missing: the runtimes the library runs on
 * that lack one (Node 20, Safari before 17.4, a page that is not a secure
 * context) are played here by taking it away for the test's length. The
 * proxy, whose signals go through `anySignal`, is tested both ways in
 * tests/patterns/inproc_test.ts.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { Context, Pull, Push, Request, ZmqError } from "../mod.ts";
import { anySignal } from "../patterns/_fallbacks.ts";
import { timeout, without } from "./_helpers.ts";

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
