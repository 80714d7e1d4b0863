/**
 * `wsOrigins`: which web pages may connect to a ws bind or upgrade route.
 * A browser always sends `Origin` with a WebSocket upgrade; a page of an
 * origin not listed is refused with 403 and a `handshake-failed` event of
 * kind `auth`, while programs, which send none (libzmq, ours), are served.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { Pull, ZmqError } from "../mod.ts";
import { decode, timeout, upgradeFrom } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

Deno.test("wsOrigins: origins are kept as browsers send them, and what is not an origin is EINVAL", async () => {
  await using pull = new Pull({
    wsOrigins: [
      "https://App.Example:443/",
      "http://127.0.0.1:8080",
      "tauri://localhost",
      "chrome-extension://AbCd/",
    ],
  });
  assertEquals(pull.wsOrigins, [
    "https://app.example",
    "http://127.0.0.1:8080",
    "tauri://localhost",
    "chrome-extension://abcd",
  ]);
  assertEquals(new Pull().wsOrigins, undefined);
  // Read-only arrays are taken (a type check: `as const`, another's list).
  const ORIGINS = ["https://app.example"] as const;
  const NO_CERTIFICATES: readonly string[] = [];
  await using again = new Pull({
    wsOrigins: pull.wsOrigins,
    tlsCaCertificates: NO_CERTIFICATES,
  });
  await using constant = new Pull({ wsOrigins: ORIGINS });
  assertEquals([again.wsOrigins?.length, constant.wsOrigins], [4, ORIGINS]);
  for (
    const wsOrigins of [
      ["https://app.example/page"],
      ["https://app.example/?query"],
      ["https://app.example/#part"],
      ["app.example"],
      ["https://user@app.example"],
      // A page of any site sends "null" from a sandboxed frame, and so do
      // files: listed, they would let every site in.
      ["null"],
      ["file:///"],
      [42],
      "https://app.example",
    ]
  ) {
    const error = assertThrows(
      () => new Pull({ wsOrigins } as unknown as { wsOrigins: string[] }),
      ZmqError,
    );
    assertEquals(error.code, "EINVAL", JSON.stringify(wsOrigins));
  }
});

Deno.test("wsOrigins: a ws bind refuses a page of another origin with 403 and an auth event, and serves a page it lists and libzmq", async () => {
  await using pull = new Pull({ wsOrigins: ["http://good.example"] });
  await pull.bind("ws://127.0.0.1:0/zmq");
  const endpoint = pull.lastEndpoint!;
  const failed = pull.events.wait("handshake-failed", timeout().signal);
  assertEquals(
    await upgradeFrom(endpoint, "http://evil.example"),
    "HTTP/1.1 403 Forbidden",
  );
  const event = await failed;
  assertEquals(event.kind, "auth");
  // A sandboxed frame of any site says "null": refused too.
  assertEquals(await upgradeFrom(endpoint, "null"), "HTTP/1.1 403 Forbidden");
  assertEquals(
    await upgradeFrom(endpoint, "HTTP://GOOD.example"),
    "HTTP/1.1 101 Switching Protocols",
  );
  // libzmq sends no Origin: a program, served.
  await using peer = new LibzmqPeer();
  const push = await peer.open("Push");
  await push.connect(endpoint);
  await push.send(["one", "", "x".repeat(300)]);
  const [one, empty, long] = await pull.receive(timeout());
  assertEquals([decode(one), empty.length, long.length], ["one", 0, 300]);
});

Deno.test("wsOrigins: an upgrade route refuses a page of another origin with 403 and an auth event", async () => {
  await using pull = new Pull({ wsOrigins: ["https://app.example"] });
  const info = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    completed: Promise.resolve(),
  } as const;
  const response = pull.upgrade(
    new Request("http://127.0.0.1/zmq", {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        "sec-websocket-protocol": "ZWS2.0",
        origin: "https://evil.example",
      },
    }),
    info,
  );
  assertEquals(response.status, 403);
  await response.body?.cancel();
  const failed = await pull.events.wait("handshake-failed", timeout().signal);
  assertEquals(failed.kind, "auth");
});
