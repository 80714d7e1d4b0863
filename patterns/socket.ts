/**
 * The socket base: endpoints, pipes, high-water marks, linger, events, and
 * the async send/receive API every socket type shares.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import {
  Connection,
  type ConnectionEvent,
  type PeerInfo,
} from "../codec/connection.ts";
import { Metadata } from "../codec/metadata.ts";
import type { Mechanism } from "../codec/mechanism.ts";
import { NullMechanism } from "../codec/mechanism.ts";
import { PlainClientMechanism, PlainServerMechanism } from "../codec/plain.ts";
import {
  CurveClientMechanism,
  curveKeyPair,
  CurveServerMechanism,
  toCurveKey,
} from "../codec/curve.ts";
import type { Credentials } from "../codec/authentication.ts";
import { publicKeyOf } from "../codec/_nacl.ts";
import { _judge, _toRequest, type Authenticator } from "./authentication.ts";
import { parseEndpoint } from "../transport/endpoint.ts";
import { linkInproc } from "../transport/inproc.ts";
import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { Dialer } from "../transport/dialer.ts";
import { type ByteConnection, Listener } from "../transport/listener.ts";
import {
  type Link,
  type MessageWriter,
  Pump,
  type Session,
} from "../transport/pump.ts";
import { Context, type InprocOffer } from "./context.ts";
import { SocketEvents } from "./events.ts";
import { type Message, type MessageLike, toFrames } from "./message.ts";
import { Pipe } from "./pipe.ts";
import { Queue } from "./_queue.ts";

/** Options every socket takes; names and defaults follow libzmq's. */
export interface SocketOptions {
  /** The context that tracks the socket. Default: {@linkcode Context.default}. */
  context?: Context;
  /** Messages queued per peer before sending blocks or drops. Default 1000; 0 for no limit. */
  sendHighWaterMark?: number;
  /** Messages received per peer and not read before reading from it pauses. Default 1000; 0 for no limit. */
  receiveHighWaterMark?: number;
  /**
   * How long `close()` waits for queued messages to be written, in ms.
   * Default 1000 (libzmq waits forever by default; we never hang). -1 waits
   * as long as it takes, 0 drops them at once.
   */
  linger?: number;
  /** Delay before reconnecting, in ms; -1 turns reconnection off. Default 100. */
  reconnectInterval?: number;
  /** Ceiling for the doubling reconnect delay, in ms; 0 keeps it constant. Default 0. */
  reconnectIntervalMax?: number;
  /** The routing id peers (a ROUTER) know this socket by. */
  routingId?: string | Uint8Array;
  /** Largest message accepted, in bytes; a peer sending more is dropped. Default -1 (no limit). */
  maxMessageSize?: number;
  /** How long a peer may take for the ZMTP handshake, in ms; 0 for no limit. Default 30000. */
  handshakeInterval?: number;
  /** Send a ZMTP PING this often, in ms; 0 (default) sends none. Any traffic counts as life. */
  heartbeatInterval?: number;
  /** Drop a peer silent this long after a PING, in ms; -1 (default) means `heartbeatInterval`. */
  heartbeatTimeout?: number;
  /** Ask the peer to drop us after this long without traffic, in ms (sent in the PING); 0 (default) asks nothing. */
  heartbeatTimeToLive?: number;
  /** How long `send` may wait, in ms, before rejecting with `EAGAIN`; -1 (default) waits as long as it takes. */
  sendTimeout?: number;
  /** How long `receive` may wait, in ms, before rejecting with `EAGAIN`; -1 (default) waits as long as it takes. */
  receiveTimeout?: number;
  /**
   * Route messages only to `connect` peers whose handshake is done, instead
   * of queueing them for peers not there yet; a peer's queue goes when its
   * connection does (ZMQ_IMMEDIATE). Default false.
   */
  immediate?: boolean;
  /**
   * Keep only the newest message in each peer's queue, both ways, ignoring
   * the high-water marks (ZMQ_CONFLATE): for the latest state, not a stream.
   * PUB, SUB, XPUB, XSUB, PUSH, PULL and DEALER only. Default false.
   */
  conflate?: boolean;
  /**
   * Send an empty message to each new peer as soon as its handshake is done,
   * so a ROUTER learns of us at once (ZMQ_PROBE_ROUTER). ROUTER, DEALER and
   * REQ only. Default false.
   */
  probeRouter?: boolean;
  /** Be a PLAIN server: clients present a username and password (RFC 24). */
  plainServer?: boolean;
  /** Be a PLAIN client with this username. */
  plainUsername?: string;
  /** The PLAIN client's password. */
  plainPassword?: string;
  /** Be a CURVE server (RFC 26); needs `curveSecretKey`. */
  curveServer?: boolean;
  /** Our long-term CURVE public key (40 Z85 characters or 32 bytes); derived from the secret key when left out. */
  curvePublicKey?: string | Uint8Array;
  /** Our long-term CURVE secret key (40 Z85 characters or 32 bytes). */
  curveSecretKey?: string | Uint8Array;
  /** Be a CURVE client of the server with this public key. Without our own keys, a fresh pair is made. */
  curveServerKey?: string | Uint8Array;
  /** The ZAP domain our authenticator is told; on a NULL server, setting it turns authentication on. */
  zapDomain?: string;
  /**
   * Judges our clients (as a server: PLAIN, CURVE, or NULL with a
   * `zapDomain`); default: the context's, then a ZAP handler bound to
   * `inproc://zeromq.zap.01`. With none, CURVE and NULL clients are all
   * allowed, as libzmq does, and PLAIN clients refused.
   */
  authenticate?: Authenticator;
}

/** Options of `connect`. */
export interface ConnectOptions {
  /**
   * The routing id a ROUTER gives the peer on this connection, whatever the
   * peer announces (ZMQ_CONNECT_ROUTING_ID). ROUTER only.
   */
  routingId?: string | Uint8Array;
}

/** What closing a socket (or a context) left behind. */
export interface CloseSummary {
  /** Messages queued to send and never written, because linger ran out or no peer took them. */
  dropped: number;
  /** Messages received and never read. */
  unread: number;
}

/** Options of `send` and `receive`. */
export interface OperationOptions {
  /** Abandons the operation (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

interface _Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  cleanup(): void;
}

interface _PendingSend extends _Waiter<void> {
  frames: Uint8Array[];
}

const _encoder = new TextEncoder();
const _CONFLATING: readonly SocketType[] = [
  "PUB",
  "SUB",
  "XPUB",
  "XSUB",
  "PUSH",
  "PULL",
  "DEALER",
];
const _PROBING: readonly SocketType[] = ["ROUTER", "DEALER", "REQ"];
/**
 * A loop that awaits sends which settle at once never lets the event loop
 * run, so no byte would ever be written; every this many such sends, `send`
 * settles after a macrotask instead (a few microseconds).
 */
const YIELD_EVERY = 256;

/**
 * What all sockets share. Use one of the socket classes: {@linkcode Request},
 * {@linkcode Reply}, {@linkcode Dealer}, {@linkcode Router},
 * {@linkcode Publisher}, {@linkcode Subscriber}, {@linkcode Push},
 * {@linkcode Pull}, {@linkcode Pair}.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "@zmtp/zmq";
 *
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:0");
 * const push = new Push();
 * push.connect(pull.lastEndpoint!);
 * await push.send(["two", "frames"]);
 * const [first, second] = await pull.receive();
 * await push.close();
 * await pull.close();
 * ```
 */
export abstract class Socket
  implements AsyncIterable<Message>, AsyncDisposable {
  /** The ZMTP socket type. */
  readonly type: SocketType;
  /** The context that tracks this socket. */
  readonly context: Context;
  /** What happens to the socket's connections. */
  readonly events: SocketEvents = new SocketEvents();
  /** See {@linkcode SocketOptions.sendHighWaterMark}; applies to new peers. */
  sendHighWaterMark: number;
  /** See {@linkcode SocketOptions.receiveHighWaterMark}; applies to new peers. */
  receiveHighWaterMark: number;
  /** See {@linkcode SocketOptions.linger}. */
  linger: number;
  /** See {@linkcode SocketOptions.reconnectInterval}; applies to new `connect` calls. */
  reconnectInterval: number;
  /** See {@linkcode SocketOptions.reconnectIntervalMax}; applies to new `connect` calls. */
  reconnectIntervalMax: number;
  /** See {@linkcode SocketOptions.routingId}; applies to new connections. */
  routingId: Uint8Array | undefined;
  /** See {@linkcode SocketOptions.maxMessageSize}; applies to new connections. */
  maxMessageSize: number;
  /** See {@linkcode SocketOptions.handshakeInterval}; applies to new connections. */
  handshakeInterval: number;
  /** See {@linkcode SocketOptions.heartbeatInterval}; applies to new connections. */
  heartbeatInterval: number;
  /** See {@linkcode SocketOptions.heartbeatTimeout}; applies to new connections. */
  heartbeatTimeout: number;
  /** See {@linkcode SocketOptions.heartbeatTimeToLive}; applies to new connections. */
  heartbeatTimeToLive: number;
  /** See {@linkcode SocketOptions.sendTimeout}. */
  sendTimeout: number;
  /** See {@linkcode SocketOptions.receiveTimeout}. */
  receiveTimeout: number;
  /** See {@linkcode SocketOptions.immediate}; applies to new `connect` calls. */
  immediate: boolean;
  /** See {@linkcode SocketOptions.conflate}. */
  readonly conflate: boolean;
  /** See {@linkcode SocketOptions.probeRouter}; applies to new connections. */
  probeRouter: boolean;
  /** See {@linkcode SocketOptions.zapDomain}. */
  zapDomain: string;
  /** See {@linkcode SocketOptions.authenticate}. */
  authenticate: Authenticator | undefined;
  /** Makes the mechanism of each new TCP or ipc connection. */
  readonly #mechanism: (metadata: Metadata) => Mechanism;
  /** The endpoint of the last `bind` (with the real port) or `connect`. */
  lastEndpoint: string | undefined;

  #listeners: {
    given: string;
    listener: { endpoint: string; close(): Promise<void> };
  }[] = [];
  #dialers: {
    endpoint: string;
    dialer: { close(): Promise<void> };
    pipe: Pipe;
  }[] = [];
  #pipes = new Set<Pipe>();
  /** Every live link, with the pipe it serves. */
  #pumps = new Map<Link, Pipe>();
  #serving = new Set<Promise<void>>();
  #receivers = new Queue<_Waiter<Message>>();
  #senders = new Queue<_PendingSend>();
  #progress: (() => void) | undefined;
  #closing: Promise<CloseSummary> | undefined;
  #burst = 0;
  /** A message taken from the pattern by `readable`, for the next `receive`. */
  #peeked: Message | undefined;
  #readableWaiters = new Set<() => void>();

  /**
   * Makes a socket of a type.
   *
   * @param type The ZMTP socket type.
   * @param options Options with libzmq's meaning.
   */
  constructor(type: SocketType, options: SocketOptions = {}) {
    this.type = type;
    this.context = options.context ?? Context.default;
    this.sendHighWaterMark = options.sendHighWaterMark ?? 1000;
    this.receiveHighWaterMark = options.receiveHighWaterMark ?? 1000;
    this.linger = options.linger ?? 1000;
    this.reconnectInterval = options.reconnectInterval ?? 100;
    this.reconnectIntervalMax = options.reconnectIntervalMax ?? 0;
    this.routingId = typeof options.routingId === "string"
      ? _encoder.encode(options.routingId)
      : options.routingId;
    this.maxMessageSize = options.maxMessageSize ?? -1;
    this.handshakeInterval = options.handshakeInterval ?? 30_000;
    this.heartbeatInterval = options.heartbeatInterval ?? 0;
    this.heartbeatTimeout = options.heartbeatTimeout ?? -1;
    this.heartbeatTimeToLive = options.heartbeatTimeToLive ?? 0;
    this.sendTimeout = options.sendTimeout ?? -1;
    this.receiveTimeout = options.receiveTimeout ?? -1;
    this.immediate = options.immediate ?? false;
    this.conflate = options.conflate ?? false;
    this.probeRouter = options.probeRouter ?? false;
    if (this.conflate && !_CONFLATING.includes(type)) {
      throw new ZmqError("EINVAL", `a ${type} socket cannot conflate`);
    }
    if (this.probeRouter && !_PROBING.includes(type)) {
      throw new ZmqError("EINVAL", `a ${type} socket cannot probe a router`);
    }
    this.zapDomain = options.zapDomain ?? "";
    this.authenticate = options.authenticate;
    this.#mechanism = _mechanismFactory(options);
    this.context._register(this);
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Whether `receive()` would resolve at once. A message found here is set
   * aside for the next `receive()` (so a REQ that finds its reply expects
   * no other). Polling several sockets is {@linkcode poll}'s job.
   */
  get readable(): boolean {
    if (this.closed) return false;
    if (this.#peeked) return true;
    if (this.#receivers.length > 0) return false;
    try {
      this.#peeked = this._receive();
    } catch {
      return false;
    }
    return this.#peeked !== undefined;
  }

  /**
   * Binds an endpoint and accepts peers on it.
   *
   * @param endpoint `tcp://host:port` (`*` for every interface, port 0 for
   * an ephemeral one, read back from {@linkcode Socket.lastEndpoint}) or
   * `ipc:///path`.
   * @returns Resolves once listening.
   * @throws {ZmqError} `EADDRINUSE`, `EINVAL`, `EPROTONOSUPPORT`, `ETERM`.
   */
  async bind(endpoint: string): Promise<void> {
    this.#assertOpen();
    let listener: Listener;
    try {
      const parsed = parseEndpoint(endpoint);
      if (parsed.transport === "inproc") {
        return this.#bindInproc(endpoint, parsed.name);
      }
      listener = await Listener.bind(endpoint, (connection, bound) => {
        this.events.push({ type: "accepted", endpoint: bound });
        const pipe = this.#newPipe(bound, true);
        pipe.accepted = true;
        this.#track(this.#serve(connection, pipe));
      });
    } catch (error) {
      this.events.push({
        type: "bind-failed",
        endpoint,
        code: error instanceof ZmqError ? error.code : "EINVAL",
        reason: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    if (this.closed) {
      await listener.close();
      throw new ZmqError("ETERM", "the socket was closed while binding");
    }
    this.#listeners.push({ given: endpoint, listener });
    this.lastEndpoint = listener.endpoint;
    this.events.push({ type: "listening", endpoint: listener.endpoint });
  }

  /**
   * Stops listening on an endpoint and drops the peers accepted there.
   *
   * @param endpoint As given to `bind`, or as read from `lastEndpoint`.
   * @throws {ZmqError} `ENOENT` if the endpoint is not bound.
   */
  async unbind(endpoint: string): Promise<void> {
    const index = this.#listeners.findIndex(({ given, listener }) =>
      given === endpoint || listener.endpoint === endpoint
    );
    if (index < 0) {
      throw new ZmqError("ENOENT", `${endpoint} is not bound on this socket`);
    }
    const [{ listener }] = this.#listeners.splice(index, 1);
    await listener.close();
    // Every connection accepted there, including those still in their
    // handshake (not attached yet).
    for (const [link, pipe] of this.#pumps) {
      if (pipe.accepted && pipe.endpoint === listener.endpoint) link.close();
    }
  }

  /**
   * Connects to an endpoint, in the background: returns at once, connects
   * when the peer is there, and reconnects whenever the connection drops.
   * Messages sent meanwhile queue (up to the high-water mark).
   *
   * @param endpoint `tcp://host:port`, `ipc:///path` or `inproc://name`.
   * @param options The routing id a ROUTER gives this peer.
   * @throws {ZmqError} `EINVAL` for a malformed endpoint or an option the
   * socket type does not take, `ETERM` if closed.
   */
  connect(endpoint: string, options: ConnectOptions = {}): void {
    this.#assertOpen();
    const parsed = parseEndpoint(endpoint);
    const immediate = this.immediate;
    const pipe = this.#newPipe(endpoint, immediate);
    if (options.routingId !== undefined) {
      if (this.type !== "ROUTER") {
        throw new ZmqError(
          "EINVAL",
          `only a ROUTER names its peers; a ${this.type} socket cannot connect with a routingId`,
        );
      }
      pipe.assignedRoutingId = typeof options.routingId === "string"
        ? _encoder.encode(options.routingId)
        : options.routingId;
      if (pipe.assignedRoutingId.length === 0) {
        throw new ZmqError("EINVAL", "a routingId cannot be empty");
      }
    }
    if (parsed.transport === "inproc") {
      const dialer = this.#connectInproc(endpoint, parsed.name, pipe);
      this.#dialers.push({ endpoint, dialer, pipe });
      this.lastEndpoint = endpoint;
      if (!immediate) this.#attach(pipe);
      return;
    }
    const dialer = new Dialer(endpoint, {
      reconnectInterval: this.reconnectInterval,
      reconnectIntervalMax: this.reconnectIntervalMax,
    }, {
      onAttempt: () => {
        this.events.push({ type: "connect-delayed", endpoint });
      },
      onConnection: (connection) => {
        this.events.push({ type: "connected", endpoint });
        return this.#serve(connection, pipe);
      },
      onRetry: (interval) => {
        this.events.push({ type: "connect-retried", endpoint, interval });
      },
    });
    this.#dialers.push({ endpoint, dialer, pipe });
    this.lastEndpoint = endpoint;
    if (!immediate) this.#attach(pipe);
  }

  /**
   * Stops connecting to an endpoint, dropping its connection and queue.
   *
   * @param endpoint As given to `connect`.
   * @throws {ZmqError} `ENOENT` if not connected to it.
   */
  async disconnect(endpoint: string): Promise<void> {
    const entries = this.#dialers.filter((entry) =>
      entry.endpoint === endpoint
    );
    if (entries.length === 0) {
      throw new ZmqError(
        "ENOENT",
        `${endpoint} is not connected on this socket`,
      );
    }
    this.#dialers = this.#dialers.filter((entry) =>
      entry.endpoint !== endpoint
    );
    await Promise.all(entries.map(async ({ dialer, pipe }) => {
      const closing = dialer.close();
      pipe.pump?.close();
      await closing;
      this.#removePipe(pipe);
    }));
  }

  /**
   * Sends a message. Resolves once the message is queued (not delivered),
   * at once when there is room; otherwise it waits, as the pattern says
   * (PUSH with no peer or every peer full), and concurrent sends are served
   * in order.
   *
   * @param message A string, bytes, or the frames of a multipart message.
   * @param options An abort signal.
   * @returns Settles when queued.
   * @throws {ZmqError} `ENOTSUP` if the socket type cannot send, `EFSM` if
   * the pattern forbids sending now, `ETERM` once closed.
   */
  send(message: MessageLike, options: OperationOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(_closedError());
    let frames: Uint8Array[];
    try {
      frames = toFrames(message);
      if (this.#senders.length === 0 && this._send(frames)) {
        if (++this.#burst < YIELD_EVERY) return Promise.resolve();
        this.#burst = 0;
        return new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#wait(this.#senders, options.signal, this.sendTimeout, {
      frames,
    });
  }

  /**
   * Receives the next message: at once if one is queued, else when one
   * arrives. Concurrent receives are served in order.
   *
   * @param options An abort signal.
   * @returns The message's frames.
   * @throws {ZmqError} `ENOTSUP` if the socket type cannot receive, `EFSM`
   * if the pattern forbids receiving now, `ETERM` once closed.
   */
  receive(options: OperationOptions = {}): Promise<Message> {
    if (this.closed) return Promise.reject(_closedError());
    try {
      if (this.#receivers.length === 0) {
        const message = this.#take();
        if (message) return Promise.resolve(message);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#wait(
      this.#receivers,
      options.signal,
      this.receiveTimeout,
      {},
    );
  }

  /** Receives messages until the socket closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    while (!this.closed) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof ZmqError && error.code === "ETERM") return;
        throw error;
      }
    }
  }

  /**
   * Closes the socket: stops accepting and connecting, waits up to
   * `linger` ms for queued messages to be written, then closes every
   * connection. Pending `send`/`receive` calls reject with `ETERM`.
   *
   * @returns Settles when every resource is released, saying how many
   * queued messages were never written and how many received ones never
   * read (also in the `closed` event).
   */
  close(): Promise<CloseSummary> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Closes the socket, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- for the socket types ------------------------------------------------

  /**
   * Routes a message out, or says it must wait. Throws for a state error.
   *
   * @returns `true` if the message was queued or dropped as the pattern says.
   */
  protected _send(_frames: Uint8Array[]): boolean {
    throw new ZmqError("ENOTSUP", `a ${this.type} socket cannot send`);
  }

  /**
   * Takes the next message for the application, if one is there. Throws
   * for a state error.
   */
  protected _receive(): Message | undefined {
    throw new ZmqError("ENOTSUP", `a ${this.type} socket cannot receive`);
  }

  /** A pipe joins the routing (a `connect` pipe at once, an accepted or `immediate` one after its handshake). */
  protected _attach(_pipe: Pipe): void {}

  /** A pipe leaves the routing. */
  protected _detach(_pipe: Pipe): void {}

  /** A pipe completed a handshake (also after each reconnect); `false` refuses the peer. */
  protected _ready(_pipe: Pipe): boolean {
    return true;
  }

  /** A message arrived on a pipe's inbound queue. */
  protected _arrived(_pipe: Pipe): void {}

  /** A peer subscribed or cancelled (publisher side). */
  protected _subscription(
    _pipe: Pipe,
    _topic: Uint8Array,
    _subscribe: boolean,
  ): void {}

  /** A connection of a pipe ended. */
  protected _disconnected(_pipe: Pipe): void {}

  /** Whether sends are waiting for room (so a REQ may expect a reply). */
  protected get _sendPending(): boolean {
    return this.#senders.length > 0;
  }

  /** Every pipe currently attached. */
  protected get _pipes(): ReadonlySet<Pipe> {
    return this.#pipes;
  }

  /** Tells waiting senders that routing may now succeed. */
  protected _retrySends(): void {
    while (this.#senders.length > 0) {
      const pending = this.#senders.peek()!;
      let sent: boolean;
      try {
        sent = this._send(pending.frames);
      } catch (error) {
        this.#senders.shift();
        pending.cleanup();
        pending.reject(error);
        continue;
      }
      if (!sent) return;
      this.#senders.shift();
      pending.cleanup();
      pending.resolve();
    }
  }

  /** Hands queued messages to waiting receivers. */
  protected _retryReceives(): void {
    while (this.#receivers.length > 0) {
      let message: Message | undefined;
      try {
        message = this.#take();
      } catch (error) {
        const waiter = this.#receivers.shift()!;
        waiter.cleanup();
        waiter.reject(error);
        continue;
      }
      if (!message) return;
      const waiter = this.#receivers.shift()!;
      waiter.cleanup();
      waiter.resolve(message);
    }
  }

  // ---- internals -------------------------------------------------------------

  #assertOpen(): void {
    if (this.closed) throw _closedError();
  }

  #take(): Message | undefined {
    const peeked = this.#peeked;
    if (!peeked) return this._receive();
    this.#peeked = undefined;
    return peeked;
  }

  /**
   * @internal Resolves when a message may have arrived (or the socket
   * closed); for {@linkcode poll}, which then checks `readable`.
   */
  _whenReadable(signal: AbortSignal): Promise<void> {
    if (this.closed || this.readable) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#readableWaiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#readableWaiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #notifyReadable(): void {
    for (const waiter of [...this.#readableWaiters]) waiter();
  }

  /** A pipe; a transient one lives only while one connection serves it. */
  #newPipe(endpoint: string, transient: boolean): Pipe {
    const pipe = new Pipe(
      endpoint,
      this.sendHighWaterMark,
      this.receiveHighWaterMark,
      this.conflate,
    );
    pipe.transient = transient;
    return pipe;
  }

  #attach(pipe: Pipe): void {
    if (pipe.attached) return;
    pipe.attached = true;
    this.#pipes.add(pipe);
    this._attach(pipe);
    this._retrySends();
  }

  #removePipe(pipe: Pipe): void {
    if (!pipe.attached) return;
    pipe.attached = false;
    this.#pipes.delete(pipe);
    pipe.outbound.clear();
    pipe.control.clear();
    this._detach(pipe);
    this.#notifyProgress();
  }

  #track(serving: Promise<void>): void {
    this.#serving.add(serving);
    serving.finally(() => this.#serving.delete(serving));
  }

  #serve(
    connection: ByteConnection,
    pipe: Pipe,
  ): Promise<void> {
    const codec = new Connection({
      mechanism: this.#mechanism,
      socketType: this.type,
      routingId: this.routingId,
      maxMessageSize: this.maxMessageSize,
      handshakeInterval: this.handshakeInterval,
      heartbeatInterval: this.heartbeatInterval,
      heartbeatTimeout: this.heartbeatTimeout,
      heartbeatTimeToLive: this.heartbeatTimeToLive,
      now: Date.now(),
    });
    // The session reaches the pump only once events flow, after this line.
    const pump: Pump = new Pump(
      connection,
      codec,
      this.#session(pipe, () => pump, _peerAddress(connection)),
    );
    return this.#run(pump, pipe);
  }

  /** The socket's side of one connection of a pipe. */
  #session(pipe: Pipe, link: () => Link, address = ""): Session {
    const endpoint = pipe.endpoint;
    let handshaken = false;
    return {
      handle: (event: ConnectionEvent): boolean => {
        switch (event.type) {
          case "ready":
            pipe.peer = event.peer;
            if (pipe.transient) this.#attach(pipe);
            if (this.probeRouter) {
              pipe.writeControl((writer) =>
                writer.sendMessage([new Uint8Array(0)])
              );
            }
            pipe.ready = true;
            if (!this._ready(pipe)) {
              pipe.ready = false;
              link().close();
              return false;
            }
            handshaken = true;
            this.events.push({
              type: "handshake-succeeded",
              endpoint,
              peer: event.peer,
              routingId: pipe.routingId,
            });
            this.#notifyProgress();
            link().wake();
            return true;
          case "authenticate":
            this.#judge(event.credentials, address, link);
            return true;
          case "message":
            if (pipe.conflate && pipe.inbound.length > 0) {
              // Already queued for reading: replace, do not announce again.
              pipe.inbound.clear();
              pipe.inbound.push(event.frames);
            } else {
              pipe.inbound.push(event.frames);
              this._arrived(pipe);
            }
            this._retryReceives();
            if (this.#readableWaiters.size > 0) this.#notifyReadable();
            return !pipe.inboundFull;
          case "subscribe":
          case "cancel":
            this._subscription(pipe, event.topic, event.type === "subscribe");
            return true;
          case "error":
            this.events.push({
              type: handshaken ? "protocol-error" : "handshake-failed",
              endpoint,
              kind: event.error.kind,
              reason: event.error.message,
            });
            return false;
        }
      },
      fill: (writer: MessageWriter, batchBytes: number): void => {
        if (!handshaken) return;
        const control = pipe.control;
        while (control.length > 0) control.shift()!(writer);
        const outbound = pipe.outbound;
        const wasFull = pipe.full;
        while (outbound.length > 0 && writer.pendingOutputBytes < batchBytes) {
          writer.sendMessage(outbound.shift()!);
        }
        if (wasFull && !pipe.full) this._retrySends();
        if (outbound.length === 0) this.#notifyProgress();
      },
    };
  }

  /** Serves a pipe with a link until the link ends. */
  #run(link: Link, pipe: Pipe): Promise<void> {
    pipe.pump = link;
    this.#pumps.set(link, pipe);
    return link.done.then((end) => {
      this.#pumps.delete(link);
      if (pipe.pump === link) pipe.pump = undefined;
      if (!pipe.ready && !end.error && end.closedByPeer) {
        // As libzmq's HANDSHAKE_FAILED_NO_DETAIL: the peer hung up first,
        // as libzmq does on a mechanism or key it refuses.
        this.events.push({
          type: "handshake-failed",
          endpoint: pipe.endpoint,
          kind: "peer",
          reason: "the peer closed the connection during the handshake",
        });
      }
      pipe.ready = false;
      pipe.control.clear();
      this.events.push({ type: "disconnected", endpoint: pipe.endpoint });
      if (pipe.transient) {
        this.#removePipe(pipe);
      } else {
        this._disconnected(pipe);
      }
      this.#notifyProgress();
    });
  }

  /** What an inproc peer learns of this socket. */
  #inprocInfo(): PeerInfo {
    return {
      socketType: this.type,
      routingId: this.routingId?.length ? this.routingId : undefined,
      minor: 1,
      metadata: new Metadata([["Socket-Type", this.type]]),
    };
  }

  #bindInproc(endpoint: string, name: string): void {
    const unbind = this.context._bindInproc(name, (offer) => {
      this.events.push({ type: "accepted", endpoint });
      const pipe = this.#newPipe(endpoint, true);
      pipe.accepted = true;
      const link: Link = offer(
        {
          session: this.#session(pipe, () => link),
          peer: this.#inprocInfo(),
        },
      );
      this.#track(this.#run(link, pipe));
    });
    this.#listeners.push({
      given: endpoint,
      listener: { endpoint, close: () => Promise.resolve(unbind()) },
    });
    this.lastEndpoint = endpoint;
    this.events.push({ type: "listening", endpoint });
  }

  #connectInproc(
    endpoint: string,
    name: string,
    pipe: Pipe,
  ): { close(): Promise<void> } {
    let stopped = false;
    let cancel = () => {};
    const offer: InprocOffer = (binder) => {
      const [ours, theirs] = linkInproc(
        {
          session: this.#session(pipe, () => ours),
          peer: this.#inprocInfo(),
        },
        binder,
      );
      this.events.push({ type: "connected", endpoint });
      // When the link ends, offer again after reconnectInterval, as tcp
      // reconnects: the binder may come back, or have refused us.
      this.#track(
        this.#run(ours, pipe).then(() => {
          if (stopped || this.closed || this.reconnectInterval < 0) return;
          retry = setTimeout(() => {
            retry = undefined;
            if (!stopped) cancel = this.context._connectInproc(name, offer);
          }, this.reconnectInterval);
        }),
      );
      return theirs;
    };
    let retry: ReturnType<typeof setTimeout> | undefined;
    cancel = this.context._connectInproc(name, offer);
    return {
      close: () => {
        stopped = true;
        clearTimeout(retry);
        cancel();
        return Promise.resolve();
      },
    };
  }

  async #judge(
    credentials: Credentials,
    address: string,
    link: () => Link,
  ): Promise<void> {
    const verdict = await _judge(
      this.authenticate,
      this.context,
      _toRequest(
        credentials,
        this.zapDomain,
        address,
        this.routingId ?? new Uint8Array(),
      ),
    );
    link().authenticated?.(verdict);
  }

  #notifyProgress(): void {
    const progress = this.#progress;
    this.#progress = undefined;
    progress?.();
  }

  #wait<T>(
    queue: Queue<_Waiter<T>>,
    signal: AbortSignal | undefined,
    timeout: number,
    extra: object,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (timeout === 0) return Promise.reject(_timeoutError());
    return new Promise<T>((resolve, reject) => {
      const abandon = (reason: unknown) => {
        waiter.cleanup();
        // Leave the queue in order: drop just this waiter.
        const rest = queue.clear().filter((w) => w !== waiter);
        for (const w of rest) queue.push(w);
        reject(reason);
      };
      const onAbort = () => abandon(signal!.reason);
      const timer = timeout > 0
        ? setTimeout(() => abandon(_timeoutError()), timeout)
        : undefined;
      const waiter = {
        ...extra,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      } as _Waiter<T>;
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
    });
  }

  async #close(): Promise<CloseSummary> {
    let unread = this.#peeked ? 1 : 0;
    this.#peeked = undefined;
    this.#notifyReadable();
    for (
      const waiter of [...this.#receivers.clear(), ...this.#senders.clear()]
    ) {
      waiter.cleanup();
      waiter.reject(_closedError());
    }
    const listeners = this.#listeners.splice(0);
    await Promise.all(listeners.map(({ listener }) => listener.close()));
    if (this.linger !== 0) await this.#flush();
    const dialers = this.#dialers.splice(0).map(({ dialer }) => dialer.close());
    for (const pump of this.#pumps.keys()) pump.close();
    await Promise.all(dialers);
    while (this.#serving.size > 0) await Promise.all([...this.#serving]);
    let dropped = 0;
    for (const pipe of [...this.#pipes]) {
      dropped += pipe.outbound.length;
      unread += pipe.inbound.length;
      this.#removePipe(pipe);
    }
    this.events.push({ type: "closed", dropped, unread });
    this.events.end();
    this.context._unregister(this);
    return { dropped, unread };
  }

  async #flush(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expired = false;
    const timeout = new Promise<void>((resolve) => {
      if (this.linger < 0) return;
      timer = setTimeout(() => {
        expired = true;
        resolve();
      }, this.linger);
    });
    try {
      while (!expired) {
        const waiting = [...this.#pipes].some((pipe) =>
          pipe.outbound.length > 0 || pipe.control.length > 0
        );
        if (!waiting) {
          await Promise.race([
            Promise.all(
              [...this.#pumps.keys()].map((pump) => pump.whenFlushed()),
            ),
            timeout,
          ]);
          return;
        }
        const progress = new Promise<void>((resolve) =>
          this.#progress = resolve
        );
        await Promise.race([progress, timeout]);
      }
    } finally {
      clearTimeout(timer);
      this.#progress = undefined;
    }
  }
}

/** The peer's IP address, as ZAP carries it ("" for ipc). */
function _peerAddress(connection: ByteConnection): string {
  try {
    const address = connection.remoteAddr;
    return address.transport === "tcp" ? address.hostname : "";
  } catch {
    return "";
  }
}

/** Picks the mechanism the options ask for; checks keys at once. */
function _mechanismFactory(
  options: SocketOptions,
): (metadata: Metadata) => Mechanism {
  if (options.curveServer) {
    if (options.curveSecretKey === undefined) {
      throw new ZmqError("EINVAL", "a CURVE server needs its curveSecretKey");
    }
    const secretKey = toCurveKey(options.curveSecretKey, "secret key");
    const publicKey = options.curvePublicKey !== undefined
      ? toCurveKey(options.curvePublicKey, "public key")
      : publicKeyOf(secretKey);
    return (metadata) =>
      new CurveServerMechanism(metadata, { publicKey, secretKey });
  }
  if (options.curveServerKey !== undefined) {
    const serverKey = toCurveKey(options.curveServerKey, "server key");
    const own = options.curveSecretKey === undefined ? curveKeyPair() : {
      secretKey: options.curveSecretKey,
      publicKey: options.curvePublicKey,
    };
    const secretKey = toCurveKey(own.secretKey, "secret key");
    const publicKey = own.publicKey !== undefined
      ? toCurveKey(own.publicKey, "public key")
      : publicKeyOf(secretKey);
    return (metadata) =>
      new CurveClientMechanism(metadata, { serverKey, publicKey, secretKey });
  }
  if (options.plainServer) {
    return (metadata) => new PlainServerMechanism(metadata);
  }
  if (options.plainUsername !== undefined) {
    const { plainUsername, plainPassword = "" } = options;
    // Checks the lengths now rather than at the first connection.
    new PlainClientMechanism(new Metadata(), plainUsername, plainPassword);
    return (metadata) =>
      new PlainClientMechanism(metadata, plainUsername, plainPassword);
  }
  const authenticate = options.zapDomain !== undefined;
  return (metadata) => new NullMechanism(metadata, { authenticate });
}

function _timeoutError(): ZmqError {
  return new ZmqError(
    "EAGAIN",
    "the operation did not complete within the socket's sendTimeout/receiveTimeout",
  );
}

function _closedError(): ZmqError {
  return new ZmqError("ETERM", "the socket is closed");
}
