/**
 * Connecting to a host that never answers: `connectTimeout` gives an
 * attempt up and retries, as libzmq's ZMQ_CONNECT_TIMEOUT; closing ends an
 * attempt under way at once, over tcp and ws alike, leaving no operation.
 */
import { assert, assertEquals } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Push } from "../mod.ts";
import { decode, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/**
 * A port on 127.0.0.1 that never completes a connect: a listener with a
 * backlog of 0 whose queue is full, so the kernel drops further SYNs.
 */
class _Unanswering implements AsyncDisposable {
  readonly #child = new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      `
import socket, sys
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
port = listener.getsockname()[1]
queued = []
for _ in range(4):
    client = socket.socket()
    client.setblocking(False)
    try:
        client.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    queued.append(client)
print(port, flush=True)
sys.stdin.read()
`,
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();

  async port(): Promise<number> {
    const reader = this.#child.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    return Number(decode(value!).trim());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#child.stdin.close();
    await this.#child.stdout.cancel();
    await this.#child.status;
  }
}

Deno.test("connectTimeout gives a tcp, ws or wss connect to a host that never answers up after it, and retries, as libzmq's ZMQ_CONNECT_TIMEOUT", async () => {
  await using host = new _Unanswering();
  const port = await host.port();
  // localhost: one timeout for both of its addresses, the timeout told.
  for (
    const endpoint of [
      `tcp://127.0.0.1:${port}`,
      `tcp://localhost:${port}`,
      `ws://127.0.0.1:${port}`,
      `wss://127.0.0.1:${port}`,
    ]
  ) {
    const push = new Push({ connectTimeout: 100 });
    assertEquals(push.connectTimeout, 100);
    push.connect(endpoint);
    for (let attempt = 0; attempt < 2; attempt++) {
      const retried = await push.events.wait(
        "connect-retried",
        timeout().signal,
      );
      assert(retried.reason.includes("(connectTimeout)"), retried.reason);
    }
    await push.close();
  }
});

Deno.test("closing a socket whose tcp, ws or wss connect waits on a host that never answers ends the attempt at once, leaving no operation", async () => {
  await using host = new _Unanswering();
  const port = await host.port();
  for (
    const endpoint of [
      `tcp://127.0.0.1:${port}`,
      `ws://127.0.0.1:${port}`,
      `wss://127.0.0.1:${port}`,
    ]
  ) {
    const push = new Push();
    push.connect(endpoint);
    await push.events.wait("connect-delayed", timeout().signal);
    await deadline(push.close(), 2000);
  }
});

Deno.test("connectTimeout leaves a connect that completes alone: a libzmq PULL gets what was sent", async () => {
  await using peer = new LibzmqPeer();
  const pull = await peer.open("Pull");
  const endpoint = await pull.bind("tcp://127.0.0.1:*");
  await using push = new Push({ connectTimeout: 1000 });
  push.connect(endpoint);
  await push.send(["through", "x".repeat(300)]);
  const [first, second] = await pull.receive();
  assertEquals(decode(first), "through");
  assertEquals(second.length, 300);
});

Deno.test("wss: a host name TLS refuses (127.1) ends each attempt with its connection closed, none left open", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  try {
    const push = new Push();
    push.connect(`wss://127.1:${(listener.addr as Deno.NetAddr).port}`);
    for (let attempt = 0; attempt < 2; attempt++) {
      await push.events.wait("connect-retried", timeout().signal);
    }
    await push.close();
    // Each connection the attempts made was closed by them: EOF here.
    for (const conn of accepted) {
      assertEquals(await deadline(conn.read(new Uint8Array(1)), 2000), null);
    }
    assert(accepted.length > 0);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of accepted) conn.close();
  }
});
