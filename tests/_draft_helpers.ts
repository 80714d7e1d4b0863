/**
 * What the tests of the draft socket types share: their payloads, linking
 * ours with libzmq's either way, a step per transport, and a peer speaking
 * ZMTP by hand.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  Client,
  codec,
  Context,
  type MessageLike,
  type PeerInfo,
  Server,
  type Socket,
  ZmqError,
} from "../mod.ts";
import type { LibzmqSocket } from "./_libzmq_peer.ts";
import { portOf } from "./_helpers.ts";

const text = new TextEncoder();

/** Long enough (> 255 bytes) for ZMTP's long frame header. */
export const LONG: Uint8Array = new Uint8Array(300).map((_, i) => i % 251);

/** Empty, short, and long payloads. */
export const PAYLOADS: readonly Uint8Array[] = [
  new Uint8Array(0),
  text.encode("hello"),
  LONG,
];

/** Links ours and libzmq's over tcp, binding on the side named. */
export async function link(
  ours: Socket,
  theirs: LibzmqSocket,
  weBind: boolean,
): Promise<void> {
  if (weBind) {
    await ours.bind("tcp://127.0.0.1:0");
    await theirs.connect(ours.lastEndpoint!);
  } else {
    ours.connect(await theirs.bind("tcp://127.0.0.1:*"));
  }
}

/**
 * Runs `exchange` between a socket of ours (`make`) and one of libzmq's
 * (`open`), linked over tcp, as two steps: "we bind", then "libzmq binds".
 * Each step has its own context, and closes libzmq's socket.
 */
export async function againstLibzmq<S extends Socket>(
  t: Deno.TestContext,
  open: () => Promise<LibzmqSocket>,
  make: (context: Context) => S,
  exchange: (ours: S, theirs: LibzmqSocket) => Promise<void>,
): Promise<void> {
  for (const weBind of [true, false]) {
    await t.step(weBind ? "we bind" : "libzmq binds", async () => {
      await using context = new Context();
      const ours = make(context);
      const theirs = await open();
      try {
        await link(ours, theirs, weBind);
        await exchange(ours, theirs);
      } finally {
        await theirs.close();
      }
    });
  }
}

/** The transports every ZMTP socket type is tested over. */
export type Transport = "tcp" | "ipc" | "inproc" | "ws";

/**
 * Runs `fn` as a step per transport; `endpoint(name)` is an endpoint to
 * bind there (port 0 for tcp and ws, ipc in a temporary directory).
 */
export async function overTransports(
  t: Deno.TestContext,
  fn: (endpoint: (name: string) => string) => Promise<void>,
  transports: readonly Transport[] = ["tcp", "ipc", "inproc", "ws"],
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const endpoints: Record<Transport, (name: string) => string> = {
    tcp: () => "tcp://127.0.0.1:0",
    ipc: (name) => `ipc://${dir}/${name}`,
    inproc: (name) => `inproc://${name}`,
    ws: (name) => `ws://127.0.0.1:0/${name}`,
  };
  try {
    for (const transport of transports) {
      await t.step(transport, () => fn(endpoints[transport]));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Asserts that `socket` refuses `bad` at once with `EINVAL` while a send of
 * `waiting` waits (it has nowhere to go yet): the rule is checked before
 * the queue. `options` go to both sends (a PEER's `routingId`).
 */
export async function assertRefusedAhead(
  socket: Socket,
  waiting: MessageLike,
  bad: MessageLike,
  includes: string,
  options: object = {},
): Promise<void> {
  const stop = new AbortController();
  const waits = socket.send(waiting, { ...options, signal: stop.signal });
  // Queued behind `waits`, `bad` would reject with the timeout instead.
  const refused = await assertRejects(
    () => socket.send(bad, { ...options, signal: AbortSignal.timeout(5000) }),
    ZmqError,
    includes,
  );
  assertEquals(refused.code, "EINVAL");
  stop.abort();
  await assertRejects(() => waits);
}

/**
 * Connects a peer of `peerType` by hand to `socket` (bound on tcp), asserts
 * the socket announces its own type, and sends it the multipart message
 * ["multi", "part"], then ["single"]: a single-frame type drops the first,
 * so ["single"] is the next message it receives.
 */
export async function sendMultipartThenSingle(
  socket: Socket,
  peerType: codec.SocketType,
): Promise<RawPeer> {
  const raw = await RawPeer.to(socket, peerType);
  try {
    const announced = await deadline(raw.handshake(), 5000);
    assertEquals(announced?.socketType, socket.type);
    await raw.send(["multi", "part"], ["single"]);
    return raw;
  } catch (error) {
    raw.close();
    throw error;
  }
}

/** A peer speaking ZMTP by hand over a raw TCP connection, with our codec. */
export class RawPeer implements Disposable {
  #conn: Deno.Conn;
  #fake: codec.Connection;
  #events: codec.ConnectionEvent[] = [];
  #buffer = new Uint8Array(4096);
  #closed = false;

  /** Connects to a socket bound on tcp, as a peer of a type. */
  static async to(
    socket: Socket,
    socketType: codec.SocketType,
  ): Promise<RawPeer> {
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: portOf(socket.lastEndpoint!),
    });
    return new RawPeer(conn, socketType);
  }

  constructor(conn: Deno.Conn, socketType: codec.SocketType) {
    this.#conn = conn;
    this.#fake = new codec.Connection({ socketType });
  }

  /** What the socket announced in its READY, or `undefined` if refused. */
  async handshake(): Promise<PeerInfo | undefined> {
    return (await this.next("ready"))?.peer;
  }

  /** The next event of a type, or `undefined` once the connection ends. */
  async next<T extends codec.ConnectionEvent["type"]>(
    type: T,
  ): Promise<Extract<codec.ConnectionEvent, { type: T }> | undefined> {
    while (true) {
      const event = this.#events.shift();
      if (event?.type === type) {
        return event as Extract<codec.ConnectionEvent, { type: T }>;
      }
      if (event) continue;
      await this.#flush();
      const count = await this.#conn.read(this.#buffer).catch(() => null);
      if (count === null) return undefined;
      this.#events.push(...this.#fake.receive(this.#buffer.slice(0, count)));
    }
  }

  /** Sends messages, each given as its frames. */
  async send(...messages: string[][]): Promise<void> {
    for (const frames of messages) {
      this.#fake.sendMessage(frames.map((frame) => text.encode(frame)));
    }
    await this.#flush();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #flush(): Promise<void> {
    for (const chunk of this.#fake.takeOutput()) {
      await this.#conn.write(chunk).catch(() => {}); // refused: closed
    }
  }
}

/**
 * A SERVER bound on an inproc `name` (send high-water mark `mark`) and two
 * CLIENTs that have said hello to it: `slow` (receive high-water mark
 * `mark`, for a test that leaves it unread) and `fast`, with their routing
 * ids there. All linger 0; disposing closes the three.
 */
export async function slowAndFastClients(name: string, mark: number): Promise<{
  server: Server;
  slow: Client;
  fast: Client;
  slowId: number;
  fastId: number;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const endpoint = `inproc://${name}`;
  const server = new Server({ sendHighWaterMark: mark, linger: 0 });
  await server.bind(endpoint);
  const slow = new Client({ receiveHighWaterMark: mark, linger: 0 });
  const fast = new Client({ linger: 0 });
  slow.connect(endpoint);
  fast.connect(endpoint);
  await slow.send("slow");
  await fast.send("fast");
  const ids = new Map<string, number>();
  for (let i = 0; i < 2; i++) {
    const message = await deadline(server.receive(), 5000);
    ids.set(new TextDecoder().decode(message[0]), message.routingId);
  }
  return {
    server,
    slow,
    fast,
    slowId: ids.get("slow")!,
    fastId: ids.get("fast")!,
    async [Symbol.asyncDispose]() {
      await Promise.all([server.close(), slow.close(), fast.close()]);
    },
  };
}
