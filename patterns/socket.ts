/**
 * The socket every type shares: endpoints, options as properties, the async
 * send/receive API, iteration and close; the type's routing does the rest.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type { MulticastOptions, TlsOptions } from "../transport/transport.ts";
import type { Authenticator } from "./authentication.ts";
import { type CloseSummary, Context, contextMembers } from "./context.ts";
import { SocketEvents, type SocketEventsController } from "./events.ts";
import type { Message, MessageLike } from "./message.ts";
import type {
  ConnectOptions,
  MessagesOptions,
  OperationOptions,
  SendOptions,
  SocketOptions,
} from "./options.ts";
import { SocketCore } from "./_core.ts";
import { Endpoints } from "./_endpoints.ts";
import { iterateMessages, type MessageSource } from "./_message_iterator.ts";
import { cutLinger } from "./_linger.ts";
import { closeSocket } from "./_close.ts";
import { setHighWaterMark } from "./_high_water_marks.ts";
import { checkOptionNames } from "./_option_names.ts";
import { routesNow } from "./_routing.ts";
import { mechanismFactory } from "./_mechanism_factory.ts";
import {
  checkRoutingId,
  checkZapDomain,
  readOnlyOptions,
  type ResolvedOptions,
  resolveMulticast,
  resolveOptions,
  resolveTls,
  setFlag,
  setOption,
} from "./_resolve_options.ts";

/** The options of a call without any: one object, not one per message. */
const _NONE: OperationOptions = Object.freeze({});

/**
 * What all sockets share; use a socket class ({@linkcode Request},
 * {@linkcode Router}, {@linkcode Push}, {@linkcode Subscriber}…).
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
 *
 * @typeParam M What a receive gives: the frames, with what the type adds
 * (a {@linkcode Server}'s `routingId`, a {@linkcode Dish}'s `group`).
 */
export abstract class Socket<M extends Message = Message>
  implements AsyncIterable<M>, AsyncDisposable {
  /** The ZMTP socket type. */
  readonly type: SocketType;
  /** The context that tracks this socket. */
  readonly context: Context;
  /** What happens to the socket's connections. */
  readonly events: SocketEvents;
  /** See {@linkcode SocketOptions.sendHighWaterMark}; applies to every peer. */
  get sendHighWaterMark(): number {
    return this.#options.sendHighWaterMark;
  }
  set sendHighWaterMark(value: number) {
    setHighWaterMark(this.#core, this.#options, "sendHighWaterMark", value);
  }
  /** See {@linkcode SocketOptions.receiveHighWaterMark}; applies to every peer. */
  get receiveHighWaterMark(): number {
    return this.#options.receiveHighWaterMark;
  }
  set receiveHighWaterMark(value: number) {
    setHighWaterMark(this.#core, this.#options, "receiveHighWaterMark", value);
  }
  /** See {@linkcode SocketOptions.linger}. */
  get linger(): number {
    return this.#options.linger;
  }
  set linger(value: number) {
    setOption(this.#options, "linger", value);
    if (this.#options.linger === 0 && this.closed) cutLinger(this.#core);
  }
  /** See {@linkcode SocketOptions.reconnectInterval}; applies to new `connect` calls. */
  get reconnectInterval(): number {
    return this.#options.reconnectInterval;
  }
  set reconnectInterval(value: number) {
    setOption(this.#options, "reconnectInterval", value);
  }
  /** See {@linkcode SocketOptions.reconnectIntervalMax}; applies to new `connect` calls. */
  get reconnectIntervalMax(): number {
    return this.#options.reconnectIntervalMax;
  }
  set reconnectIntervalMax(value: number) {
    setOption(this.#options, "reconnectIntervalMax", value);
  }
  /** See {@linkcode SocketOptions.connectTimeout}; applies to new `connect` calls. */
  get connectTimeout(): number {
    return this.#options.connectTimeout;
  }
  set connectTimeout(value: number) {
    setOption(this.#options, "connectTimeout", value);
  }
  /** See {@linkcode SocketOptions.routingId}; applies to new connections. */
  get routingId(): Uint8Array | undefined {
    return this.#options.routingId?.slice();
  }
  set routingId(value: string | Uint8Array | undefined) {
    this.#options.routingId = checkRoutingId(value);
  }
  /** See {@linkcode SocketOptions.maxMessageSize}; applies to new connections. */
  get maxMessageSize(): number {
    return this.#options.maxMessageSize;
  }
  set maxMessageSize(value: number) {
    setOption(this.#options, "maxMessageSize", value);
  }
  /** See {@linkcode SocketOptions.handshakeInterval}; applies to new connections. */
  get handshakeInterval(): number {
    return this.#options.handshakeInterval;
  }
  set handshakeInterval(value: number) {
    setOption(this.#options, "handshakeInterval", value);
  }
  /** See {@linkcode SocketOptions.heartbeatInterval}; applies to new connections. */
  get heartbeatInterval(): number {
    return this.#options.heartbeatInterval;
  }
  set heartbeatInterval(value: number) {
    setOption(this.#options, "heartbeatInterval", value);
  }
  /** See {@linkcode SocketOptions.heartbeatTimeout}; applies to new connections. */
  get heartbeatTimeout(): number {
    return this.#options.heartbeatTimeout;
  }
  set heartbeatTimeout(value: number) {
    setOption(this.#options, "heartbeatTimeout", value);
  }
  /** See {@linkcode SocketOptions.heartbeatTimeToLive}; applies to new connections. */
  get heartbeatTimeToLive(): number {
    return this.#options.heartbeatTimeToLive;
  }
  set heartbeatTimeToLive(value: number) {
    setOption(this.#options, "heartbeatTimeToLive", value);
  }
  /** See {@linkcode SocketOptions.sendTimeout}. */
  get sendTimeout(): number {
    return this.#options.sendTimeout;
  }
  set sendTimeout(value: number) {
    setOption(this.#options, "sendTimeout", value);
  }
  /** See {@linkcode SocketOptions.receiveTimeout}. */
  get receiveTimeout(): number {
    return this.#options.receiveTimeout;
  }
  set receiveTimeout(value: number) {
    setOption(this.#options, "receiveTimeout", value);
  }
  /** See {@linkcode SocketOptions.immediate}; applies to new `connect` calls. */
  get immediate(): boolean {
    return this.#options.immediate;
  }
  set immediate(value: boolean) {
    setFlag(this.#options, "immediate", value, this.type);
  }
  /** See {@linkcode SocketOptions.conflate}; read-only, as made. */
  declare readonly conflate: boolean;
  /** See {@linkcode SocketOptions.probeRouter}; applies to new connections. */
  get probeRouter(): boolean {
    return this.#options.probeRouter;
  }
  set probeRouter(value: boolean) {
    setFlag(this.#options, "probeRouter", value, this.type);
  }
  /** See {@linkcode SocketOptions.zapDomain}; applies to new connections. */
  get zapDomain(): string {
    return this.#options.zapDomain;
  }
  set zapDomain(value: string) {
    this.#options.zapDomain = checkZapDomain(value);
  }
  /** See {@linkcode SocketOptions.zapEnforceDomain}; applies to new connections. */
  get zapEnforceDomain(): boolean {
    return this.#options.zapEnforceDomain;
  }
  set zapEnforceDomain(value: boolean) {
    setFlag(this.#options, "zapEnforceDomain", value, this.type);
  }
  /** See {@linkcode SocketOptions.authenticate}. */
  authenticate: Authenticator | undefined;
  /** See {@linkcode SocketOptions.maxConnections}; applies to new peers. */
  get maxConnections(): number {
    return this.#options.maxConnections;
  }
  set maxConnections(value: number) {
    setOption(this.#options, "maxConnections", value);
  }
  /** TLS for `wss://` ({@linkcode SocketOptions.tlsCertificate}, `tlsKey`, `tlsCaCertificates`); applies to new binds and connects. */
  tls: TlsOptions;
  /** Multicast settings for `epgm://` ({@linkcode SocketOptions.rate}, `recoveryInterval`, `multicastHops`, `multicastLoop`, `multicastMaxTpdu`); applies to new binds and connects. */
  multicast: MulticastOptions;
  /** See {@linkcode SocketOptions.metadata}; read-only, as made. */
  declare readonly metadata: Readonly<Record<string, string>>;
  /** See {@linkcode SocketOptions.wsOrigins}; read-only, as made. */
  declare readonly wsOrigins: readonly string[] | undefined;
  /** See {@linkcode SocketOptions.ipv6}; read-only, as made. */
  declare readonly ipv6: boolean;
  #options: ResolvedOptions;
  #core: SocketCore;
  #endpoints: Endpoints;
  #closing: Promise<CloseSummary> | undefined;

  /**
   * Makes a socket of a type.
   *
   * @param type The ZMTP socket type.
   * @param options Options with libzmq's meaning.
   * @throws {ZmqError} `EINVAL` for an option the type does not take or a
   * malformed key, `ETERM` if the context is closed.
   */
  constructor(type: SocketType, options: SocketOptions = {}) {
    checkOptionNames(new.target, options);
    this.type = type;
    this.context = options.context ?? Context.default;
    // As zmq_socket on a terminated context (whose close would miss us).
    if (this.context.closed) {
      throw new ZmqError("ETERM", "the context is closed; make a new one");
    }
    const resolved = this.#options = resolveOptions(type, options);
    this.authenticate = resolved.authenticate;
    this.tls = resolveTls(options);
    Object.defineProperties(this, readOnlyOptions(resolved, options));
    this.multicast = resolveMulticast(options);
    const mechanism = mechanismFactory(options, this);
    let events!: SocketEventsController;
    this.events = new SocketEvents((controller) => events = controller);
    this.#core = new SocketCore(this, events);
    this.#endpoints = new Endpoints(this, this.#core, events, mechanism);
    contextMembers(this.context).add(this);
  }

  /** The endpoint of the last `bind` (with the real port) or `connect`. */
  get lastEndpoint(): string | undefined {
    return this.#endpoints.last;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Whether `receive()` would resolve at once; a message found here is kept
   * for the next `receive()` (a REQ that finds its reply expects no other).
   */
  get readable(): boolean {
    return this.#core.readable;
  }

  /**
   * Whether a `send()` can go now, as libzmq's `ZMQ_POLLOUT` (zeromq.js's
   * `writable`): while a peer has room, but never on a REQ owing a receive or
   * a REP owing no reply, and always on a SERVER, PEER, STREAM, PUB or a
   * ROUTER without `routerMandatory`.
   */
  get writable(): boolean {
    return routesNow(this.#core);
  }

  /**
   * Binds an endpoint and accepts peers on it.
   *
   * @param endpoint `tcp://host:port` (`*` for every interface, port 0 for
   * an ephemeral one, read back from {@linkcode Socket.lastEndpoint}),
   * `ipc:///path` (`ipc://*`: a fresh temporary one) or `inproc://name`.
   * @returns Once listening, the endpoint bound (the real port), as `lastEndpoint`.
   * @throws {ZmqError} `EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, `ENOENT`, `ENAMETOOLONG`, `EINVAL`, `EPROTONOSUPPORT`, `ETERM`.
   */
  bind(endpoint: string): Promise<string> {
    return this.#endpoints.bind(endpoint);
  }

  /**
   * Stops listening on an endpoint and drops the peers accepted there.
   *
   * @param endpoint As read from `lastEndpoint`, or as given to `bind` unless a wildcard (`ipc://*`, port 0).
   * @throws {ZmqError} `ENOENT` if the endpoint is not bound, `ETERM` if closed.
   */
  unbind(endpoint: string): Promise<void> {
    return this.#endpoints.unbind(endpoint);
  }

  /**
   * Connects to an endpoint, in the background: returns at once, connects
   * when the peer is there, and reconnects whenever the connection drops.
   * Messages sent meanwhile queue (up to the high-water mark). A DEALER,
   * REQ, SUB or PUB ignores an endpoint it holds (not inproc), as libzmq.
   *
   * @param endpoint `tcp://host:port`, `ipc:///path` or `inproc://name`.
   * @param options The routing id a ROUTER gives this peer.
   * @throws {ZmqError} `EINVAL` (a malformed endpoint, an option the type
   * does not take, a routing id another connect names its peer with),
   * `EPROTONOSUPPORT`, `ENAMETOOLONG` (an ipc path), `ETERM`.
   */
  connect(endpoint: string, options: ConnectOptions = {}): void {
    this.#endpoints.connect(endpoint, options);
  }

  /**
   * Serves ZeroMQ on a route of your own `Deno.serve` (Deno Deploy, or an
   * app that serves pages too): answers a WebSocket upgrade asking for ZWS
   * 2.0 and takes the peer, as `bind` would. Browsers (`ZWS2.0`, NULL) and
   * our own `ws://` clients connect this way; libzmq's NULL clients cannot,
   * as Deno reads their sub-protocol list as one name: give them `bind`.
   *
   * @example One port for the page and ZeroMQ
   * ```ts ignore
   * import { Publisher } from "@zmtp/zmq";
   *
   * const publisher = new Publisher();
   * Deno.serve((request, info) =>
   *   new URL(request.url).pathname === "/zmq"
   *     ? publisher.upgrade(request, info)
   *     : new Response("<!doctype html>…", { headers: { "content-type": "text/html" } })
   * );
   * ```
   *
   * @param request The HTTP request.
   * @param info Where it came from (`Deno.serve`'s second argument), for ZAP.
   * @returns The response: 101 when upgraded, else 400 or 426 (with a
   * `handshake-failed` event), or 503 past `maxConnections` (`accept-refused`).
   * @throws {ZmqError} `ETERM` if closed.
   */
  upgrade(request: Request, info?: { readonly remoteAddr?: object }): Response {
    return this.#endpoints.upgrade(request, info);
  }

  /**
   * Stops connecting to an endpoint: nothing more is sent to it, what is
   * queued for it is written within `linger` (as libzmq's `zmq_disconnect`;
   * with linger 0, what goes without waiting), then its connection closes.
   *
   * @param endpoint As given to `connect`.
   * @throws {ZmqError} `ENOENT` if not connected to it.
   */
  disconnect(endpoint: string): Promise<void> {
    return this.#endpoints.disconnect(endpoint);
  }

  /**
   * Sends a message. Resolves once the message is queued (not delivered),
   * at once when there is room; otherwise it waits, as the pattern says
   * (PUSH with no peer or every peer full), and concurrent sends are served
   * in order. Its frames are read when it is written, which may be after
   * this settles: change no buffer you have sent (send a copy of memory you
   * will reuse).
   *
   * @param message A string, bytes, or the frames of a multipart message.
   * @param options An abort signal; `transfer` to give up the frames'
   * memory to a Worker (see {@linkcode SendOptions}).
   * @returns Settles when queued.
   * @throws {ZmqError} `ENOTSUP` if the socket type cannot send, `EFSM` if
   * the pattern forbids sending now, `EINVAL` for a frame not bytes nor a
   * string, `EAGAIN` after `sendTimeout`, `ETERM` once closed.
   */
  send(message: MessageLike, options: SendOptions = _NONE): Promise<void> {
    return this.#core.send(message, options);
  }

  /**
   * Receives the next message: at once if one is queued, else when one
   * arrives. Concurrent receives are served in order.
   *
   * @param options An abort signal.
   * @returns The message's frames, with what the type adds (a
   * {@linkcode Server}'s `routingId`, a {@linkcode Dish}'s `group`).
   * @throws {ZmqError} `ENOTSUP` if the socket type cannot receive, `EFSM`
   * if the pattern forbids receiving now, `EAGAIN` after `receiveTimeout`,
   * `ETERM` once closed.
   */
  receive(options: OperationOptions = _NONE): Promise<M> {
    // The type's routing makes the messages: what it returns is an M.
    return this.#core.receive(options) as Promise<M>;
  }

  /**
   * Receives messages until the socket closes or the signal aborts; either
   * ends the iteration quietly.
   *
   * @example Serving until Ctrl-C
   * ```ts
   * import { Pull } from "@zmtp/zmq";
   *
   * const pull = new Pull();
   * await pull.bind("tcp://127.0.0.1:0");
   * for await (const [frame] of pull.messages({ signal: AbortSignal.timeout(10) })) {
   *   console.log(frame.length);
   * }
   * await pull.close();
   * ```
   *
   * @param options A signal that ends the iteration.
   * @returns The messages, as they arrive.
   */
  messages(options: MessagesOptions = {}): AsyncGenerator<M, void, undefined> {
    const source = this.#core as unknown as MessageSource<M>;
    return iterateMessages(source, options.signal);
  }

  /** Receives messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<M> {
    return this.messages();
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
    return this.#closing ??= closeSocket(this, this.#core, this.#endpoints);
  }

  /** Closes the socket, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
