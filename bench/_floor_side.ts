/**
 * The Deno side of the floor case (the driver is _floor.ts): what the
 * runtime allows, without this library.
 *
 *     deno run -A bench/_floor_side.ts server          prints {"port":N}, echoes one connection
 *     deno run -A bench/_floor_side.ts client PORT N   prints {"rtt":µs}: bare tcp round trips of 18 B
 *     deno run bench/_floor_side.ts await N            prints {"rate":msg/s}
 *
 * `await` times the least a receive loop does per message in JavaScript:
 * a view into a read buffer, an array for the message, and one awaited
 * promise, as `for (;;) await socket.receive()` does.
 *
 * @module
 */

const FRAME = 18;
const [role, first, second] = Deno.args;
const print = (value: object) => console.log(JSON.stringify(value));

async function readAll(conn: Deno.Conn, buffer: Uint8Array): Promise<boolean> {
  for (let got = 0; got < buffer.length;) {
    const n = await conn.read(buffer.subarray(got));
    if (n === null) return false;
    got += n;
  }
  return true;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let sent = 0; sent < bytes.length;) {
    sent += await conn.write(bytes.subarray(sent));
  }
}

if (role === "server") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  print({ port: (listener.addr as Deno.NetAddr).port });
  const conn = await listener.accept();
  listener.close();
  conn.setNoDelay(true);
  const buffer = new Uint8Array(FRAME);
  while (await readAll(conn, buffer)) await writeAll(conn, buffer);
  conn.close();
} else if (role === "client") {
  const count = Number(second);
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(first),
  });
  conn.setNoDelay(true);
  const buffer = new Uint8Array(FRAME).fill(0x72);
  let started = 0;
  // A tenth of the count warms up first, as the C side does.
  for (let i = -Math.floor(count / 10); i < count; i++) {
    if (i === 0) started = performance.now();
    await writeAll(conn, buffer);
    await readAll(conn, buffer);
  }
  print({ rtt: (performance.now() - started) * 1000 / count });
  conn.close();
} else if (role === "await") {
  const count = Number(first);
  // 64 KiB of 16 B frames, as a read brings them.
  const perRead = Math.floor(65536 / FRAME);
  const read = new Uint8Array(perRead * FRAME);
  for (let i = 0; i < perRead; i++) read[i * FRAME + 1] = FRAME - 2;
  const queue: Uint8Array[][] = [];
  let head = 0;
  const receive = (): Promise<Uint8Array[]> => {
    if (head === queue.length) {
      queue.length = head = 0;
      const bytes = read.slice();
      for (let at = 0; at < bytes.length; at += FRAME) {
        queue.push([
          new Uint8Array(bytes.buffer, at + 2, bytes[at + 1]),
        ]);
      }
    }
    return Promise.resolve(queue[head++]);
  };
  for (let i = 0; i < count / 10; i++) await receive();
  const started = performance.now();
  for (let i = 0; i < count; i++) await receive();
  print({ rate: count / ((performance.now() - started) / 1000) });
} else {
  console.error(
    "usage: _floor_side.ts server | client PORT COUNT | await COUNT",
  );
  Deno.exit(2);
}
