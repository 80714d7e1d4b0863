/**
 * `wss://`: ZWS over TLS, ours to ours (the npm build of libzmq has no wss),
 * with the test certificates in tests/fixtures/ (self-signed, valid for a
 * century, for 127.0.0.1 and localhost; test keys, never secrets).
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { Pull, Push, Reply, Request, ZmqError } from "../mod.ts";
import { timeout } from "./_helpers.ts";
import { deadline } from "@std/async/deadline";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const CERT = fixture("wss_test_cert.pem");
const KEY = fixture("wss_test_key.pem");
const OTHER_CERT = fixture("wss_other_test_cert.pem");
const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);

Deno.test("wss: request-reply over TLS, multipart, empty, 300 B and 1 MiB frames", async () => {
  await using server = new Reply({ tlsCertificate: CERT, tlsKey: KEY });
  await server.bind("wss://127.0.0.1:0/zmq");
  assert(server.lastEndpoint!.startsWith("wss://127.0.0.1:"));
  await using client = new Request({ tlsCaCertificates: [CERT] });
  client.connect(server.lastEndpoint!);
  const messages = [
    ["hello"],
    ["multi", "", "part"],
    [new Uint8Array(300).fill(7)],
    [big],
  ];
  for (const message of messages) {
    await client.send(message, timeout());
    const request = await server.receive(timeout());
    await server.send(request, timeout());
    const reply = await client.receive(timeout());
    assertEquals(
      reply,
      message.map((frame) =>
        typeof frame === "string" ? new TextEncoder().encode(frame) : frame
      ),
    );
  }
});

Deno.test("wss: a server whose certificate the client does not trust is never reached", async () => {
  await using pull = new Pull({ tlsCertificate: CERT, tlsKey: KEY });
  await pull.bind("wss://127.0.0.1:0");
  await using push = new Push({ tlsCaCertificates: [OTHER_CERT] });
  push.connect(pull.lastEndpoint!);
  const retried = await push.events.wait("connect-retried", timeout().signal);
  assert(
    /certificate/i.test(retried.reason),
    `the event says why: ${retried.reason}`,
  );
  // The server saw a peer leave during its handshake, and nothing else.
  const failed = await pull.events.wait("handshake-failed", timeout().signal);
  assertEquals(failed.kind, "peer");
  await push.disconnect(pull.lastEndpoint!);
  assertEquals(pull.readable, false);
});

Deno.test("wss: binding without a certificate fails with EINVAL", async () => {
  await using pull = new Pull();
  const error = await assertRejects(
    () => pull.bind("wss://127.0.0.1:0"),
    ZmqError,
  );
  assertEquals(error.code, "EINVAL");
});

Deno.test("wss: a server that never answers the TLS handshake costs handshakeInterval, and close does not wait for it", async () => {
  // Accepts, then says nothing: the kernel completes the connection.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  try {
    const push = new Push({ handshakeInterval: 200 });
    push.connect(`wss://127.0.0.1:${(silent.addr as Deno.NetAddr).port}`);
    const retried = await push.events.wait("connect-retried", timeout().signal);
    assert(retried.reason.includes("200 ms"), retried.reason);
    // A second attempt is under way when the socket closes: it is dropped.
    await push.events.wait("connect-delayed", timeout().signal);
    await deadline(push.close(), 2000);
  } finally {
    silent.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});
