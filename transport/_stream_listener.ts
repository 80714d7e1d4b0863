/**
 * The accept loop shared by the transports built on `Deno.listen`.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { streamCodec, StreamLink } from "./stream_link.ts";
import type { LinkCodec } from "./_codec_driver.ts";
import type { Link, LinkOptions, TransportListener } from "./transport.ts";

/**
 * Accepts connections on a Deno listener until closed, each as a
 * {@linkcode StreamLink}.
 */
export class StreamListener implements TransportListener {
  readonly endpoint: string;
  #listener: Deno.Listener;
  #acceptLoop: Promise<void>;
  #onClose: () => Promise<void>;
  #codec: (options: LinkOptions) => LinkCodec;

  constructor(
    listener: Deno.Listener,
    endpoint: string,
    options: LinkOptions,
    accept: (link: Link, endpoint: string) => void,
    onClose: () => Promise<void> = () => Promise.resolve(),
    codec: (options: LinkOptions) => LinkCodec = streamCodec,
  ) {
    this.#codec = codec;
    this.#listener = listener;
    this.endpoint = endpoint;
    this.#onClose = onClose;
    this.#acceptLoop = this.#accept(options, accept);
  }

  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#acceptLoop;
    await this.#onClose();
  }

  async #accept(
    options: LinkOptions,
    accept: (link: Link, endpoint: string) => void,
  ): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
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
      let address = "";
      if (conn.remoteAddr.transport === "tcp") {
        // A TLS connection has no setNoDelay of its own.
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
        address = conn.remoteAddr.hostname;
      }
      accept(
        new StreamLink(conn, this.#codec(options), address),
        this.endpoint,
      );
    }
  }
}

/** The ZmqError for a failed `Deno.listen`, with the Deno error as cause. */
export function bindError(endpoint: string, error: unknown): ZmqError {
  if (error instanceof ZmqError) return error;
  if (error instanceof Deno.errors.AddrInUse) {
    return new ZmqError("EADDRINUSE", `${endpoint} is already in use`, {
      cause: error,
    });
  }
  return new ZmqError(
    "EINVAL",
    `cannot bind ${endpoint}: ${(error as Error).message}`,
    { cause: error },
  );
}

/** Throws when the runtime has no sockets (a browser, a worker). */
export function requireDeno(scheme: string): void {
  if (typeof Deno === "undefined" || typeof Deno.listen !== "function") {
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `${scheme}:// needs Deno's network API, which this runtime lacks`,
    );
  }
}
