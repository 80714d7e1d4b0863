/**
 * Typed errors shared by every layer.
 *
 * @module
 */

/**
 * The error codes a {@linkcode ZmqError} carries. They follow libzmq's errno
 * names where one exists, so code ported from C or zeromq.js can match on
 * them.
 */
export type ZmqErrorCode =
  /** The operation is not valid in the socket's current state (REQ sending twice). */
  | "EFSM"
  /** The socket type does not support the operation (SUB sending). */
  | "ENOTSUP"
  /** An argument is malformed (a bad endpoint, a bad option value). */
  | "EINVAL"
  /** The address is already bound. */
  | "EADDRINUSE"
  /** The endpoint is not bound or connected on this socket; or, binding, an ipc path's directory does not exist. */
  | "ENOENT"
  /** Binding: the address is not one of this host's. */
  | "EADDRNOTAVAIL"
  /** Binding: no interface, nor any host, has that name. */
  | "ENODEV"
  /** Binding: an ipc path longer than a unix socket takes (107 bytes). */
  | "ENAMETOOLONG"
  /** Binding: the system refused (a port below 1024, a directory not writable). */
  | "EACCES"
  /** The socket or its context is closed. */
  | "ETERM"
  /** The transport is unknown (not tcp, ipc or inproc). */
  | "EPROTONOSUPPORT"
  /** The peer broke the ZMTP protocol. */
  | "EPROTO"
  /** A message could not be routed (a ROUTER with `routerMandatory`). */
  | "EHOSTUNREACH"
  /** The operation timed out (`sendTimeout`, `receiveTimeout`). */
  | "EAGAIN"
  /** The peer refused a connection attempt (the dialer tries again). */
  | "ECONNREFUSED"
  /** The transport does not carry this socket type (udp for a PUSH, say). */
  | "ENOCOMPATPROTO";

/**
 * The error every operation of this library throws or rejects with.
 *
 * @example Telling a state error from others
 * ```ts
 * import { ZmqError } from "@zmtp/zmq";
 *
 * const error = new ZmqError("EFSM", "a REQ socket must receive the reply before it sends again");
 * console.log(error.code); // "EFSM"
 * ```
 */
export class ZmqError extends Error {
  /** The machine-readable reason, libzmq's errno name where one exists. */
  readonly code: ZmqErrorCode;

  /**
   * Makes an error with a code and a message that says what to do.
   *
   * @param code The machine-readable reason.
   * @param message What went wrong and what to do about it.
   * @param options The error that caused it, as `cause`.
   */
  constructor(code: ZmqErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ZmqError";
    this.code = code;
  }
}

/**
 * Why a ZMTP connection was given up: `protocol` (the peer broke ZMTP),
 * `auth` (the security handshake refused it: a ZAP or PLAIN verdict, with
 * its status code, or a CURVE box that did not open, which libzmq's
 * monitor tells as a protocol failure, ZMTP_CRYPTOGRAPHIC), `incompatible`
 * (socket types that cannot talk), `version` (a ZMTP 1.0/2.0 peer),
 * `mechanism` (the peers use different security mechanisms), `timeout`
 * (the handshake took too long, or the peer fell silent), `peer` (the peer
 * said goodbye: an ERROR command, a WebSocket close, an HTTP "not now" to
 * our upgrade), `local` (a limit or fault on our side: a backlog overrun,
 * CURVE nonces used up, a link's failure), `loss` (multicast data lost
 * beyond repair: reported, and reading goes on). A `connect` dials again
 * after `timeout`, `peer` and `local`, and not after the others, as libzmq
 * ends an endpoint on a protocol error.
 */
export type ProtocolErrorKind =
  | "protocol"
  | "auth"
  | "incompatible"
  | "version"
  | "mechanism"
  | "timeout"
  | "peer"
  | "local"
  | "loss";

/**
 * Thrown inside the codec when the bytes from a peer break ZMTP; the
 * connection reports it as an `error` event and must be closed.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const decoder = new codec.FrameDecoder();
 * try {
 *   decoder.decode(new Uint8Array([0x80, 0]));
 * } catch (error) {
 *   console.log((error as codec.ProtocolError).kind); // "protocol"
 * }
 * ```
 */
export class ProtocolError extends ZmqError {
  /** Which rule the peer broke. */
  readonly kind: ProtocolErrorKind;
  /**
   * For a refusal (kind `auth`), the ZAP status code (300, 400, 500): the
   * verdict's where we refused, the peer's ERROR's where it refused us;
   * libzmq's ZMQ_EVENT_HANDSHAKE_FAILED_AUTH carries it as its value.
   */
  readonly statusCode?: number | undefined;

  /**
   * Makes a protocol error.
   *
   * @param kind Which rule the peer broke.
   * @param message A sentence a person can act on.
   * @param statusCode The ZAP status code of a refusal.
   */
  constructor(kind: ProtocolErrorKind, message: string, statusCode?: number) {
    super("EPROTO", message);
    this.name = "ProtocolError";
    this.kind = kind;
    this.statusCode = statusCode;
  }
}
