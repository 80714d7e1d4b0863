/**
 * The accept loop shared by the transports built on `Deno.listen`.
 *
 * @module
 */

import { ZmqError, type ZmqErrorCode } from "../codec/errors.ts";
import { streamCodec, StreamLink } from "./stream_link.ts";
import { sleep } from "./_abortable_sleep.ts";
import type { LinkCodec } from "./_codec_driver.ts";
import type { Link, LinkOptions, TransportListener } from "./transport.ts";

/** The first wait after a failed accept, in ms; it doubles while accepts fail. */
const _FIRST_RETRY = 10;
/** The longest wait between failed accepts, in ms. */
const _LAST_RETRY = 1000;

/** A TCP endpoint bound on every interface: scheme, host, port onwards. */
const _WILDCARD = /^((?:tcp|wss?):\/\/)(0\.0\.0\.0|\[::\])(:.*)$/;

/**
 * Accepts connections on a Deno listener until closed, each as a
 * {@linkcode StreamLink}. When accepting fails (out of file descriptors) it
 * waits, 10 ms at first and doubling up to a second, instead of spinning.
 */
export class StreamListener implements TransportListener {
  readonly endpoint: string;
  #listener: Deno.Listener;
  #acceptLoop: Promise<void>;
  #onClose: () => Promise<void>;
  #codec: (options: LinkOptions) => LinkCodec;
  #closing = new AbortController();
  /** The endpoint's parts around its wildcard host, if it has one. */
  #wildcard: RegExpExecArray | undefined;

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
    this.#wildcard = _WILDCARD.exec(endpoint) ?? undefined;
    this.#onClose = onClose;
    this.#acceptLoop = this.#accept(options, accept);
  }

  /** This endpoint with the address a peer reached in place of `*`. */
  #localEndpoint(local: Deno.NetAddr): string {
    const [, scheme, , rest] = this.#wildcard!;
    const host = local.hostname;
    return `${scheme}${host.includes(":") ? `[${host}]` : host}${rest}`;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    // Begun now, not once the accept loop is done: a bind of the same ipc
    // path right after an unbind finds the path released.
    const released = this.#onClose();
    await this.#acceptLoop;
    await released;
  }

  async #accept(
    options: LinkOptions,
    accept: (link: Link, endpoint: string) => void,
  ): Promise<void> {
    let retry = 0;
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
        // A peer that reset before we took it costs nothing: go on at once
        // (its address unread, Deno says NotConnected: ENOTCONN).
        if (
          error instanceof Deno.errors.ConnectionAborted ||
          error instanceof Deno.errors.ConnectionReset ||
          error instanceof Deno.errors.NotConnected
        ) {
          continue;
        }
        // Out of descriptors, the pending peer stays in the backlog and
        // the next accept fails at once: retrying without a pause spins
        // the CPU until a descriptor frees up.
        retry = Math.min(retry === 0 ? _FIRST_RETRY : retry * 2, _LAST_RETRY);
        options.acceptFailed?.({
          endpoint: this.endpoint,
          code: _errorCode(error),
          reason: error instanceof Error ? error.message : String(error),
          interval: retry,
        });
        await sleep(retry, this.#closing.signal);
        if (this.#closing.signal.aborted) return;
        continue;
      }
      retry = 0;
      if (options.admit && !options.admit(this.endpoint)) {
        conn.close();
        continue;
      }
      let address = "";
      if (conn.remoteAddr.transport === "tcp") {
        // A TLS connection has no setNoDelay of its own.
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
        address = conn.remoteAddr.hostname;
      }
      const link = new StreamLink(conn, this.#codec(options), address);
      if (this.#wildcard && conn.localAddr.transport === "tcp") {
        link.localEndpoint = this.#localEndpoint(conn.localAddr);
      }
      accept(link, this.endpoint);
    }
  }
}

/** The system's name for an accept error: Deno gives it as `code`. */
function _errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  const message = error instanceof Error ? error.message : "";
  if (message.includes("os error 24")) return "EMFILE";
  if (message.includes("os error 23")) return "ENFILE";
  return "EIO";
}

/**
 * The ZmqError for a failed `Deno.listen`, with the Deno error as cause,
 * coded as libzmq's `zmq_bind` fails.
 */
export function bindError(endpoint: string, error: unknown): ZmqError {
  if (error instanceof ZmqError) return error;
  const [code, why] = _bindFailure(error);
  return new ZmqError(code, `cannot bind ${endpoint}: ${why}`, {
    cause: error,
  });
}

function _bindFailure(error: unknown): [ZmqErrorCode, string] {
  const message = (error as Error).message;
  if (error instanceof Deno.errors.AddrInUse) {
    return ["EADDRINUSE", "the address is already in use"];
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return ["EADDRNOTAVAIL", "not an address of this host"];
  }
  if (error instanceof Deno.errors.NotFound) {
    return ["ENOENT", "no such directory"];
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return ["EACCES", `the system refused: ${message}`];
  }
  if (error instanceof Deno.errors.NotCapable) {
    return ["EACCES", `Deno's permissions refused: ${message}`];
  }
  if (/SUN_LEN/.test(message)) {
    return ["ENAMETOOLONG", "the path is longer than a unix socket takes"];
  }
  if (/failed to lookup address/.test(message)) {
    return ["ENODEV", "no interface or host has that name"];
  }
  return ["EINVAL", message];
}

/**
 * Throws when the runtime has no sockets to bind or to connect (a browser,
 * a worker; one that can connect but not listen, as Deno Deploy, binds not).
 */
export function requireDeno(
  scheme: string,
  use: "bind" | "connect" = "bind",
): void {
  const api = typeof Deno === "undefined"
    ? undefined
    : use === "bind"
    ? Deno.listen
    : Deno.connect;
  if (typeof api !== "function") {
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `${scheme}:// needs Deno's network API, which this runtime lacks`,
    );
  }
}
