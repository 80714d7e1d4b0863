import { assertEquals, assertThrows } from "@std/assert";
import {
  formatEndpoint,
  parseEndpoint,
  ReconnectBackoff,
  ZmqError,
} from "../../mod.ts";

Deno.test("endpoints parse and format back", () => {
  assertEquals(parseEndpoint("tcp://127.0.0.1:5555"), {
    transport: "tcp",
    host: "127.0.0.1",
    port: 5555,
  });
  assertEquals(parseEndpoint("tcp://*:*"), {
    transport: "tcp",
    host: "*",
    port: 0,
  });
  assertEquals(parseEndpoint("tcp://[::1]:0"), {
    transport: "tcp",
    host: "::1",
    port: 0,
  });
  assertEquals(parseEndpoint("ipc:///tmp/a.sock"), {
    transport: "ipc",
    path: "/tmp/a.sock",
  });
  assertEquals(parseEndpoint("inproc://workers"), {
    transport: "inproc",
    name: "workers",
  });
  assertEquals(
    formatEndpoint(parseEndpoint("tcp://[::1]:80")),
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
    const error = assertThrows(() => parseEndpoint(bad), ZmqError);
    assertEquals(error.code, "EINVAL", bad);
  }
  assertEquals(
    assertThrows(() => parseEndpoint("pgm://x"), ZmqError).code,
    "EPROTONOSUPPORT",
  );
});

Deno.test("reconnect backoff: constant by default, doubling up to the max, with jitter below the interval", () => {
  const constant = new ReconnectBackoff({
    reconnectInterval: 100,
    reconnectIntervalMax: 0,
  }, () => 0);
  assertEquals([constant.next(), constant.next(), constant.next()], [
    100,
    100,
    100,
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
  ], [150, 250, 450, 850, 1050]);
  growing.reset();
  assertEquals(growing.next(), 150);
  assertEquals(
    new ReconnectBackoff({ reconnectInterval: -1, reconnectIntervalMax: 0 })
      .enabled,
    false,
  );
});
