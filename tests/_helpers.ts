import { deadline } from "@std/async/deadline";
import { codec, type Socket, type SocketEvent } from "../mod.ts";

export { expectEvent } from "./codec/_helpers.ts";

/**
 * Sends until the receiver has a message, for the one wait ZeroMQ cannot
 * signal: a subscription (or a reconnect) reaching a publisher. Each send
 * waits at most 10 ms for the receive; the receive's own deadline bounds it.
 */
export async function sendUntilReceived<T>(
  send: () => Promise<unknown>,
  receiving: Promise<T>,
): Promise<T> {
  let done = false;
  const settled = receiving.finally(() => done = true);
  while (!done) {
    await send();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      settled.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 10)),
    ]);
    clearTimeout(timer);
  }
  return await settled;
}

/**
 * Keeps the isolate busy for `ms`, as an app's own synchronous work does:
 * its timers come due and its reads wait meanwhile.
 */
export function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // The app's work.
  }
}

/** A TCP port free on 127.0.0.1 just now, for tests that must bind one endpoint twice. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A UDP port free on 127.0.0.1 just now, for a libzmq socket to bind. */
export function freeUdpPort(): number {
  const socket = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  const { port } = socket.addr as Deno.NetAddr;
  socket.close();
  return port;
}

/** The port of a `tcp://host:port` (or `udp://…:port`) endpoint. */
export function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

/** A frame as UTF-8 text. */
export const decode = (frame: Uint8Array): string =>
  new TextDecoder().decode(frame);

/**
 * What a script prints under Debian's python3, whose pyzmq calls native
 * libzmq (4.3.4) directly: the reference where zeromq.js adds a rule of
 * its own.
 */
export async function runPython(
  script: string,
  ...args: string[]
): Promise<string> {
  const { stdout } = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
  }).output();
  return decode(stdout).trim();
}

/**
 * Polls `check` each macrotask until it holds, for state no event
 * announces; fails after `ms` instead of hanging.
 */
export async function until(
  check: () => boolean,
  what: string,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Options for a `send`/`receive` that fails a broken test instead of hanging it. */
export const timeout = (): { signal: AbortSignal } => ({
  signal: AbortSignal.timeout(5000),
});

/**
 * Completes a NULL handshake on a raw connection as a peer of the given
 * socket type (our READY included), for a test that then misbehaves on
 * purpose; returns the peer's codec connection, ready.
 */
export async function handshakeAs(
  raw: Deno.Conn,
  socketType: codec.SocketType,
): Promise<codec.Connection> {
  const fake = new codec.Connection({ socketType });
  for (const chunk of fake.takeOutput()) await raw.write(chunk);
  const buffer = new Uint8Array(4096);
  while (fake.state !== "ready") {
    const count = await raw.read(buffer);
    if (count === null) throw new Error("closed during the handshake");
    fake.receive(buffer.slice(0, count));
  }
  for (const chunk of fake.takeOutput()) await raw.write(chunk);
  return fake;
}

/** Which way bytes go through a {@linkcode ZmtpRelay}. */
export type RelayDirection = "to-target" | "from-target";

/**
 * Counts the ZMTP commands (PING, PONG…) in one direction of a NULL
 * connection, reading the framing only: 64 greeting bytes, then frames.
 */
class _CommandCounter {
  readonly counts = new Map<string, number>();
  #greeting = 64;
  #skip = 0; // the rest of a message frame's body
  #pending = new Uint8Array(0); // a partial frame header or command

  feed(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#pending.length > 0) {
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
    }
    let at = 0;
    while (at < data.length) {
      if (this.#greeting > 0 || this.#skip > 0) {
        const count = Math.min(this.#greeting + this.#skip, data.length - at);
        if (this.#greeting > 0) this.#greeting -= count;
        else this.#skip -= count;
        at += count;
        continue;
      }
      const flags = data[at];
      const headerSize = flags & 0x02 ? 9 : 2;
      if (data.length - at < headerSize) break;
      const size = headerSize === 9
        ? Number(new DataView(data.buffer, data.byteOffset + at + 1, 8)
          .getBigUint64(0))
        : data[at + 1];
      if (!(flags & 0x04)) {
        at += headerSize;
        this.#skip = size;
        continue;
      }
      if (data.length - at < headerSize + size) break;
      const body = data.subarray(at + headerSize, at + headerSize + size);
      const name = decode(body.subarray(1, 1 + body[0]));
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      at += headerSize + size;
    }
    this.#pending = data.slice(at);
  }
}

/**
 * A loopback TCP relay between whoever connects to `port` and a target,
 * forwarding bytes unchanged both ways and counting the ZMTP commands each
 * way, for a test that must see heartbeats flow (NULL mechanism only: it
 * reads the frames in clear). Every connection it accepts counts.
 */
export class ZmtpRelay implements AsyncDisposable {
  /** The port to connect to instead of the target's. */
  readonly port: number;
  /** Connections accepted so far. */
  connections = 0;
  #listener: Deno.Listener;
  #counters = {
    "to-target": new _CommandCounter(),
    "from-target": new _CommandCounter(),
  };
  #conns = new Set<Deno.Conn>();
  #tasks: Promise<void>[] = [];
  #changed = Promise.withResolvers<void>();

  /** @param target The TCP port on 127.0.0.1 to relay to. */
  constructor(target: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#tasks.push(this.#accept(target));
  }

  /** The `tcp://` endpoint of the relay. */
  get endpoint(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** How many commands of this name went this way, over all connections. */
  count(direction: RelayDirection, name: string): number {
    return this.#counters[direction].counts.get(name) ?? 0;
  }

  /** Waits until `count` commands of this name went this way. */
  async waitFor(
    direction: RelayDirection,
    name: string,
    count: number,
    signal: AbortSignal,
  ): Promise<void> {
    while (this.count(direction, name) < count) {
      signal.throwIfAborted();
      const aborted = Promise.withResolvers<never>();
      const onAbort = () => aborted.reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        await Promise.race([this.#changed.promise, aborted.promise]);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
  }

  async #accept(target: number): Promise<void> {
    for await (const inbound of this.#listener) {
      this.connections++;
      this.#conns.add(inbound);
      let outbound: Deno.Conn;
      try {
        outbound = await Deno.connect({ hostname: "127.0.0.1", port: target });
      } catch {
        this.#close(inbound);
        continue;
      }
      if (!this.#conns.has(inbound)) { // disposed meanwhile
        outbound.close();
        continue;
      }
      this.#conns.add(outbound);
      this.#tasks.push(
        this.#pipe(inbound, outbound, this.#counters["to-target"]),
        this.#pipe(outbound, inbound, this.#counters["from-target"]),
      );
    }
  }

  async #pipe(
    from: Deno.Conn,
    to: Deno.Conn,
    counter: _CommandCounter,
  ): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const count = await from.read(buffer);
        if (count === null) break;
        const chunk = buffer.slice(0, count);
        counter.feed(chunk);
        const changed = this.#changed;
        this.#changed = Promise.withResolvers<void>();
        changed.resolve();
        for (let at = 0; at < chunk.length;) {
          at += await to.write(chunk.subarray(at));
        }
      }
    } catch {
      // The other way closed both.
    }
    this.#close(from);
    this.#close(to);
  }

  #close(conn: Deno.Conn): void {
    if (this.#conns.delete(conn)) conn.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    for (const conn of [...this.#conns]) this.#close(conn);
    // Tasks started while closing are awaited too.
    for (let i = 0; i < this.#tasks.length; i++) await this.#tasks[i];
  }
}

/**
 * The types of a socket's events up to the next of type `until`, which ends
 * the list; fails after 5 s instead of hanging.
 */
export function typesUntil(
  socket: Socket,
  until: SocketEvent["type"],
): Promise<string[]> {
  const collect = async () => {
    const types: string[] = [];
    for await (const event of socket.events) {
      types.push(event.type);
      if (event.type === until) break;
    }
    return types;
  };
  return deadline(collect(), 5000);
}

/**
 * Collects what is thrown uncaught (in a microtask or a timer of its own)
 * while in scope, instead of failing the test with it: for code that
 * reports a caller's exception that way, as a listener's or a due's.
 *
 * @example
 * ```ts ignore
 * using uncaught = collectUncaught();
 * await somethingThatThrowsInAMicrotask();
 * assertEquals(uncaught.errors.length, 1);
 * ```
 */
export function collectUncaught(): { errors: unknown[] } & Disposable {
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    errors.push(event.error);
  };
  globalThis.addEventListener("error", onError);
  return {
    errors,
    [Symbol.dispose]: () => globalThis.removeEventListener("error", onError),
  };
}

/** Sends a browser's upgrade from a page of `origin`; returns the status line. */
export async function upgradeFrom(
  endpoint: string,
  origin: string | undefined,
): Promise<string> {
  const { hostname, port, pathname } = new URL(endpoint);
  using conn = await Deno.connect({ hostname, port: Number(port) });
  const head = [
    `GET ${pathname} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Protocol: ZWS2.0",
    ...(origin === undefined ? [] : [`Origin: ${origin}`]),
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(head));
  const buffer = new Uint8Array(1024);
  let text = "";
  while (!text.includes("\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text.split("\r\n")[0];
}

/** Runs `body` with `owner[name]` gone, then puts it back. */
export async function without<T extends object>(
  owner: T,
  name: string,
  body: () => Promise<void> | void,
): Promise<void> {
  const own = Object.getOwnPropertyDescriptor(owner, name);
  // Shadowed where it is inherited (crypto's methods are its prototype's).
  Object.defineProperty(owner, name, { value: undefined, configurable: true });
  try {
    await body();
  } finally {
    delete (owner as Record<string, unknown>)[name];
    if (own) Object.defineProperty(owner, name, own);
  }
}

/** `promise`, or a failure after `ms`: @std's deadline needs AbortSignal.any. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a command to its end, aborted after `ms` so that a hang fails the
 * test instead of the run. A timer of our own rather than
 * AbortSignal.timeout, whose timer would outlive the test and trip the
 * sanitizer.
 */
export async function outputWithin(
  command: string,
  options: Omit<Deno.CommandOptions, "signal">,
  ms: number,
): Promise<Deno.CommandOutput> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await new Deno.Command(command, { ...options, signal: abort.signal })
      .output();
  } finally {
    clearTimeout(timer);
  }
}
