/**
 * `ws://host:port/path` and `wss://…`: ZeroMQ over WebSocket (ZWS 2.0,
 * RFC 45), byte for byte as libzmq's ws transport speaks it, over TCP and
 * over TLS.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { WebSocketConnection } from "../codec/websocket_connection.ts";
import { streamCodecOptions, StreamLink } from "./stream_link.ts";
import { dialWebSocket } from "./websocket_link.ts";
import { connectTcp } from "./_tcp_connect.ts";
import { patientTimeout } from "./_deadlines.ts";
import { everyInterface } from "./_interface_address.ts";
import { bindError, requireDeno, StreamListener } from "./_stream_listener.ts";
import type { LinkOptions, Transport } from "./transport.ts";

/** A WebSocket address. */
export interface WsAddress {
  /** Host name or address, without brackets; `*` means every interface. */
  host: string;
  /** Port; 0 (or `*`) means an ephemeral one when binding. */
  port: number;
  /** The HTTP path, `/` when none is given (as libzmq). */
  path: string;
}

/**
 * Parses the address of a `ws://` endpoint.
 *
 * @example
 * ```ts
 * import { parseWsAddress } from "@zmtp/zmq/transport";
 *
 * console.log(parseWsAddress("127.0.0.1:8080/zmq")); // { host: "127.0.0.1", port: 8080, path: "/zmq" }
 * ```
 *
 * @param address What follows `ws://` (or `wss://`).
 * @param scheme The scheme, for the error message.
 * @returns The host, port and path.
 * @throws {ZmqError} `EINVAL` for a malformed address.
 */
export function parseWsAddress(address: string, scheme = "ws"): WsAddress {
  const match = /^(?:\[([^\]]+)\]|([^:/]+)):(\d+|\*)(\/.*)?$/.exec(address);
  const port = match ? (match[3] === "*" ? 0 : Number(match[3])) : -1;
  if (!match || port > 65535) {
    throw new ZmqError(
      "EINVAL",
      `"${scheme}://${address}" needs a host and a port, such as ${scheme}://127.0.0.1:8080/zmq`,
    );
  }
  return { host: match[1] ?? match[2], port, path: match[4] ?? "/" };
}

function _hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function _codec(
  options: LinkOptions,
  role: "client" | "server",
  path: string,
  host?: string,
): WebSocketConnection {
  return new WebSocketConnection({
    ...streamCodecOptions(options),
    role,
    path,
    host,
    origins: options.origins,
  });
}

function _webSocketTransport(scheme: "ws" | "wss"): Transport {
  const secure = scheme === "wss";
  return {
    scheme,
    dialTakesTime: true,

    check(address, use) {
      const { host, port } = parseWsAddress(address, scheme);
      if (use === "connect" && (host === "*" || port === 0)) {
        throw new ZmqError(
          "EINVAL",
          `cannot connect to ${scheme}://${address}: name a host and a port`,
        );
      }
      if (
        use === "connect" && typeof WebSocket !== "function" &&
        (typeof Deno === "undefined" || typeof Deno.connect !== "function")
      ) {
        // As zmq_connect: at once, not a dial that fails forever.
        throw new ZmqError(
          "EPROTONOSUPPORT",
          `${scheme}:// needs Deno's network API or a WebSocket, which this runtime lacks (Node 20: --experimental-websocket)`,
        );
      }
    },

    listen(address, options, accept) {
      const { host, port, path } = parseWsAddress(address, scheme);
      requireDeno(scheme);
      const hostname = host === "*" ? everyInterface(options.ipv6) : host;
      let listener: Deno.Listener;
      try {
        if (secure) {
          const { certificate, key } = options.tls ?? {};
          if (!certificate || !key) {
            throw new ZmqError(
              "EINVAL",
              "binding wss:// needs the tlsCertificate and tlsKey options",
            );
          }
          listener = Deno.listenTls({ hostname, port, cert: certificate, key });
        } else {
          listener = Deno.listen({ hostname, port });
        }
      } catch (error) {
        return Promise.reject(bindError(`${scheme}://${address}`, error));
      }
      const bound = listener.addr as Deno.NetAddr;
      const endpoint = `${scheme}://${
        _hostPort(bound.hostname, bound.port)
      }${path}`;
      return Promise.resolve(
        new StreamListener(
          listener,
          endpoint,
          options,
          accept,
          undefined,
          (options) => _codec(options, "server", path),
        ),
      );
    },

    async dial(address, options, signal) {
      const { host, port, path } = parseWsAddress(address, scheme);
      if (typeof Deno === "undefined" || typeof Deno.connect !== "function") {
        // A browser or worker: no sockets, only the platform's WebSocket.
        return dialWebSocket(`${scheme}://${address}`, options, signal);
      }
      const hostname = host === "localhost" && !secure ? "127.0.0.1" : host;
      // Given up at close, or after connectTimeout (Deno.connectTls takes
      // no signal: TLS starts on a connection of ours).
      const tcp = await connectTcp(
        hostname,
        port,
        signal,
        options.connectTimeout ?? 0,
      );
      tcp.setNoDelay(true);
      let conn: Deno.TcpConn | Deno.TlsConn = tcp;
      if (secure) {
        let tls: Deno.TlsConn;
        try {
          tls = await Deno.startTls(tcp, {
            hostname,
            ...(options.tls?.caCertificates &&
              { caCerts: [...options.tls.caCertificates] }),
          });
        } catch (error) {
          // Refused before TLS took the connection over (a host name TLS
          // cannot check): ours to close.
          try {
            tcp.close();
          } catch {
            // Taken over, and closed with it.
          }
          throw error;
        }
        // Fails here, not at the first read, when the certificate is wrong;
        // a server that never answers costs handshakeInterval at most, and
        // closing the socket does not wait for it.
        try {
          await _bounded(
            tls.handshake(),
            signal,
            options.connectionOptions().handshakeInterval ?? 30_000,
          );
        } catch (error) {
          tls.close();
          throw error;
        }
        conn = tls;
      }
      return new StreamLink(
        conn,
        _codec(options, "client", path, _hostPort(host, port)),
        (conn.remoteAddr as Deno.NetAddr).hostname,
      );
    },
  };
}

/**
 * The `ws` transport: a WebSocket server and client of our own over TCP
 * (the HTTP upgrade and the frames are in the codec), so every ZWS
 * sub-protocol libzmq offers works: `ZWS2.0/NULL`, `/PLAIN`, `/CURVE`.
 *
 * @example
 * ```ts
 * import { ws } from "@zmtp/zmq/transport";
 *
 * ws.check("127.0.0.1:8080/zmq", "connect"); // fine
 * ```
 */
export const ws: Transport = _webSocketTransport("ws");

/**
 * The `wss` transport: `ws` over TLS. Binding needs the socket's
 * `tlsCertificate` and `tlsKey`; connecting verifies the server against the
 * system's roots, or `tlsCaCertificates`.
 *
 * @example
 * ```ts
 * import { wss } from "@zmtp/zmq/transport";
 *
 * wss.check("example.com:443/zmq", "connect"); // fine
 * ```
 */
export const wss: Transport = _webSocketTransport("wss");

/**
 * Settles as `promise` does, or rejects once `signal` aborts or `ms` have
 * passed (0: no time limit).
 */
function _bounded<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  ms: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (reason: unknown) => {
      clearTimer?.();
      signal.removeEventListener("abort", onAbort);
      reject(reason);
    };
    const onAbort = () => stop(signal.reason);
    // Patient: a handshake done while the app was busy is taken.
    const clearTimer = ms > 0
      ? patientTimeout(
        () => stop(new Error(`no TLS handshake within ${ms} ms`)),
        ms,
      )
      : undefined;
    // Handled first: a promise dropped when already aborted still settles.
    promise.then((value) => {
      clearTimer?.();
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, stop);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort);
  });
}
