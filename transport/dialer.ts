/**
 * Connecting to a peer, and reconnecting whenever the connection drops.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { sleep } from "./_abortable_sleep.ts";
import { ReconnectBackoff, type ReconnectOptions } from "./backoff.ts";
import { parseEndpoint } from "./endpoint.ts";
import type { ByteConnection } from "./listener.ts";

/** Callbacks of a {@linkcode Dialer}. */
export interface DialerHandlers {
  /**
   * Serves a new connection; the promise settles when the connection has
   * ended, after which the dialer waits and reconnects.
   */
  onConnection(connection: ByteConnection): Promise<void>;
  /** A connection attempt is starting and has not completed yet. */
  onAttempt?(): void;
  /** A connection attempt failed; the next one comes after `delay` ms. */
  onRetry?(delay: number, error: Error): void;
}

/**
 * Keeps one connection to an endpoint alive: connects (the peer need not be
 * up yet), hands the connection over, and when it ends waits
 * `reconnectInterval` (growing to `reconnectIntervalMax`) and connects again.
 *
 * @example
 * ```ts
 * import { Dialer, Listener } from "@zmtp/zmq";
 *
 * const listener = await Listener.bind("tcp://127.0.0.1:0", (connection) => connection.close());
 * const connected = Promise.withResolvers<void>();
 * const dialer = new Dialer(listener.endpoint, { reconnectInterval: 100, reconnectIntervalMax: 0 }, {
 *   onConnection(connection) {
 *     connection.close();
 *     connected.resolve();
 *     return Promise.resolve();
 *   },
 * });
 * await connected.promise;
 * await dialer.close();
 * await listener.close();
 * ```
 */
export class Dialer {
  /** The endpoint being dialled. */
  readonly endpoint: string;
  #abort = new AbortController();
  #loop: Promise<void>;

  /**
   * Starts dialling at once.
   *
   * @param endpoint `tcp://host:port` or `ipc:///path`.
   * @param options The reconnect intervals.
   * @param handlers What to do with each connection.
   * @throws {ZmqError} `EINVAL` for a malformed endpoint.
   */
  constructor(
    endpoint: string,
    options: ReconnectOptions,
    handlers: DialerHandlers,
  ) {
    const parsed = parseEndpoint(endpoint);
    if (
      parsed.transport === "tcp" && (parsed.host === "*" || parsed.port === 0)
    ) {
      throw new ZmqError(
        "EINVAL",
        `cannot connect to ${endpoint}: name a host and a port`,
      );
    }
    if (parsed.transport === "inproc") {
      throw new ZmqError(
        "EPROTONOSUPPORT",
        `cannot connect to ${endpoint}: inproc is not available yet`,
      );
    }
    this.endpoint = endpoint;
    const connect = parsed.transport === "tcp"
      ? () => _connectTcp(parsed.host, parsed.port)
      : () => Deno.connect({ transport: "unix", path: parsed.path });
    this.#loop = this.#run(connect, options, handlers);
  }

  /** Stops dialling; resolves once no attempt or timer is left. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(
    connect: () => Promise<ByteConnection>,
    options: ReconnectOptions,
    handlers: DialerHandlers,
  ): Promise<void> {
    const signal = this.#abort.signal;
    const backoff = new ReconnectBackoff(options);
    while (!signal.aborted) {
      let connection: ByteConnection;
      handlers.onAttempt?.();
      try {
        connection = await connect();
      } catch (error) {
        if (signal.aborted || !backoff.enabled) return;
        const delay = backoff.next();
        handlers.onRetry?.(delay, error as Error);
        await sleep(delay, signal);
        continue;
      }
      if (signal.aborted) {
        connection.close();
        return;
      }
      backoff.reset();
      await handlers.onConnection(connection);
      if (!backoff.enabled) return;
      await sleep(backoff.next(), signal);
    }
  }
}

async function _connectTcp(
  host: string,
  port: number,
): Promise<ByteConnection> {
  // The guide's C servers listen on IPv4 only, so "localhost" tries IPv4 first.
  const hosts = host === "localhost" ? ["127.0.0.1", "::1"] : [host];
  let lastError: unknown;
  for (const hostname of hosts) {
    try {
      const connection = await Deno.connect({ hostname, port });
      connection.setNoDelay(true);
      return connection;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
