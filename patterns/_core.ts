/**
 * The socket's machinery: its pipes and the links serving them, the
 * routing, and the queues of callers waiting to send or receive.
 *
 * @module
 */

import { acceptedInIsolate } from "../transport/_descriptor_limit.ts";
import type { Credentials, Verdict } from "../codec/authentication.ts";
import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { macrotask } from "../transport/_macrotask.ts";
import type { Link, LinkEnd } from "../transport/transport.ts";
import type { Authenticator } from "./authentication.ts";
import type { SocketEventsController } from "./events.ts";
import { type Message, type MessageLike, toFrames } from "./message.ts";
import type { OutboundMessage } from "./message.ts";
import { giveUp } from "../transport/_packing.ts";
import { judgeFor } from "./_authenticate.ts";
import { keyBytes } from "./_bytes_key.ts";
import { Departed } from "./_departed.ts";
import { sayFarewell } from "./_peer_messages.ts";
import { withResolvers } from "./_fallbacks.ts";
import { Pipe } from "./_pipe.ts";
import { type Routing, routingFactory, type RoutingHost } from "./_routing.ts";
import { type SessionHost, SocketSession } from "./_session.ts";
import { passesWaiting, retryInOrder } from "./_send_order.ts";
import {
  closedError,
  type CoreOptions,
  UNTIMED,
  wait,
  Waiters,
} from "./_waiters.ts";
export { closedError, type CoreOptions, UNTIMED };

/** The options the machinery reads, live, from its socket. */
export interface CoreSettings {
  readonly type: SocketType;
  readonly context: { readonly authenticate?: Authenticator | undefined };
  readonly sendHighWaterMark: number;
  readonly receiveHighWaterMark: number;
  readonly sendTimeout: number;
  readonly receiveTimeout: number;
  readonly conflate: boolean;
  readonly probeRouter: boolean;
  readonly routingId: Uint8Array | undefined;
  readonly zapDomain: string;
  readonly zapEnforceDomain: boolean;
  readonly authenticate: Authenticator | undefined;
  /** See `HelloMessageOptions` and the others: draft, on some types. */
  readonly helloMessage?: Uint8Array | undefined;
  readonly disconnectMessage?: Uint8Array | undefined;
  readonly hiccupMessage?: Uint8Array | undefined;
}

/**
 * A loop that awaits sends which settle at once never lets the event loop
 * run, so no byte would ever be written; every this many such sends, `send`
 * settles after a macrotask instead (a few microseconds).
 */
const YIELD_EVERY = 256;

const _cores = new WeakMap<object, SocketCore>();

/** The machinery of a socket. */
export function coreOf(socket: object): SocketCore {
  return _cores.get(socket)!;
}

/** Pipes, links, routing and waiting callers of one socket. */
export class SocketCore implements RoutingHost, SessionHost {
  readonly routing: Routing;
  readonly events: SocketEventsController;
  /** Every pipe currently attached. */
  readonly pipes: Set<Pipe> = new Set();
  /** Every live link, with the pipe it serves. */
  readonly links: Map<Link, Pipe> = new Map();
  /** Links of accepted peers being served (for `maxConnections`). */
  acceptedLinks = 0;
  /** Set once the socket starts closing. */
  closed = false;
  #settings: CoreSettings;
  #receivers = new Waiters<Message>();
  #senders = new Waiters<void, OutboundMessage>(() => this.retryReceives());
  /** Messages of sends waiting {@linkcode UNTIMED}: a proxy's. */
  #untimed = new WeakSet<OutboundMessage>();
  /** What waiters of the next progress share (two flushes may wait at once). */
  #progress: PromiseWithResolvers<void> | undefined;
  #burst = 0;
  /** A message taken from the routing by `readable`, for the next `receive`. */
  #peeked: Message | undefined;
  #readableWaiters = new Set<() => void>();
  /**
   * Pipes gone with messages unread, and what left unwritten: for close's
   * summary, then forgotten.
   */
  readonly departed: Departed = new Departed();
  /** Messages read from unheard peers before their reading paused. */
  withheld = 0;
  #closing = new AbortController();

  constructor(settings: CoreSettings, events: SocketEventsController) {
    this.#settings = settings;
    this.events = events;
    this.routing = routingFactory(settings.type)(settings, this);
    this.#senders.keyBy(this.routing.sendKey?.bind(this.routing));
    _cores.set(settings, this);
  }

  get probeRouter(): boolean {
    return this.#settings.probeRouter;
  }

  get helloMessage(): Uint8Array | undefined {
    return this.#settings.helloMessage;
  }

  get sendPending(): boolean {
    return this.#senders.length > 0;
  }

  // ---- pipes and links -----------------------------------------------------

  /** A pipe; a transient one lives only while one link serves it. */
  newPipe(endpoint: string, accepted: boolean, transient: boolean): Pipe {
    const settings = this.#settings;
    return new Pipe({
      endpoint,
      accepted,
      transient,
      sendHighWaterMark: settings.sendHighWaterMark,
      receiveHighWaterMark: settings.receiveHighWaterMark,
      conflate: settings.conflate,
    });
  }

  attach(pipe: Pipe): void {
    if (pipe.state !== "new") return;
    pipe.state = "attached";
    this.pipes.add(pipe);
    // An `immediate` pipe comes back as itself, live, with today's marks.
    this.departed.forget(pipe);
    const { sendHighWaterMark: send, receiveHighWaterMark: receive } =
      this.#settings;
    pipe.setHighWaterMarks(send, receive);
    this.routing.attach?.(pipe);
    this.retrySends(pipe);
  }

  /**
   * Drops a pipe and its queue, which close's summary counts as dropped
   * (`countDropped`) for a peer that leaves (an accepted one's queue goes
   * with it, as libzmq's), a connect given up or disconnected, and any
   * peer leaving while the socket closes; a fan-out's only then: a PUB
   * drops what it had for one as at its HWM.
   */
  remove(pipe: Pipe, countDropped = false): void {
    this.retire(pipe);
    const dropped = pipe.dropOutbound();
    if (countDropped) this.departed.dropped += dropped;
    pipe.dropControl();
  }

  /** Routes nothing more to a pipe, whose link may still write its queue. */
  retire(pipe: Pipe): void {
    if (!pipe.attached) return;
    pipe.state = "removed";
    this.pipes.delete(pipe);
    if (pipe.inbound.length > 0) this.departed.note(pipe);
    this.routing.detach?.(pipe);
    // A send held back for this peer (xpubNoDrop) may go now.
    this.retrySends(pipe);
    this.progress();
  }

  /**
   * Serves a pipe with a link until the link ends: its `done` settles once
   * the socket has heard of the end.
   */
  serve(link: Link, pipe: Pipe): void {
    // An `immediate` connect pipe leaves with each link, back with the next.
    if (pipe.state === "removed" && pipe.transient && !this.closed) {
      pipe.state = "new";
    }
    pipe.link = link;
    this.links.set(link, pipe);
    if (pipe.accepted) {
      this.acceptedLinks++;
      acceptedInIsolate.count++;
    }
    link.start(new SocketSession(this, pipe, link));
    // Else the session hears (Session.ended), before `done` settles.
    if (!link.reportsEnd) {
      link.done.then((end) => this.linkEnded(link, pipe, end));
    }
  }

  /** A link ended: its pipe waits for the next, or leaves. */
  linkEnded(link: Link, pipe: Pipe, end: LinkEnd): void {
    this.links.delete(link);
    if (pipe.accepted) {
      this.acceptedLinks--;
      acceptedInIsolate.count--;
    }
    if (pipe.link === link) pipe.link = undefined;
    if (!this.routing.fansOut) this.departed.dropped += end.lost ?? 0;
    const lost = end.error !== undefined || end.closedByPeer === true;
    // As libzmq's HANDSHAKE_FAILED_NO_DETAIL: the peer hung up first, as on
    // a mechanism, key or type it refuses (it has our READY with our greeting).
    const unready = !pipe.ready && !pipe.refused && !pipe.closedHere;
    if (unready && !end.error && end.closedByPeer) {
      this.events.push({
        type: "handshake-failed",
        endpoint: pipe.endpoint,
        kind: "peer",
        reason: "the peer closed the connection during the handshake",
      });
    }
    if (pipe.ready) sayFarewell(this, this.#settings, pipe);
    if (pipe.state === "ready") pipe.state = "attached";
    pipe.dropControl();
    // As libzmq's DISCONNECTED: lost (even while we let it go), not ended.
    if (lost || (!this.closed && !pipe.closedHere)) {
      this.events.push({
        type: "disconnected",
        endpoint: pipe.endpoint,
        // The table's key: the id handed out may be written into, or gone
        // (its buffer transferred), and this copy is the app's to write.
        routingId: pipe.routingKey === undefined
          ? undefined
          : keyBytes(pipe.routingKey),
      });
    }
    // What it held is dropped; a fan-out's counted only if ours to deliver.
    const counted = pipe.closedHere || !this.routing.fansOut || this.closed;
    if (pipe.transient) this.remove(pipe, counted);
    else this.routing.disconnected?.(pipe);
    this.progress();
  }

  /** Settles once no link is served any more. */
  async whenServed(): Promise<void> {
    // Links served meanwhile too; each waited for once (their ends heard).
    const waited = new Set<Link>();
    for (;;) {
      const links = [...this.links.keys()].filter((link) => !waited.has(link));
      if (links.length === 0) return;
      for (const link of links) waited.add(link);
      await Promise.all(links.map((link) => link.done));
    }
  }

  // ---- sending and receiving -----------------------------------------------

  send(message: MessageLike, options: CoreOptions): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    // Abandoned before it began: nothing is sent.
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    let frames: OutboundMessage;
    try {
      frames = toFrames(message);
      // A message several peers get is theirs to share: never given up.
      if (options.transfer && !this.routing.fansOut) giveUp(frames);
      this.routing.check?.(frames);
      const free = this.#senders.length === 0 ||
        passesWaiting(this.#senders, this.routing, frames);
      if (free && this.#route(frames)) {
        if (++this.#burst < YIELD_EVERY) return Promise.resolve();
        this.#burst = 0;
        return new Promise((resolve) => macrotask(resolve));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // The proxy's, which nobody hears fail: counted dropped at close.
    if (options[UNTIMED]) this.#untimed.add(frames);
    return this.#senders.wait(frames, {
      signal: options.signal,
      timeout: options[UNTIMED] ? -1 : this.#settings.sendTimeout,
    });
  }

  receive(options: CoreOptions): Promise<Message> {
    if (this.closed) return Promise.reject(closedError());
    // Abandoned before it began: nothing is taken.
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    try {
      const message = this.takeQueued();
      // Reading the length (a message has a frame at least) shows V8's
      // optimizing compiler an array, whose prototypes have no `then`, so
      // resolving skips looking `then` up: 60 ns less a message measured.
      if (message !== undefined && message.length !== 0) {
        return Promise.resolve(message);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#receivers.wait(undefined, {
      signal: options.signal,
      timeout: options[UNTIMED] ? -1 : this.#settings.receiveTimeout,
    });
  }

  /** The next message if one is queued and no receive waits before it. */
  takeQueued(): Message | undefined {
    if (this.closed || this.#receivers.length > 0) return undefined;
    return this.#take();
  }

  get setAside(): boolean {
    return this.#peeked !== undefined;
  }

  dropSetAside(): void {
    this.#peeked = undefined;
  }

  /** See `Socket.readable`. */
  get readable(): boolean {
    if (this.closed) return false;
    if (this.#peeked) return true;
    if (this.#receivers.length > 0) return false;
    try {
      this.#peeked = this.#pull(true);
    } catch {
      return false;
    }
    return this.#peeked !== undefined;
  }

  /** Resolves when a message may have come, or closed, or aborted: `poll`'s. */
  whenReadable(signal: AbortSignal): Promise<void> {
    if (this.closed || this.readable) return Promise.resolve();
    return wait<void>({ signal }, (resolve) => {
      this.#readableWaiters.add(resolve);
      return () => this.#readableWaiters.delete(resolve);
    }).catch(() => {});
  }

  retrySends(pipe?: Pipe): void {
    const key = pipe && this.routing.pipeKey?.(pipe);
    retryInOrder(this.#senders, this.#tryRoute, key);
  }

  retryReceives(): void {
    while (this.#receivers.length > 0) {
      let message: Message | undefined;
      try {
        message = this.#take();
      } catch (error) {
        this.#receivers.rejectFirst(error);
        continue;
      }
      if (!message) return;
      this.#receivers.resolveFirst(message);
    }
  }

  delivered(): void {
    this.retryReceives();
    if (this.#readableWaiters.size > 0) this.#notifyReadable();
  }

  progress(): void {
    const progress = this.#progress;
    if (progress === undefined) return;
    this.#progress = undefined;
    progress.resolve();
  }

  /** Resolves at the next {@linkcode SocketCore.progress}. */
  nextProgress(): Promise<void> {
    return (this.#progress ??= withResolvers()).promise;
  }

  judge(
    credentials: Credentials,
    address: string,
    ended?: Promise<unknown>,
  ): Promise<Verdict> {
    return judgeFor(this.#settings, credentials, address, ended);
  }

  /** Aborts when the socket starts closing (a paused proxy watches it). */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Fails every waiting caller; says what went unread (one set aside)
   * and what is dropped (a proxy's sends, which nobody hears fail). */
  abandonCallers(): { unread: number; dropped: number } {
    // Before the closing signal, which withdraws a proxy's send uncounted.
    const abandoned = this.#senders.rejectAll(closedError());
    this.#closing.abort(closedError());
    const unread = this.#peeked ? 1 : 0;
    this.#peeked = undefined;
    this.#notifyReadable();
    this.#receivers.rejectAll(closedError());
    const dropped = abandoned.filter((frames) => this.#untimed.has(frames));
    return { unread, dropped: dropped.length };
  }

  #tryRoute = (frames: OutboundMessage): boolean => this.#route(frames);

  #route(frames: OutboundMessage): boolean {
    const routing = this.routing;
    if (!routing.send) {
      throw new ZmqError(
        "ENOTSUP",
        `a ${this.#settings.type} socket cannot send`,
      );
    }
    return routing.send(frames);
  }

  #pull(aside = false): Message | undefined {
    const routing = this.routing;
    if (!routing.receive) {
      throw new ZmqError(
        "ENOTSUP",
        `a ${this.#settings.type} socket cannot receive`,
      );
    }
    return aside && routing.peek ? routing.peek() : routing.receive();
  }

  #take(): Message | undefined {
    const peeked = this.#peeked;
    if (!peeked) return this.#pull();
    this.#peeked = undefined;
    this.routing.tookAside?.();
    return peeked;
  }

  /** The callers of {@linkcode whenReadable} not told yet. */
  get readableWaiters(): number {
    return this.#readableWaiters.size;
  }

  #notifyReadable(): void {
    // Each waiter is told once: kept, a settled poll's stayed for good.
    const waiters = [...this.#readableWaiters];
    this.#readableWaiters.clear();
    for (const waiter of waiters) waiter();
  }
}
