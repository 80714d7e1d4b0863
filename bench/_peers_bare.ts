/**
 * The floor of the many-peers bench (the driver is _peers.ts): what Deno
 * itself costs a server of libzmq DEALERs, with no library. Each
 * connection gets a fixed greeting and READY (NULL, ROUTER) at once, its
 * peer's greeting and READY are read and not checked, and every byte after
 * them is written back as it was read, which for a DEALER's one-frame
 * requests is the reply a ROUTER echoing them sends. One read buffer per
 * connection of our idle size (256 B; larger only while a READY does not
 * fit it). Prints `{"endpoint": ...}`; ends when stdin closes.
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
 * Where the peer's handshake (greeting, then its READY, a short or long
 * command) ends in what has come, or -1 while it has not all come.
 */
function _handshakeEnd(bytes: Uint8Array, length: number): number {
  const flags = bytes[GREETING_SIZE];
  const header = flags & 0x02 ? 9 : 2;
  if (length < GREETING_SIZE + header) return -1;
  const size = header === 9
    ? Number(
      new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(
        GREETING_SIZE + 1,
      ),
    )
    : bytes[GREETING_SIZE + 1];
  const end = GREETING_SIZE + header + size;
  return length >= end ? end : -1;
}

/** Writes all of `bytes` (a write may take part of them). */
async function _writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at));
  }
}

async function _serve(conn: Deno.TcpConn): Promise<void> {
  try {
    conn.setNoDelay(true);
    await _writeAll(conn, HELLO);
    let buffer = new Uint8Array(READ_BUFFER_SIZE);
    let length = 0;
    let end = -1;
    while (end < 0) {
      // A READY with more metadata than the idle buffer holds.
      if (length === buffer.length) {
        const larger = new Uint8Array(2 * buffer.length);
        larger.set(buffer);
        buffer = larger;
      }
      const count = await conn.read(buffer.subarray(length));
      if (count === null) return;
      length += count;
      end = _handshakeEnd(buffer, length);
    }
    if (length > end) await _writeAll(conn, buffer.slice(end, length));
    buffer = new Uint8Array(READ_BUFFER_SIZE);
    for (;;) {
      const count = await conn.read(buffer);
      if (count === null) return;
      await _writeAll(conn, buffer.subarray(0, count));
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
