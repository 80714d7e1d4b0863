/**
 * STREAM (ZMQ_STREAM) against raw TCP peers (Deno.connect and Deno.listen,
 * each way), a raw unix socket, libzmq's own STREAM (we bind / libzmq
 * binds) and a ZMTP peer; and the HTTP example against fetch().
 */
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { concat } from "@std/bytes";
import { Stream, ZmqError } from "../mod.ts";
import { httpStream } from "../examples/http_stream.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { coreOf } from "../patterns/_core.ts";
import {
  decode,
  portOf,
  sendUntilReceived,
  timeout,
  until,
} from "./_helpers.ts";
import { link, LONG as long } from "./_draft_helpers.ts";

const text = new TextEncoder();

/** A raw TCP client of a STREAM bound on tcp. */
const connectTo = (stream: Stream): Promise<Deno.TcpConn> =>
  Deno.connect({ hostname: "127.0.0.1", port: portOf(stream.lastEndpoint!) });

/** Receives one message, checking it comes from `id`. */
async function receiveFrom(
  stream: Stream,
  id: Uint8Array,
): Promise<Uint8Array> {
  const [from, data, ...rest] = await stream.receive(timeout());
  assertEquals(from, id);
  assertEquals(rest.length, 0);
  return data;
}

/** Receives `count` bytes from `id`, in whatever chunks TCP made. */
async function receiveBytes(
  stream: Stream,
  id: Uint8Array,
  count: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  while (received < count) {
    const data = await receiveFrom(stream, id);
    assert(data.length > 0, "a notification in the middle of the data");
    chunks.push(data);
    received += data.length;
  }
  return concat(chunks);
}

/** Reads exactly `count` bytes from a raw connection. */
async function readBytes(conn: Deno.Conn, count: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(count);
  let offset = 0;
  while (offset < count) {
    const read = await conn.read(bytes.subarray(offset));
    if (read === null) throw new Error(`the end after ${offset} bytes`);
    offset += read;
  }
  return bytes;
}

/** Reads a raw connection to its end. */
async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let read: number | null;
  while ((read = await conn.read(buffer)) !== null) {
    chunks.push(buffer.slice(0, read));
  }
  return concat(chunks);
}

/** The next `disconnected` event not yet read (events are buffered). */
const disconnected = (stream: Stream) =>
  stream.events.wait("disconnected", AbortSignal.timeout(5000));

/**
 * Waits until the socket serves no connection: one the application closed
 * ends without a `disconnected` event, as in libzmq's monitor.
 */
const linksGone = (stream: Stream) =>
  until(() => coreOf(stream).links.size === 0, "the connection's end");

async function assertCode(
  promise: Promise<unknown>,
  code: string,
): Promise<void> {
  const error = await assertRejects(() => promise, ZmqError);
  assertEquals(error.code, code);
}

Deno.test("STREAM binds, raw TCP client: [id, ''] on connect, bytes both ways, [id, ''] after its last bytes", async () => {
  await using server = new Stream();
  await server.bind("tcp://127.0.0.1:0");
  const client = await connectTo(server);
  const [id, hello] = await server.receive(timeout());
  assertEquals(hello.length, 0);
  assertEquals(id.length, 5);
  assertEquals(id[0], 0);

  await client.write(text.encode("ping"));
  assertEquals(decode(await receiveBytes(server, id, 4)), "ping");
  await server.send([id, long]);
  assertEquals(await readBytes(client, long.length), long);
  // Frames after the id are written one after the other.
  await server.send([id, "a", "", "bc"]);
  assertEquals(decode(await readBytes(client, 3)), "abc");

  await client.write(text.encode("last words"));
  client.close();
  assertEquals(decode(await receiveBytes(server, id, 10)), "last words");
  assertEquals((await receiveFrom(server, id)).length, 0);
  await assertCode(server.send([id, "anyone?"]), "EHOSTUNREACH");
});

Deno.test("STREAM connects to a raw TCP server: [id, ''] on connect, bytes both ways, [id, ''] when it hangs up, the same id after reconnecting", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using stream = new Stream({ reconnectInterval: 10 });
  stream.connect(`tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  const [id, hello] = await stream.receive(timeout());
  assertEquals(hello.length, 0);
  const conn = await listener.accept();
  await stream.send([id, "GET / HTTP/1.0\r\n\r\n"]);
  assertEquals(decode(await readBytes(conn, 18)), "GET / HTTP/1.0\r\n\r\n");
  await conn.write(long);
  assertEquals(await receiveBytes(stream, id, long.length), long);
  conn.close();
  assertEquals((await receiveFrom(stream, id)).length, 0);

  // As libzmq: a `connect` peer keeps its id; what is sent meanwhile waits.
  await stream.send([id, "again"]);
  const again = await listener.accept();
  assertEquals((await receiveFrom(stream, id)).length, 0);
  assertEquals(decode(await readBytes(again, 5)), "again");
  again.close();
  assertEquals((await receiveFrom(stream, id)).length, 0);
});

Deno.test("STREAM: [id, ''] closes the peer once what was sent before is written, then the id is unknown", async () => {
  await using server = new Stream();
  await server.bind("tcp://127.0.0.1:0");
  const client = await connectTo(server);
  const [id] = await server.receive(timeout());
  const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i % 253);
  await server.send([id, big]);
  await server.send([id, text.encode("end")]);
  await server.send([id, ""]);
  await assertCode(server.send([id, "too late"]), "EHOSTUNREACH");
  const received = await readToEnd(client);
  client.close();
  assertEquals(received.length, big.length + 3);
  assertEquals(received.subarray(0, big.length), big);
  assertEquals(decode(received.subarray(big.length)), "end");
  // The application closed it: no notification of its end.
  await linksGone(server);
  assertEquals(server.readable, false);
});

Deno.test("STREAM: [id, ''] drops what the peer sent and was not read, as libzmq: it would come under an unknown id", async () => {
  await using server = new Stream();
  await server.bind("tcp://127.0.0.1:0");
  const client = await connectTo(server);
  const [id] = await server.receive(timeout());
  const [pipe] = coreOf(server).pipes;
  await client.write(text.encode("first"));
  await until(() => pipe.inbound.length === 1, "the first chunk");
  await client.write(text.encode("second"));
  await until(() => pipe.inbound.length === 2, "the second chunk");
  assertEquals(decode((await server.receive(timeout()))[1]), "first");
  await server.send([id, ""]);
  assertEquals(await readToEnd(client), new Uint8Array());
  client.close();
  await linksGone(server);
  assertEquals(server.readable, false);
  // Dropped, and counted so.
  assertEquals((await server.close()).unread, 1);
});

Deno.test("STREAM: [id, ''] closes a peer once all sent before it is written, however slowly it reads and whatever the linger, as libzmq (it cut a slow reader off at linger, or at once with 0)", async () => {
  for (const linger of [0, 50]) {
    await using server = new Stream({ linger });
    await server.bind("tcp://127.0.0.1:0");
    using client = await connectTo(server);
    const [id] = await server.receive(timeout());
    // More than the kernel buffers on both sides hold.
    const size = 4 * 1024 * 1024;
    await server.send([id, new Uint8Array(size).fill(7)]);
    await server.send([id, ""]);
    // A slow reader: 64 KiB at a time, a few ms apart (about 0.3 s).
    const buffer = new Uint8Array(64 * 1024);
    let total = 0;
    let read: number | null;
    while ((read = await client.read(buffer)) !== null) {
      total += read;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assertEquals(total, size, `linger ${linger}`);
    await linksGone(server);
    await assertCode(server.send([id, "x"]), "EHOSTUNREACH");
  }
});

Deno.test("STREAM: a peer closed with [id, ''] that never reads is cut off by a second [id, ''] at once, or by the socket's close within its linger", async () => {
  {
    await using server = new Stream({ linger: -1 });
    await server.bind("tcp://127.0.0.1:0");
    using _client = await connectTo(server); // never reads
    const [id] = await server.receive(timeout());
    // More than the kernel buffers on both sides hold.
    await server.send([id, new Uint8Array(8 * 1024 * 1024)]);
    await server.send([id, ""]);
    await assertCode(server.send([id, "more"]), "EHOSTUNREACH");
    assertEquals(coreOf(server).links.size, 1);
    await server.send([id, ""]);
    await linksGone(server);
    await assertCode(server.send([id, ""]), "EHOSTUNREACH");
  }
  const server = new Stream({ linger: 50 });
  await server.bind("tcp://127.0.0.1:0");
  using _client = await connectTo(server); // never reads
  const [id] = await server.receive(timeout());
  await server.send([id, new Uint8Array(8 * 1024 * 1024)]);
  await server.send([id, ""]);
  await deadline(server.close(), 5000);
  assertEquals(coreOf(server).links.size, 0);
});

Deno.test("STREAM: a connect peer closed with [id, ''] is not redialled", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using stream = new Stream({ reconnectInterval: 10 });
  const endpoint = `tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  stream.connect(endpoint);
  const [id] = await stream.receive(timeout());
  const conn = await listener.accept();
  await stream.send([id, "bye"]);
  await stream.send([id, ""]);
  assertEquals(decode(await readToEnd(conn)), "bye");
  conn.close();
  await linksGone(stream);
  // Closing the peer dropped its dialer, as disconnect() would have.
  await assertCode(stream.disconnect(endpoint), "ENOENT");
  await assertCode(stream.send([id, "x"]), "EHOSTUNREACH");
});

Deno.test("STREAM: a connect routingId names the peer, and data sent before the connection waits for it; one in use, or with immediate set, is EINVAL", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using stream = new Stream();
  const endpoint = `tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  stream.connect(endpoint, { routingId: "web" });
  await stream.send(["web", "early"]);
  const conn = await listener.accept();
  assertEquals(decode(await readBytes(conn, 5)), "early");
  assertEquals(await stream.receive(timeout()), [
    text.encode("web"),
    new Uint8Array(),
  ]);
  const error = assertThrows(
    () => stream.connect(endpoint, { routingId: "web" }),
    ZmqError,
  );
  assertEquals(error.code, "EINVAL");
  // An immediate peer would join too late to hold its id: refused too.
  stream.immediate = true;
  const other = "tcp://127.0.0.1:5555";
  const immediate = assertThrows(
    () => stream.connect(other, { routingId: "other" }),
    ZmqError,
    "immediate",
  );
  assertEquals(immediate.code, "EINVAL");
  await assertCode(stream.disconnect(other), "ENOENT");
  conn.close();
  assertEquals(await stream.receive(timeout()), [
    text.encode("web"),
    new Uint8Array(),
  ]);
});

Deno.test("STREAM: a peer that hangs up at once is still announced, then its end", async () => {
  await using server = new Stream();
  await server.bind("tcp://127.0.0.1:0");
  const client = await connectTo(server);
  client.close();
  const [id, hello] = await server.receive(timeout());
  assertEquals(hello.length, 0);
  assertEquals((await receiveFrom(server, id)).length, 0);
  const seen: string[] = [];
  for await (const event of server.events) {
    seen.push(event.type);
    if (event.type === "disconnected") break;
  }
  assertEquals(seen, [
    "listening",
    "accepted",
    "handshake-succeeded",
    "disconnected",
  ]);
});

Deno.test("STREAM: sends need a known peer and a data frame", async () => {
  await using stream = new Stream();
  await assertCode(stream.send(["nobody", "x"]), "EHOSTUNREACH");
  await assertCode(stream.send(["nobody", ""]), "EHOSTUNREACH");
  await assertCode(stream.send(["only an id"]), "EINVAL");
});

Deno.test("STREAM refuses inproc, ws, wss and upgrade() with ENOCOMPATPROTO", async () => {
  await using stream = new Stream();
  for (const endpoint of ["inproc://raw", "ws://127.0.0.1:0/x"]) {
    await assertCode(stream.bind(endpoint), "ENOCOMPATPROTO");
  }
  for (const endpoint of ["inproc://raw", "wss://127.0.0.1:5555/x"]) {
    const error = assertThrows(() => stream.connect(endpoint), ZmqError);
    assertEquals(error.code, "ENOCOMPATPROTO");
  }
  const upgrade = assertThrows(
    () => stream.upgrade(new Request("http://127.0.0.1/zmq")),
    ZmqError,
  );
  assertEquals(upgrade.code, "ENOCOMPATPROTO");
});

Deno.test("STREAM with streamNotify off: only data", async () => {
  await using server = new Stream({ streamNotify: false });
  await server.bind("tcp://127.0.0.1:0");
  const client = await connectTo(server);
  await client.write(text.encode("x"));
  const [id, data] = await server.receive(timeout());
  assertEquals(decode(data), "x");
  client.close();
  await disconnected(server);
  assertEquals(server.readable, false);
  await assertCode(server.send([id, "x"]), "EHOSTUNREACH");
});

Deno.test("STREAM over ipc with a raw unix socket client", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using server = new Stream();
    await server.bind(`ipc://${dir}/raw`);
    const client = await Deno.connect({
      transport: "unix",
      path: `${dir}/raw`,
    });
    const [id] = await server.receive(timeout());
    await server.send([id, "over unix"]);
    assertEquals(decode(await readBytes(client, 9)), "over unix");
    client.close();
    assertEquals((await receiveFrom(server, id)).length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("STREAM against libzmq's STREAM", async (t) => {
  await using peer = new LibzmqPeer();

  for (const weBind of [true, false]) {
    await t.step(
      weBind ? "we bind, libzmq connects" : "libzmq binds, we connect",
      async () => {
        await using ours = new Stream();
        const theirs = await peer.open("Stream");
        await link(ours, theirs, weBind);
        // Each side is told of the connection with [id, ""].
        const [id, hello] = await ours.receive(timeout());
        assertEquals(hello.length, 0);
        const [theirId, theirHello] = await theirs.receive();
        assertEquals(theirHello.length, 0);

        await ours.send([id, long]);
        const parts: Uint8Array[] = [];
        let received = 0;
        while (received < long.length) {
          const [from, data] = await theirs.receive();
          assertEquals(from, theirId);
          parts.push(data);
          received += data.length;
        }
        assertEquals(concat(parts), long);
        await theirs.send([theirId, long]);
        assertEquals(await receiveBytes(ours, id, long.length), long);
        await theirs.send([theirId, "hi"]);
        assertEquals(decode(await receiveBytes(ours, id, 2)), "hi");

        // An empty data frame closes: the other side is told with [id, ""].
        if (weBind) {
          await ours.send([id, ""]);
          assertEquals(await theirs.receive(), [theirId, new Uint8Array()]);
        } else {
          await theirs.send([theirId, ""]);
          // libzmq closes the connection once its own thread has taken
          // the pipe's end, at its next use of the socket.
          const end = receiveFrom(ours, id);
          await sendUntilReceived(() => theirs.touch(), end);
          assertEquals((await end).length, 0);
        }
        await theirs.close();
      },
    );
  }

  await t.step("a ZMTP peer's greeting arrives as raw bytes", async () => {
    await using ours = new Stream();
    await ours.bind("tcp://127.0.0.1:0");
    const dealer = await peer.open("Dealer");
    await dealer.connect(ours.lastEndpoint!);
    const [id] = await ours.receive(timeout());
    // libzmq sends the greeting's first 10 bytes and waits for ours.
    const signature = await receiveBytes(ours, id, 10);
    assertEquals(signature[0], 0xff);
    assertEquals(signature[9], 0x7f);
    // Its end, after whatever else of its greeting it sent.
    await dealer.close();
    let data: Uint8Array;
    do data = await receiveFrom(ours, id); while (data.length > 0);
  });
});

Deno.test("examples/http_stream.ts serves fetch() a page and 404 elsewhere, hangs up on a head over 8 KiB, goes on after a peer that left, and decodes a character split across reads", async () => {
  const bound = Promise.withResolvers<string>();
  const lines: string[] = [];
  const serving = httpStream({
    requests: 4,
    onBound: bound.resolve,
    print: (line) => lines.push(line),
  });
  const url = await bound.promise;
  const page = await fetch(url, timeout());
  assertEquals(page.status, 200);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert((await page.text()).includes("Hello from a ZeroMQ STREAM socket"));
  const missing = await fetch(new URL("/nothing", url), timeout());
  assertEquals(missing.status, 404);
  await missing.body?.cancel();

  const connect = () =>
    Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  // "é" split across two reads: the rest is written only once the server
  // has read (and hung up on) a whole other connection since.
  const split = await connect();
  const request = text.encode("GET /café HTTP/1.0\r\n\r\n");
  const cut = request.indexOf(0xa9);
  await split.write(request.subarray(0, cut));
  // Leaves before the answer comes: the server writes it to nobody, or
  // finds the id unknown (EHOSTUNREACH); either way it goes on.
  const gone = await connect();
  await gone.write(text.encode("GET /gone HTTP/1.0\r\n\r\n"));
  gone.close();
  const endless = await connect();
  await endless.write(new Uint8Array(8 * 1024 + 1).fill(0x78));
  assertEquals((await deadline(readToEnd(endless), 5000)).length, 0);
  endless.close();
  await split.write(request.subarray(cut));
  assert(decode(await readToEnd(split)).startsWith("HTTP/1.1 404"));
  split.close();

  await serving;
  assertEquals(lines, [
    `Serving ${url}`,
    "GET / HTTP/1.1",
    "GET /nothing HTTP/1.1",
    "GET /gone HTTP/1.0",
    "GET /café HTTP/1.0",
  ]);
});

Deno.test("examples/http_stream.ts runs with --allow-net=127.0.0.1 and prints its URL", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "examples/http_stream.ts",
      "tcp://127.0.0.1:0",
      "1",
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.getReader();
  let printed = "";
  while (!printed.includes("\n")) {
    const { value, done } = await stdout.read();
    if (done) break;
    printed += new TextDecoder().decode(value);
  }
  const url = printed.match(/Serving (\S+)/)?.[1];
  if (!url) throw new Error(`no URL in ${JSON.stringify(printed)}`);
  const page = await fetch(url, timeout());
  assertEquals(page.status, 200);
  assert((await page.text()).includes("STREAM"));
  const [status, rest, stderr] = await Promise.all([
    child.status,
    (async () => {
      let more = "";
      for (let r = await stdout.read(); !r.done; r = await stdout.read()) {
        more += new TextDecoder().decode(r.value);
      }
      return more;
    })(),
    new Response(child.stderr).text(),
  ]);
  assertEquals(status.code, 0, stderr);
  assertEquals(rest.trim(), "GET / HTTP/1.1");
});

Deno.test("STREAM: a connection our own unbind or disconnect ends gets no [id, ''] notice, as libzmq's", async () => {
  await using bound = new Stream();
  await bound.bind("tcp://127.0.0.1:0");
  const client = await connectTo(bound);
  await bound.receive(timeout()); // [id, ""]: connected
  await bound.unbind(bound.lastEndpoint!);
  // The link has ended by now, and said nothing.
  assertEquals(bound.readable, false);
  client.close();

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const endpoint = `tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  await using connecting = new Stream();
  connecting.connect(endpoint);
  const server = await listener.accept();
  await connecting.receive(timeout()); // connected
  await connecting.disconnect(endpoint);
  assertEquals(connecting.readable, false);
  server.close();
  listener.close();
});

Deno.test("STREAM: a connect peer sent a burst as soon as it is connected gets it whole and in order (two writers ran at once and the link threw)", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using stream = new Stream();
  stream.connect(`tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  const [id] = await stream.receive(timeout());
  const chunk = 64 * 1024;
  const count = 64;
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      await stream.send([id, new Uint8Array(chunk).fill(i)]);
    }
  })();
  using conn = await listener.accept();
  const bytes = await readBytes(conn, chunk * count);
  await sending;
  for (let i = 0; i < count; i++) {
    assertEquals([bytes[i * chunk], bytes[i * chunk + chunk - 1]], [i, i]);
  }
});

Deno.test("STREAM: a peer's bytes come in messages of 8 KiB at most, as libzmq's raw engine reads them, so the high-water mark bounds what a peer not read holds", async () => {
  await using server = new Stream();
  await server.bind("tcp://127.0.0.1:0");
  const client = await connectTo(server);
  const [id] = await server.receive(timeout());
  const data = new Uint8Array(256 * 1024).map((_, i) => i * 7);
  const writing = (async () => {
    for (let at = 0; at < data.length;) {
      at += await client.write(data.subarray(at));
    }
  })();
  const chunks: Uint8Array[] = [];
  for (let received = 0; received < data.length;) {
    const chunk = await receiveFrom(server, id);
    assert(chunk.length > 0 && chunk.length <= 8192, `${chunk.length} bytes`);
    chunks.push(chunk);
    received += chunk.length;
  }
  await writing;
  assertEquals(concat(chunks), data);
  client.close();
  assertEquals((await receiveFrom(server, id)).length, 0);
});
