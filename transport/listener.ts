/**
 * Listening for ZMTP peers over TCP and unix sockets.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { type Endpoint, formatEndpoint, parseEndpoint } from "./endpoint.ts";

/** A byte stream to a peer: a TCP or unix socket connection. */
export type ByteConnection = Deno.Conn;

/**
 * Called for each accepted connection, with the listener's endpoint; the
 * listener does not wait for it.
 */
export type ConnectionHandler = (
  connection: ByteConnection,
  endpoint: string,
) => void;

/**
 * A bound endpoint that accepts connections until closed.
 *
 * @example
 * ```ts
 * import { Listener } from "@zmtp/zmq";
 *
 * const listener = await Listener.bind("tcp://127.0.0.1:0", (connection) => connection.close());
 * console.log(listener.endpoint); // tcp://127.0.0.1:<port>
 * await listener.close();
 * ```
 */
export class Listener {
  /** The endpoint as bound, with the real port (never 0 or `*`). */
  readonly endpoint: string;
  #listener: Deno.Listener;
  #acceptLoop: Promise<void>;
  #path: string | undefined;

  private constructor(
    listener: Deno.Listener,
    endpoint: string,
    path: string | undefined,
    onConnection: ConnectionHandler,
  ) {
    this.#listener = listener;
    this.endpoint = endpoint;
    this.#path = path;
    this.#acceptLoop = this.#accept(onConnection);
  }

  /**
   * Binds an endpoint and starts accepting.
   *
   * @param endpoint `tcp://host:port` (`*` for all interfaces, port 0 or `*`
   * for an ephemeral one) or `ipc:///path`.
   * @param onConnection Called with each accepted connection.
   * @returns The listening endpoint.
   * @throws {ZmqError} `EADDRINUSE` if the address is taken, `EINVAL` if it
   * is malformed.
   */
  static async bind(
    endpoint: string,
    onConnection: ConnectionHandler,
  ): Promise<Listener> {
    const parsed = parseEndpoint(endpoint);
    try {
      if (parsed.transport === "tcp") {
        const hostname = _bindHost(parsed.host);
        const listener = Deno.listen({ hostname, port: parsed.port });
        const address = listener.addr as Deno.NetAddr;
        const bound: Endpoint = {
          transport: "tcp",
          host: address.hostname,
          port: address.port,
        };
        return new Listener(
          listener,
          formatEndpoint(bound),
          undefined,
          onConnection,
        );
      }
      if (parsed.transport === "ipc") {
        await _removeStaleSocket(parsed.path);
        const listener = Deno.listen({ transport: "unix", path: parsed.path });
        return new Listener(listener, endpoint, parsed.path, onConnection);
      }
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new ZmqError("EADDRINUSE", `${endpoint} is already in use`);
      }
      if (error instanceof ZmqError) throw error;
      throw new ZmqError(
        "EINVAL",
        `cannot bind ${endpoint}: ${(error as Error).message}`,
      );
    }
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `cannot bind ${endpoint}: inproc is not available yet`,
    );
  }

  /** Stops accepting and releases the address (removing an ipc socket file). */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#acceptLoop;
    if (this.#path !== undefined) {
      await Deno.remove(this.#path).catch(() => {});
    }
  }

  async #accept(onConnection: ConnectionHandler): Promise<void> {
    while (true) {
      let connection: Deno.Conn;
      try {
        connection = await this.#listener.accept();
      } catch (error) {
        if (
          error instanceof Deno.errors.BadResource ||
          error instanceof Deno.errors.Interrupted
        ) {
          return;
        }
        // A failed accept (out of descriptors, a reset before accept) must
        // not stop the listener.
        continue;
      }
      if (connection.remoteAddr.transport === "tcp") {
        (connection as Deno.TcpConn).setNoDelay(true);
      }
      onConnection(connection, this.endpoint);
    }
  }
}

function _bindHost(host: string): string {
  if (host === "*") return "0.0.0.0";
  if (host === "localhost") return "127.0.0.1";
  return host;
}

async function _removeStaleSocket(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (!info.isSocket) return;
  } catch {
    return;
  }
  try {
    const probe = await Deno.connect({ transport: "unix", path });
    probe.close();
    throw new ZmqError(
      "EADDRINUSE",
      `ipc://${path} is in use by another process`,
    );
  } catch (error) {
    if (error instanceof ZmqError) throw error;
    // Nobody listens: a socket file left behind by a process that died.
    await Deno.remove(path).catch(() => {});
  }
}
