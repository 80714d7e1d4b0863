import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { Push, ZmqError } from "../../mod.ts";
import {
  formatTcpEndpoint,
  parseTcpAddress,
  ReconnectBackoff,
  registerTransport,
  resolveEndpoint,
  splitEndpoint,
  tcp,
} from "../../transport/mod.ts";
import type { LinkOptions } from "../../transport/transport.ts";
import { bindError } from "../../transport/_stream_listener.ts";

Deno.test("endpoints parse and format back", () => {
  assertEquals(splitEndpoint("tcp://127.0.0.1:5555"), {
    scheme: "tcp",
    address: "127.0.0.1:5555",
  });
  assertEquals(parseTcpAddress("127.0.0.1:5555"), {
    host: "127.0.0.1",
    port: 5555,
  });
  assertEquals(parseTcpAddress("*:*"), { host: "*", port: 0 });
  assertEquals(parseTcpAddress("[::1]:0"), { host: "::1", port: 0 });
  assertEquals(splitEndpoint("ipc:///tmp/a.sock"), {
    scheme: "ipc",
    address: "/tmp/a.sock",
  });
  assertEquals(splitEndpoint("inproc://workers"), {
    scheme: "inproc",
    address: "workers",
  });
  assertEquals(
    formatTcpEndpoint(parseTcpAddress(splitEndpoint("tcp://[::1]:80").address)),
    "tcp://[::1]:80",
  );
  for (
    const bad of [
      "127.0.0.1:5555",
      "tcp://host",
      "tcp://host:99999",
      "tcp://:5",
    ]
  ) {
    const error = assertThrows(() => resolveEndpoint(bad, "bind"), ZmqError);
    assertEquals(error.code, "EINVAL", bad);
  }
  for (const bad of ["tcp://*:5555", "tcp://127.0.0.1:0"]) {
    const error = assertThrows(() => resolveEndpoint(bad, "connect"), ZmqError);
    assertEquals(error.code, "EINVAL", bad);
  }
  assertEquals(
    assertThrows(() => resolveEndpoint("pgm://x", "bind"), ZmqError).code,
    "EPROTONOSUPPORT",
  );
  assertEquals(
    resolveEndpoint("inproc://workers", "connect").transport.scheme,
    "inproc",
  );
});

Deno.test("reconnect backoff as libzmq 4.3.5's: the interval with jitter below it, or doubling up to the max without", () => {
  const constant = new ReconnectBackoff({
    reconnectInterval: 100,
    reconnectIntervalMax: 0,
  }, () => 0.5);
  assertEquals([constant.next(), constant.next(), constant.next()], [
    150,
    150,
    150,
  ]);
  const growing = new ReconnectBackoff({
    reconnectInterval: 100,
    reconnectIntervalMax: 1000,
  }, () => 0.5);
  assertEquals([
    growing.next(),
    growing.next(),
    growing.next(),
    growing.next(),
    growing.next(),
  ], [100, 200, 400, 800, 1000]);
  growing.reset();
  assertEquals(growing.next(), 100);
  // A maximum below the interval wins, as in libzmq.
  const capped = new ReconnectBackoff({
    reconnectInterval: 500,
    reconnectIntervalMax: 200,
  });
  assertEquals([capped.next(), capped.next()], [200, 200]);
  // No longer than a timer takes (libzmq caps at INT_MAX): a longer delay
  // fires at once, and reconnecting would spin.
  const longest = new ReconnectBackoff({
    reconnectInterval: 2 ** 31 - 1,
    reconnectIntervalMax: 0,
  }, () => 0.9);
  assertEquals(longest.next(), 2 ** 31 - 1);
  // Off at 0 too, as libzmq reconnects only for an interval over 0.
  for (const reconnectInterval of [-1, 0]) {
    assertEquals(
      new ReconnectBackoff({ reconnectInterval, reconnectIntervalMax: 0 })
        .enabled,
      false,
    );
  }
});

Deno.test("tcp: a dial stops when its signal aborts (close and disconnect do not wait out the kernel's connect timeout)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const error = await assertRejects(() =>
      tcp.dial(`127.0.0.1:${port}`, {} as LinkOptions, AbortSignal.abort())
    );
    assertEquals((error as Error).name, "AbortError");
  } finally {
    listener.close();
  }
});

Deno.test("a bind the system refuses is EACCES, as libzmq's zmq_bind passes the errno on (a port below 1024, a directory not writable: root never meets it, so the error is made here)", () => {
  const refused = bindError(
    "tcp://127.0.0.1:80",
    new Deno.errors.PermissionDenied("Permission denied (os error 13)"),
  );
  assertEquals(refused.code, "EACCES");
  assertEquals(
    refused.message,
    "cannot bind tcp://127.0.0.1:80: the system refused: Permission denied (os error 13)",
  );
});

Deno.test("a connect whose transport this runtime lacks (tcp:// in a page, CURVE over a page's WebSocket: EPROTONOSUPPORT from its dial) is given up at once with connect-abandoned, not retried for ever", async () => {
  registerTransport({
    scheme: "lacking",
    check() {},
    listen: () => Promise.reject(new ZmqError("EPROTONOSUPPORT", "no")),
    dial: () =>
      Promise.reject(new ZmqError("EPROTONOSUPPORT", "not in this runtime")),
  });
  await using push = new Push({ reconnectInterval: 10 });
  push.connect("lacking://somewhere");
  const abandoned = await push.events.wait(
    "connect-abandoned",
    AbortSignal.timeout(5000),
  );
  assertEquals(abandoned.reason, "not in this runtime");
});
