/**
 * The transport interface: what a scheme such as `tcp://` provides, and the
 * link through which a socket's session talks to one peer.
 *
 * @module
 */

import type {
  ConnectionEvent,
  ConnectionOptions,
  PeerInfo,
} from "../codec/connection.ts";
import type { Verdict } from "../codec/authentication.ts";
import type { ProtocolError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";

/**
 * A byte stream to a peer (a TCP or unix socket connection; later a
 * WebSocket). `Deno.Conn` is one.
 */
export interface ByteStream {
  /** Reads into `buffer`; `null` at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`, resolving with how many. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the stream; pending reads end. */
  close(): void;
}

/**
 * Where a link's outgoing traffic goes: the codec's connection, or the
 * peer's session itself for inproc.
 */
export interface MessageWriter {
  /** Bytes queued and not yet taken for writing. */
  readonly pendingOutputBytes: number;
  /** Queues a message's frames. */
  sendMessage(frames: readonly Uint8Array[]): void;
  /** Queues a subscription to a prefix. */
  sendSubscribe(topic: Uint8Array): void;
  /** Queues the cancellation of a subscription. */
  sendCancel(topic: Uint8Array): void;
}

/**
 * What a link tells its session: the codec's events, where a message's
 * frames are views of `ArrayBuffer`s, never of a `SharedArrayBuffer`, so
 * that a socket hands them out as `Uint8Array<ArrayBuffer>` (a
 * `BufferSource`). A link reads into buffers of its own, or takes ones
 * transferred to it; inproc, which passes the sender's frames on, copies
 * those of shared memory or of a resizable buffer.
 *
 * @example
 * ```ts
 * import type { LinkEvent } from "@zmtp/zmq/transport";
 *
 * const event: LinkEvent = { type: "message", frames: [new Uint8Array(3)] };
 * console.log(event.type); // "message"
 * ```
 */
export type LinkEvent =
  | Exclude<ConnectionEvent, { type: "message" }>
  | { type: "message"; frames: Uint8Array<ArrayBuffer>[] };

/** The socket's side of one link: it takes the events and fills the output. */
export interface Session {
  /**
   * Takes one event from the link. For a `message`, `false` pauses
   * reading (the receive queue is full) until {@linkcode Link.resume}.
   */
  handle(event: LinkEvent): boolean;
  /**
   * Moves queued outgoing messages into the writer, stopping once its
   * `pendingOutputBytes` reaches `batchBytes`; `deferred` when called
   * through a read of a full pipe (see {@linkcode Link.deliverNow}), maybe
   * inside a routing decision, which hears of the room made only after.
   */
  fill(writer: MessageWriter, batchBytes: number, deferred?: boolean): void;
  /**
   * Whether the socket takes this link's messages: `false` (a PAIR's
   * second peer; a ROUTER's handed-over peer, or an anonymous one once its
   * queue is full) pauses it for good, so a peer that leaves ends it at
   * once instead of once its messages are taken.
   */
  heard?(): boolean;
  /**
   * Whether a message handed over now is kept, past the high-water mark if
   * need be (see {@linkcode Link.surrender}): not when the socket retired
   * the pipe, ended the link itself or does not hear it.
   */
  keeps?(): boolean;
  /**
   * The link ended (a link whose `reportsEnd` says it calls this): once,
   * after `start`, from a microtask of the link's own, never from within a
   * call the socket made into the link; before `done` settles, but for a
   * link closed before `start`, whose `done` settled at its close.
   */
  ended?(end: LinkEnd): void;
}

/** How a link ended. */
export interface LinkEnd {
  /** Set when the codec refused the peer. */
  error?: ProtocolError | undefined;
  /** Whether the peer ended the link (rather than we, or an error). */
  closedByPeer?: boolean | undefined;
  /**
   * Messages sent that the peer's socket never got: it closed while they
   * crossed to it (inproc between isolates). Close counts them dropped,
   * but for a type that fans out, as a PUB drops for a peer at its HWM.
   */
  lost?: number | undefined;
}

/**
 * One live connection to a peer as the socket sees it, whatever carries
 * it: a ZMTP connection over a byte stream, or an inproc link. It moves
 * nothing until started with a session.
 */
export interface Link {
  /** The peer's address as ZAP carries it: its IP over tcp, else "". */
  readonly remoteAddress: string;
  /**
   * Where an accepted peer reached us, when that is not its listener's
   * endpoint (a wildcard bind: the address it connected to), as libzmq
   * names an accepted connection in its events.
   */
  readonly localEndpoint?: string | undefined;
  /** Settles once the link is closed. */
  readonly done: Promise<LinkEnd>;
  /**
   * Whether the link calls {@linkcode Session.ended} when it ends, so the
   * socket need not wait on `done` (a promise and a callback a link, with
   * thousands of peers). A link that does not is watched through `done`.
   */
  readonly reportsEnd?: boolean;
  /** Whether the link has been closed. */
  readonly closed: boolean;
  /** Starts moving traffic between the peer and `session`. */
  start(session: Session): void;
  /** The session has new outgoing messages. */
  wake(): void;
  /** The session has room again after pausing the link. */
  resume(): void;
  /** Settles once everything queued has been written. */
  whenFlushed(): Promise<void>;
  /**
   * Closes the link at once; `socketClosing` when its socket closes (a
   * link between isolates then tells its peer what came, for its count).
   */
  close(socketClosing?: boolean): void;
  /** Goes on with a handshake that asked for a verdict on the peer. */
  authenticated?(verdict: Verdict): void;
  /**
   * Messages received that the link holds itself until the session has
   * room (inproc between isolates), which close counts as unread.
   */
  readonly unread?: number | undefined;
  /**
   * Hands everything the session has queued to the peer at once, past the
   * peer's high-water mark, where the two queues stand for one pipe
   * (inproc within an isolate: libzmq's, whose messages neither a close
   * nor a disconnect drops); what the peer does not keep stays queued.
   */
  surrender?(): void;
  /**
   * Hands what the session has queued to the peer now, up to the peer's
   * high-water mark, where the two queues stand for one pipe (inproc
   * within an isolate): a burst that fills ours spills into the peer's at
   * once, as libzmq's one pipe holds both marks.
   */
  deliverNow?(): void;
}

/** What a socket gives a transport for each link it makes. */
export interface LinkOptions {
  /**
   * What in-process names are scoped to (the socket's context): inproc
   * peers find each other only within one scope.
   */
  readonly scope: object;
  /**
   * The options of the ZMTP codec for a new link (security mechanism,
   * limits, heartbeats, the clock's `now`), read fresh for each link.
   */
  connectionOptions(): ConnectionOptions;
  /** What a peer that skips the ZMTP handshake (inproc) learns of us. */
  readonly peer: PeerInfo;
  /**
   * How long a connect over TCP (tcp, ws, wss) may take before it is given up
   * and retried, in ms; 0 or absent for the system's own limit.
   */
  readonly connectTimeout?: number | undefined;
  /** TLS for transports that use it (`wss`). */
  readonly tls?: TlsOptions | undefined;
  /**
   * The origins (serialized, lower case) whose web pages a WebSocket
   * server serves; absent, all. Requests without an `Origin` are served.
   */
  readonly origins?: readonly string[] | undefined;
  /** Multicast settings for transports that use them (`epgm`). */
  readonly multicast?: MulticastOptions | undefined;
  /**
   * A `*` host binds every IPv6 interface (`::`, and IPv4's too where the
   * system maps them), not every IPv4 one (ZMQ_IPV6).
   */
  readonly ipv6?: boolean | undefined;
  /**
   * Whether a listener takes one more peer; a refused one is closed at
   * once, so it leaves the kernel's backlog instead of filling it.
   */
  readonly admit?: ((endpoint: string) => boolean) | undefined;
  /** Accepting failed (out of descriptors); the listener waits, then tries again. */
  readonly acceptFailed?: ((failure: AcceptFailure) => void) | undefined;
}

/** A failed accept, as a listener reports it before waiting to try again. */
export interface AcceptFailure {
  /** The bound endpoint. */
  endpoint: string;
  /** The system's code: `EMFILE` (the process is out of descriptors), `ENFILE` (the system is), or another. */
  code: string;
  /** The system's message. */
  reason: string;
  /** How long the listener waits before accepting again, in ms. */
  interval: number;
}

/** Multicast settings, with libzmq's meaning. */
export interface MulticastOptions {
  /** The rate a PGM source sends at, in kilobits per second (ZMQ_RATE). */
  rate: number;
  /** How long a PGM source can repair data, in ms (ZMQ_RECOVERY_IVL). */
  recoveryInterval: number;
  /** How many routers multicast crosses: its IP TTL (ZMQ_MULTICAST_HOPS). */
  hops: number;
  /** Whether multicast sent is heard on this host too (ZMQ_MULTICAST_LOOP). */
  loop: boolean;
  /** The largest IP packet sent, in bytes (ZMQ_MULTICAST_MAXTPDU). */
  maxTpdu: number;
}

/** TLS settings, PEM-encoded. */
export interface TlsOptions {
  /** The certificate chain a server presents. */
  certificate?: string | undefined;
  /** The server's private key. */
  key?: string | undefined;
  /** The certificates a client trusts; default: the system's roots. */
  caCertificates?: readonly string[] | undefined;
}

/** A bound endpoint, accepting links until closed. */
export interface TransportListener {
  /** The endpoint as bound, with the real port (never 0 or `*`). */
  readonly endpoint: string;
  /**
   * Set when the links accepted outlive an unbind (inproc: as libzmq's
   * pipes, unbinding only frees the name); otherwise unbind closes them.
   */
  readonly keepsLinks?: boolean | undefined;
  /**
   * Stops accepting and releases the address; where the address is the
   * socket of the one link accepted (`udp`), it goes when that link is
   * closed, so that the socket's linger decides what queued data is sent.
   */
  close(): Promise<void>;
}

/**
 * A transport: one scheme of endpoint (`tcp`, `ipc`, `inproc`…). Patterns
 * know nothing of schemes; they ask the registry for the transport of an
 * endpoint and get links from it.
 *
 * @example A transport that refuses everything
 * ```ts
 * import { ZmqError } from "@zmtp/zmq";
 * import type { Transport } from "@zmtp/zmq/transport";
 *
 * const nowhere: Transport = {
 *   scheme: "nowhere",
 *   check() {},
 *   listen: () => Promise.reject(new ZmqError("EADDRINUSE", "no")),
 *   dial: () => Promise.reject(new ZmqError("ENOENT", "nobody")),
 * };
 * ```
 */
export interface Transport {
  /** The scheme before `://`. */
  readonly scheme: string;
  /**
   * Checks the part after `://` at once, so `bind` and `connect` fail
   * early on a malformed endpoint.
   *
   * @throws {ZmqError} `EINVAL`.
   */
  check(address: string, use: "bind" | "connect"): void;
  /**
   * Checks, at once, that a socket type may bind or connect over this
   * transport, for one that carries only some types (`udp`: RADIO, DISH
   * and DGRAM).
   *
   * @throws {ZmqError} `ENOCOMPATPROTO`.
   */
  checkSocketType?(type: SocketType, use: "bind" | "connect"): void;
  /**
   * Binds an address and accepts peers; each accepted link is handed to
   * `accept` with the bound endpoint, not yet started.
   *
   * @throws {ZmqError} `EADDRINUSE`, `EINVAL`.
   */
  listen(
    address: string,
    options: LinkOptions,
    accept: (link: Link, endpoint: string) => void,
  ): Promise<TransportListener>;
  /**
   * Makes one link to a peer. Rejects when the peer is not there (the
   * dialer retries); `signal` abandons the attempt.
   */
  dial(
    address: string,
    options: LinkOptions,
    signal: AbortSignal,
  ): Promise<Link>;
  /**
   * A link made within the call, where the peer is there already and
   * nothing is on the way (inproc's bound name, as libzmq's connect makes
   * the pipe at once); `undefined` otherwise, and {@linkcode dial} is
   * asked.
   */
  dialNow?(address: string, options: LinkOptions): Link | undefined;
  /**
   * The address (after `://`) in the one spelling a bound or dialled
   * endpoint is known by, for `unbind` and `disconnect` to find it however
   * it was written, as libzmq's term_endpoint resolves a tcp address
   * (`::1:5555` is `[::1]:5555`); `undefined` where there is none, or no
   * one endpoint (a wildcard).
   */
  canonical?(address: string): string | undefined;
  /**
   * Whether a dial is under way for a while (a TCP connect in progress):
   * each attempt is told as `connect-delayed`, as libzmq tells it for tcp
   * (and ws over it), never for ipc, whose connect is done at once.
   */
  readonly dialTakesTime?: boolean | undefined;
  /**
   * What a raw socket may use the transport for, if anything: a byte stream
   * as it is (STREAM: tcp, ipc) or datagrams (DGRAM: udp). Others carry
   * ZMTP's frames only.
   */
  readonly raw?: "stream" | "datagrams" | undefined;
  /**
   * Set where no join crosses (udp): a connect's pipe is made at once
   * whatever `immediate` says, as no handshake would ever make it, and it
   * takes every group, as libzmq's udp pipe does.
   */
  readonly subscribesToAll?: boolean | undefined;
  /**
   * Set where the peer is in this process and its pipe is joined to ours
   * (inproc): a bind holds no address, and may wait on what only the
   * context's close frees; each connect makes its own pipe, to an endpoint
   * connected already too; and a connect's peer that goes sends no hiccup,
   * as libzmq's inproc pipe has no engine to reconnect.
   */
  readonly inProcess?: boolean | undefined;
}
