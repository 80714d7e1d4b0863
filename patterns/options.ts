/**
 * Socket options: what every socket takes, with libzmq's names (in
 * camelCase), meaning and defaults.
 *
 * @module
 */

import type { Authenticator } from "./authentication.ts";
import type { Context } from "./context.ts";

/** Options every socket takes; names and defaults follow libzmq's. */
export interface SocketOptions {
  /** The context that tracks the socket. Default: {@linkcode Context.default}. */
  context?: Context | undefined;
  /** Messages queued per peer before sending blocks or drops. Default 1000; 0 for no limit. */
  sendHighWaterMark?: number | undefined;
  /** Messages received per peer and not read before reading from it pauses. Default 1000; 0 for no limit (reading still pauses 8,192 messages ahead, which drops nothing: the sender waits, where libzmq would queue without bound). */
  receiveHighWaterMark?: number | undefined;
  /**
   * How long `close()` waits for queued messages to be written, in ms.
   * Default 1000 (libzmq waits forever by default; we never hang), 0 for
   * SUB, XSUB and DISH, as libzmq sets for those. -1 waits
   * as long as it takes, 0 waits for no peer: what the kernel takes at once
   * still goes (messages sent just before `close()` reach a live peer, as
   * libzmq's I/O thread has written them by then), the rest is dropped.
   * What is queued for an `inproc://` peer in the same isolate is the
   * peer's already, as in libzmq's one pipe: close (and disconnect) hand it
   * over at once, whatever the linger, as far as the peer keeps it (not a
   * peer that is itself leaving: what it refuses waits for the linger as
   * usual).
   * Set to 0 while `close()` waits, it ends the wait (dropping the rest).
   */
  linger?: number | undefined;
  /**
   * Delay before reconnecting, in ms; 0 or -1 turns reconnection off (a
   * `connect` whose connection ends is then dropped with what is queued for
   * it, as libzmq ends the endpoint; one whose one attempt failed stays, as
   * in libzmq). Default 100.
   */
  reconnectInterval?: number | undefined;
  /** Ceiling for the doubling reconnect delay, in ms; 0 keeps it constant. Default 0. */
  reconnectIntervalMax?: number | undefined;
  /** How long a tcp, ws or wss connect attempt may take before it is given up and retried, in ms (ZMQ_CONNECT_TIMEOUT); 0 (default) leaves it to the system (minutes for a host that never answers). In a browser or web worker, ws uses the platform's WebSocket and its own timeout. */
  connectTimeout?: number | undefined;
  /** The routing id peers (a ROUTER) know this socket by. */
  routingId?: string | Uint8Array | undefined;
  /**
   * Properties of our own sent to each peer in the handshake, beside
   * Socket-Type and Identity (ZMQ_METADATA): names start with `X-` (at
   * most 255 bytes), values are not empty. A libzmq peer reads them as
   * message properties (`zmq_msg_gets`), ours in its peer's `metadata`.
   */
  metadata?: Record<string, string> | undefined;
  /** Largest frame accepted, in bytes, as libzmq's ZMQ_MAXMSGSIZE counts it (each frame of a message alone); a peer sending more is dropped. Default -1 (no limit). */
  maxMessageSize?: number | undefined;
  /** How long a peer may take for the ZMTP handshake, in ms; 0 for no limit. Default 30000. */
  handshakeInterval?: number | undefined;
  /** Send a ZMTP PING this often, in ms; 0 (default) sends none. Any traffic counts as life. */
  heartbeatInterval?: number | undefined;
  /** Drop a peer silent this long after a PING, in ms; -1 (default) means `heartbeatInterval`, 0 never (as libzmq). */
  heartbeatTimeout?: number | undefined;
  /** Ask the peer to drop us after this long without traffic, in ms (sent in the PING); 0 (default) asks nothing. */
  heartbeatTimeToLive?: number | undefined;
  /** How long `send` may wait, in ms, before rejecting with `EAGAIN`; -1 (default) waits as long as it takes. */
  sendTimeout?: number | undefined;
  /** How long `receive` may wait, in ms, before rejecting with `EAGAIN`; -1 (default) waits as long as it takes. */
  receiveTimeout?: number | undefined;
  /**
   * Route messages only to `connect` peers whose handshake is done, instead
   * of queueing them for peers not there yet; a peer's queue goes when its
   * connection does (ZMQ_IMMEDIATE). Default false.
   */
  immediate?: boolean | undefined;
  /**
   * Keep only the newest message in each peer's queue, both ways, ignoring
   * the high-water marks (ZMQ_CONFLATE): for the latest state, not a stream.
   * PUB, SUB, PUSH, PULL and DEALER only, as libzmq conflates for no
   * other type (it ignores the option there; here it is EINVAL). A
   * multipart message is kept whole, where libzmq, which does not support
   * them with conflate, keeps its last frame. Default false.
   */
  conflate?: boolean | undefined;
  /**
   * Send an empty message to each new peer as soon as its handshake is done,
   * so a ROUTER learns of us at once (ZMQ_PROBE_ROUTER): once for each
   * `connect`, not again on a reconnect, as libzmq writes it when the pipe
   * is made (once for each connection with `immediate`). ROUTER, DEALER and
   * REQ only. Default false.
   */
  probeRouter?: boolean | undefined;
  /** Be a PLAIN server: clients present a username and password (RFC 24). */
  plainServer?: boolean | undefined;
  /** Be a PLAIN client with this username. */
  plainUsername?: string | undefined;
  /** The PLAIN client's password. */
  plainPassword?: string | undefined;
  /** Be a CURVE server (RFC 26); needs `curveSecretKey`. */
  curveServer?: boolean | undefined;
  /** Our long-term CURVE public key (40 Z85 characters or 32 bytes); derived from the secret key when left out. */
  curvePublicKey?: string | Uint8Array | undefined;
  /** Our long-term CURVE secret key (40 Z85 characters or 32 bytes). */
  curveSecretKey?: string | Uint8Array | undefined;
  /** Be a CURVE client of the server with this public key. Without our own keys, a fresh pair is made. */
  curveServerKey?: string | Uint8Array | undefined;
  /** The ZAP domain our authenticator is told; on a NULL server, a non-empty one turns authentication on (as libzmq). */
  zapDomain?: string | undefined;
  /**
   * ZAP as RFC 27 says, a domain always set (libzmq's draft
   * ZMQ_ZAP_ENFORCE_DOMAIN, zeromq.js's `zapEnforceDomain`). While nobody
   * judges its clients (no authenticator, none in the context, no ZAP
   * handler), a NULL or CURVE server with a `zapDomain` keeps each one
   * waiting, unanswered, until `handshakeInterval` ends it, as libzmq's
   * do; by default both let them in. A
   * CURVE server without a `zapDomain` asks no ZAP handler nor its
   * context's authenticator (encryption without authentication, as
   * libzmq's), only an `authenticate` of its own. PLAIN is not changed
   * (libzmq's asserts without a domain). Default false.
   */
  zapEnforceDomain?: boolean | undefined;
  /**
   * Judges our clients (as a server: PLAIN, CURVE, or NULL with a
   * `zapDomain`); default: the context's, then a ZAP handler bound to
   * `inproc://zeromq.zap.01`. With none, CURVE and NULL clients are all
   * allowed, as libzmq does, and PLAIN clients refused.
   */
  authenticate?: Authenticator | undefined;
  /**
   * Peers this socket accepts at once over all its bound endpoints; one
   * more is closed as soon as it connects, with an `accept-refused` event
   * (a libzmq peer retries after its reconnect interval). Set it below the
   * process's file-descriptor limit (`ulimit -n`) minus the descriptors
   * the rest of the program needs, so that accepting peers never takes the
   * last one. Default: that limit less an eighth of it (at least 32) where
   * the program may read the limit without asking (Linux, run with every
   * permission: `-A`), counting the peers every socket of this isolate
   * accepted (those at the default together take no more descriptors than
   * one), else -1, no limit; accepts that fail for want of descriptors
   * wait and retry, with `accept-failed` events.
   */
  maxConnections?: number | undefined;
  /** The certificate chain (PEM) a `wss://` bind presents. */
  tlsCertificate?: string | undefined;
  /** The private key (PEM) of `tlsCertificate`. */
  tlsKey?: string | undefined;
  /**
   * The certificates (PEM) a `wss://` connect trusts, for a server whose
   * certificate no public authority signed; default: the system's roots.
   */
  tlsCaCertificates?: readonly string[] | undefined;
  /**
   * The origins whose web pages may connect to this socket's `ws://` and
   * `wss://` binds and `upgrade` routes, such as `["https://app.example"]`:
   * a page of another origin is refused (HTTP 403, and a `handshake-failed`
   * event of kind `auth`). Programs (libzmq, Deno) send no `Origin` and are
   * served. By default pages of any origin may connect, as to libzmq's ws:
   * any site a user visits could then reach a ws endpoint on their machine
   * or network, and a page can only speak NULL security. It keeps other
   * sites' pages out; it authenticates nobody, as any program may send any
   * `Origin` or none. Read-only once the socket is made.
   */
  wsOrigins?: readonly string[] | undefined;
  /**
   * Whether a `*` host (`tcp://*:5555`, and ws and udp) binds every IPv6
   * interface, `::`, as libzmq's ZMQ_IPV6 (and IPv4's too where the system
   * maps them, as Linux does), rather than every IPv4 one. An IPv6 address
   * needs no switch here (`tcp://[::1]:5555`), where libzmq's refuses one
   * without it. Read-only once the socket is made. Default false.
   */
  ipv6?: boolean | undefined;
  /** The rate an `epgm` publisher sends at, in kilobits per second (ZMQ_RATE). Default 100. */
  rate?: number | undefined;
  /** How long an `epgm` publisher can repair lost data, in ms (ZMQ_RECOVERY_IVL). Default 10000. */
  recoveryInterval?: number | undefined;
  /** The IP TTL of multicast: how many routers it crosses (ZMQ_MULTICAST_HOPS). Default 1. */
  multicastHops?: number | undefined;
  /** Whether multicast we send is heard on this host too (ZMQ_MULTICAST_LOOP). Default true. libzmq's PGM never loops back, whatever it says (OpenPGM's loop is off); set it false for that over `epgm`. */
  multicastLoop?: boolean | undefined;
  /** The largest IP packet `epgm` sends and takes (a longer one is dropped, as OpenPGM does), in bytes (ZMQ_MULTICAST_MAXTPDU). Default 1500. */
  multicastMaxTpdu?: number | undefined;
}

/** Options of `connect`. */
export interface ConnectOptions {
  /**
   * The routing id a ROUTER or a STREAM gives the peer on this connection,
   * whatever the peer announces (ZMQ_CONNECT_ROUTING_ID). ROUTER and STREAM
   * only; one another connect of the socket names its peer with is
   * `EINVAL` (libzmq aborts the process once both peers connect).
   */
  routingId?: string | Uint8Array | undefined;
}

/** Options of `send` and `receive`. */
export interface OperationOptions {
  /** Abandons the operation (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal | undefined;
}

/** Options of `Socket.messages`. */
export interface MessagesOptions {
  /** Ends the iteration, quietly, when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of `send`.
 *
 * @example Giving up a large frame to a Worker
 * ```ts ignore
 * const frame = new Uint8Array(1024 * 1024); // filled by the caller
 * await push.send(frame, { transfer: true }); // `frame` is now detached
 * ```
 */
export interface SendOptions extends OperationOptions {
  /**
   * Gives up the memory of the message's frames, as `postMessage`'s
   * transfer list does. Across isolates (`inproc://` to a Worker), each
   * frame of 16 KiB or more that spans the whole of its `ArrayBuffer` then
   * crosses in that buffer, transferred instead of copied: the buffer, and
   * every view of it, is detached here once the message leaves. Other
   * frames are copied: shorter ones (which costs less than a transfer), and
   * views into a larger buffer (a frame you received, a slice), as the rest
   * of that buffer is not yours to give. Everywhere else, and for a message
   * that goes to several peers (PUB, XPUB, XSUB, RADIO), it changes nothing:
   * within an isolate messages pass by reference, and other transports
   * write bytes. Give up memory you made for this one message: do not read,
   * write or send its buffer again (once it has left, it is detached: empty).
   */
  transfer?: boolean | undefined;
}

/**
 * A message a DEALER, ROUTER, CLIENT, SERVER or PEER sends each peer first
 * (libzmq 4.3.5's draft ZMQ_HELLO_MSG).
 */
export interface HelloMessageOptions {
  /**
   * Sent to each peer as soon as its connection is made, ahead of anything
   * queued, and again on each reconnect (a heartbeat-free "I am here" for
   * the other side); empty or unset, none (ZMQ_HELLO_MSG).
   */
  helloMessage?: string | Uint8Array | undefined;
}

/**
 * A message a ROUTER, SERVER or PEER receives for a peer that leaves
 * (libzmq 4.3.5's draft ZMQ_DISCONNECT_MSG).
 */
export interface DisconnectMessageOptions {
  /**
   * Received as if sent by a peer that connected to this socket's `bind`,
   * when its connection ends after the handshake for another reason than
   * this socket's own close or unbind (it left, broke the protocol or went
   * quiet past the heartbeat): the way a server hears a client is gone;
   * empty or unset, none (ZMQ_DISCONNECT_MSG).
   */
  disconnectMessage?: string | Uint8Array | undefined;
}

/**
 * A message a DEALER, CLIENT or PEER receives when a peer it connected to
 * drops (libzmq 4.3.5's draft ZMQ_HICCUP_MSG).
 */
export interface HiccupMessageOptions {
  /**
   * Received as if sent by a peer this socket connected to, each time that
   * connection ends after the handshake for another reason than this
   * socket's own close or disconnect (it reconnects: what was in flight
   * may be lost, so a client can send again); not over `inproc://`, which
   * has no connection to lose; empty or unset, none (ZMQ_HICCUP_MSG).
   */
  hiccupMessage?: string | Uint8Array | undefined;
}
