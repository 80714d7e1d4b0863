/**
 * The floor of the many-peers bench (the driver is _peers.ts): what Deno
 * itself costs a server of libzmq DEALERs, with no library. Each
 * connection gets a fixed greeting and READY (NULL, ROUTER) at once, its
 * peer's greeting and READY are read and not checked, and every byte after
 * them is written back as it was read, which for a DEALER's one-frame
 * requests is the reply a ROUTER echoing them sends. One read buffer per
 * connection of our idle size (256 B). Prints `{"endpoint": ...}`; ends
 * when stdin closes.
 *
 *     deno run -A bench/_peers_bare.ts
 *
 * @module
 */

const GREETING_SIZE = 64;
const READ_BUFFER_SIZE = 256;

function _hello(): Uint8Array {
  const text = new TextEncoder();
  const greeting = new Uint8Array(GREETING_SIZE);
  greeting.set([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 1]);
  greeting.set(text.encode("NULL"), 12);
  const ready = [
    5,
    ...text.encode("READY"),
    11,
    ...text.encode("Socket-Type"),
    0,
    0,
    0,
    6,
    ...text.encode("ROUTER"),
  ];
  return new Uint8Array([...greeting, 0x04, ready.length, ...ready]);
}

const HELLO = _hello();

/**
 * Where the peer's handshake ends in what has come, or -1 while it has not
 * all come (its READY is a short command; the bench's clients' is).
 */
function _handshakeEnd(bytes: Uint8Array, length: number): number {
  if (length < GREETING_SIZE + 2) return -1;
  const end = GREETING_SIZE + 2 + bytes[GREETING_SIZE + 1];
  return length >= end ? end : -1;
}

async function _serve(conn: Deno.TcpConn): Promise<void> {
  try {
    conn.setNoDelay(true);
    await conn.write(HELLO);
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    let length = 0;
    let end = -1;
    while (end < 0) {
      if (length === buffer.length) return;
      const count = await conn.read(buffer.subarray(length));
      if (count === null) return;
      length += count;
      end = _handshakeEnd(buffer, length);
    }
    if (length > end) await conn.write(buffer.slice(end, length));
    for (;;) {
      const count = await conn.read(buffer);
      if (count === null) return;
      await conn.write(buffer.subarray(0, count));
    }
  } catch {
    // A peer gone mid-write: its connection ends here.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const { port } = listener.addr as Deno.NetAddr;
console.log(JSON.stringify({ endpoint: `tcp://127.0.0.1:${port}` }));
// The driver closes stdin to end the run.
Deno.stdin.readable.pipeTo(new WritableStream()).then(() => Deno.exit(0));
for await (const conn of listener) _serve(conn);
