/**
 * A socket's endpoints: binding and connecting through the transport
 * registry, whatever the scheme, and undoing both.
 *
 * @module
 */

import { admitsAnother } from "../transport/_descriptor_limit.ts";
import { ZmqError } from "../codec/errors.ts";
import type { SocketType } from "../codec/socket_type.ts";
import { Dialer } from "../transport/dialer.ts";
import { findTransport } from "../transport/registry.ts";
import { acceptWebSocket } from "../transport/websocket_accept.ts";
import type {
  Link,
  Transport,
  TransportListener,
} from "../transport/transport.ts";
import { ws } from "../transport/ws.ts";
import type { SocketEventsController } from "./events.ts";
import type { ConnectOptions } from "./options.ts";
import { closedError, type SocketCore } from "./_core.ts";
import { flushPipe } from "./_linger.ts";
import type { MechanismFactory } from "./_mechanism_factory.ts";
import { type EndpointSettings, linkOptions } from "./_link_options.ts";
import type { Pipe } from "./_pipe.ts";
import { connectRoutingId } from "./_resolve_options.ts";
import {
  checkCompatible,
  checkRoutingIdFree,
  type Connect,
  inScheme,
  lookUp,
  transportOf,
} from "./_endpoint_rules.ts";

/** A listener, with the endpoint given and the one bound (in its scheme). */
type _Bound = { given: string; bound: string; listener: TransportListener };

/** A connect, and what dials its peer. */
type _Connected = Connect & { dialer: Dialer };

/** How to let go of each `connect` pipe for good. */
const _drops = new WeakMap<Pipe, () => void>();

/**
 * Lets go of a peer for good, as a STREAM socket does when told to close
 * one: closes its connection and, for a `connect` peer, stops redialling
 * and drops its pipe, as `disconnect` would.
 */
export function hangUp(pipe: Pipe): void {
  const drop = _drops.get(pipe);
  if (drop) drop();
  else pipe.link?.close();
}

/** Types whose `connect` to an endpoint they hold already does nothing. */
const _SINGLE_CONNECT = new Set<SocketType>(["DEALER", "REQ", "SUB", "PUB"]);

/** Where a socket listens and what it connects to. */
export class Endpoints {
  /** The endpoint of the last `bind` (with the real port) or `connect`. */
  last: string | undefined;
  #settings: EndpointSettings;
  #core: SocketCore;
  #events: SocketEventsController;
  #mechanism: MechanismFactory;
  #listeners: _Bound[] = [];
  /** Binds under way (not inproc's): close waits for their listeners. */
  #binding = new Set<Promise<void>>();
  /** By endpoint as given: a disconnect or a second connect finds it at once. */
  #dialers = new Map<string, Set<_Connected>>();
  /** The dialers and pipes of `disconnect`s still writing what is queued. */
  #leaving = new Map<Dialer, Pipe>();

  constructor(
    settings: EndpointSettings,
    core: SocketCore,
    events: SocketEventsController,
    mechanism: MechanismFactory,
  ) {
    this.#settings = settings;
    this.#core = core;
    this.#events = events;
    this.#mechanism = mechanism;
  }

  async bind(endpoint: string): Promise<string> {
    // In process, a bind holds no address, and may wait on what only the
    // context's close frees.
    if (transportOf(endpoint)?.inProcess) return await this.#bind(endpoint);
    const bound = this.#bind(endpoint);
    const settled = bound.then(() => {}, () => {});
    this.#binding.add(settled);
    settled.then(() => this.#binding.delete(settled));
    return await bound; // a failure the caller's, as ever: its promise rejects
  }

  async #bind(endpoint: string): Promise<string> {
    const core = this.#core;
    if (core.closed) throw closedError();
    let listener: TransportListener;
    let transport: Transport;
    // Links accepted while binding (inproc dialers waiting for the name,
    // udp's one link) are told after "listening", as any other.
    const early: [Link, string][] = [];
    let accept = (link: Link, bound: string): void => {
      early.push([link, bound]);
    };
    try {
      // As libzmq: the socket type before the address (check_protocol).
      const found = findTransport(endpoint);
      transport = found.transport;
      const address = found.address;
      checkCompatible(this.#settings.type, transport, "bind");
      transport.check(address, "bind");
      listener = await transport.listen(
        address,
        linkOptions(this.#settings, this.#mechanism, {
          admit: (bound) => this.#admit(inScheme(bound, transport)),
          acceptFailed: (failure) =>
            this.#events.push({
              type: "accept-failed",
              ...failure,
              endpoint: inScheme(failure.endpoint, transport),
            }),
        }),
        (link, bound) => accept(link, inScheme(bound, transport)),
      );
    } catch (error) {
      this.#events.push({
        type: "bind-failed",
        endpoint,
        code: error instanceof ZmqError ? error.code : "EINVAL",
        reason: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    accept = (link, bound) => this.#accept(link, bound, transport);
    const bound = inScheme(listener.endpoint, transport);
    if (core.closed) {
      for (const [link, at] of early) this.#accept(link, at, transport);
      await listener.close();
      // Accepted after close() closed every link (udp's is the address).
      await Promise.all(this.#closeAccepted(bound));
      throw new ZmqError("ETERM", "the socket was closed while binding");
    }
    this.#listeners.push({ given: endpoint, bound, listener });
    this.last = bound;
    this.#events.push({ type: "listening", endpoint: bound });
    for (const [link, at] of early) this.#accept(link, at, transport);
    return bound;
  }

  /** Serves a peer accepted at a bound endpoint, unless there are too many. */
  #accept(link: Link, bound: string, transport: Transport): void {
    if (!this.#admit(bound)) return link.close(); // (ws has no `admit`)
    // Where it reached us.
    const local = link.localEndpoint;
    const endpoint = local === undefined ? bound : inScheme(local, transport);
    this.#events.push({ type: "accepted", endpoint });
    const pipe = this.#core.newPipe(endpoint, true, true);
    pipe.boundAt = bound;
    pipe.transport = transport;
    this.#core.serve(link, pipe);
  }

  /** Whether one more accepted peer fits under `maxConnections`. */
  #admit(endpoint: string): boolean {
    const maxConnections = this.#settings.maxConnections;
    if (admitsAnother(maxConnections, this.#core.acceptedLinks)) return true;
    this.#events.push({ type: "accept-refused", endpoint, maxConnections });
    return false;
  }

  async unbind(endpoint: string): Promise<void> {
    if (this.#core.closed) throw closedError();
    // As libzmq: EINVAL, EPROTONOSUPPORT.
    const { address } = findTransport(endpoint);
    // A wildcard (`ipc://*`, port 0 or `*`) names no one listener: only
    // the endpoint it was bound at does, as in libzmq. (A `*` host with a
    // port names one: kept, where libzmq asks for the bound endpoint.)
    const named = !/^\*|:(0+|\*)(\/|$)/.test(address);
    const index = lookUp(endpoint, (spelling) => {
      const at = this.#listeners.findIndex(({ given, bound }) =>
        (named && given === spelling) || bound === spelling
      );
      return at < 0 ? undefined : at;
    });
    if (index === undefined) {
      throw new ZmqError("ENOENT", `${endpoint} is not bound on this socket`);
    }
    const [{ listener, bound }] = this.#listeners.splice(index, 1);
    await listener.close();
    if (listener.keepsLinks) return;
    // Released once they have ended (udp's link holds the address).
    await Promise.all(this.#closeAccepted(bound));
  }

  /**
   * Closes every link accepted at a bound endpoint, including those still
   * in their handshake (not attached yet).
   *
   * @returns When each has ended.
   */
  #closeAccepted(endpoint: string): Promise<unknown>[] {
    const closed: Promise<unknown>[] = [];
    for (const [link, pipe] of this.#core.links) {
      if (pipe.accepted && pipe.boundAt === endpoint) {
        pipe.closedHere = true;
        link.close();
        closed.push(link.done);
      }
    }
    return closed;
  }

  connect(endpoint: string, options: ConnectOptions): void {
    const settings = this.#settings;
    const core = this.#core;
    const events = this.#events;
    if (core.closed) throw closedError();
    const { transport, address } = findTransport(endpoint);
    checkCompatible(settings.type, transport, "connect");
    transport.check(address, "connect");
    const assignedRoutingId = connectRoutingId(settings.type, options);
    if (assignedRoutingId) {
      checkRoutingIdFree(assignedRoutingId, this.#dialers.values());
    }
    // As libzmq: a second pipe to one peer would duplicate or split what
    // goes between them (inproc aside, as libzmq's).
    if (
      _SINGLE_CONNECT.has(settings.type) && !transport.inProcess &&
      this.#holds(endpoint)
    ) return;
    // As libzmq: a udp pipe is made at connect whatever `immediate` says
    // (no handshake would ever make it).
    const immediate = settings.immediate && !transport.subscribesToAll;
    const pipe = core.newPipe(endpoint, false, immediate);
    pipe.assignedRoutingId = assignedRoutingId;
    pipe.transport = transport;
    const links = linkOptions(this.#settings, this.#mechanism);
    this.last = endpoint;
    // Attached before dialling: a peer there already (inproc's bound
    // name) is linked within this call, as libzmq's connect makes its pipe.
    if (!immediate) core.attach(pipe);
    const dialer = new Dialer({
      reconnectInterval: settings.reconnectInterval,
      reconnectIntervalMax: settings.reconnectIntervalMax,
    }, {
      dial: (signal) => transport.dial(address, links, signal),
      dialNow: transport.dialNow && (() => transport.dialNow!(address, links)),
      serve: (link) => {
        events.push({ type: "connected", endpoint });
        core.serve(link, pipe);
        return link.done;
      },
      onAttempt: transport.dialTakesTime
        ? () => events.push({ type: "connect-delayed", endpoint })
        : undefined,
      onRetry: (interval, error) => {
        // No peer can come any more (an inproc name unbound as its context
        // closes): what is queued for it goes, as libzmq's context end
        // drops it, instead of holding the close for the linger.
        if (
          core.closed && error instanceof ZmqError && error.code === "ETERM"
        ) {
          core.remove(pipe, true);
          core.progress();
          void dialer.close(); // nothing is to link to it any more
          return;
        }
        events.push({
          type: "connect-retried",
          endpoint,
          interval,
          reason: error instanceof Error ? error.message : String(error),
        });
      },
      // As libzmq ends the endpoint when it will not reconnect: its pipe
      // leaves, so nothing more is routed to a peer that cannot come back.
      // (At once: the dialer's loop has ended, and no link is left.) Ended
      // by a protocol error, the endpoint stays listed (`disconnect` of it
      // succeeds), as libzmq's session terminates without forgetting it.
      // (Never within `new Dialer`: a link served at once ends later.)
      onGiveUp: (refused, failed) => {
        // Let go of already (disconnect, close): told nothing; its wait ends.
        if (!core.closed && !pipe.closedHere) {
          const reason = refused?.message ?? failed ??
            "the link ended; reconnection is off";
          events.push({ type: "connect-abandoned", endpoint, reason });
          if (failed !== undefined) return; // its pipe stays, as libzmq's
        }
        if (!refused) this.#forget(entry);
        entry.givenUp = true;
        core.remove(pipe, true);
        core.progress();
      },
    });
    const entry: _Connected = { endpoint, dialer, pipe };
    const same = this.#dialers.get(endpoint);
    if (same) same.add(entry);
    else this.#dialers.set(endpoint, new Set([entry]));
    _drops.set(pipe, () => void this.#drop(entry));
  }

  /** Whether `endpoint` is connected, or bound (as bind resolved it). */
  #holds(endpoint: string): boolean {
    return this.#dialers.has(endpoint) ||
      this.#listeners.some(({ bound }) => bound === endpoint);
  }

  async disconnect(endpoint: string): Promise<void> {
    // Closing took every pipe over (and counts what they hold).
    if (this.#core.closed) throw closedError();
    findTransport(endpoint); // as libzmq: EINVAL, EPROTONOSUPPORT
    const entries = lookUp(endpoint, (spelling) => {
      const found = this.#dialers.get(spelling);
      return found && [...found];
    });
    if (!entries) {
      throw new ZmqError(
        "ENOENT",
        `${endpoint} is not connected on this socket`,
      );
    }
    const linger = this.#settings.linger;
    await Promise.all(entries.map((entry) => this.#drop(entry, linger)));
  }

  /**
   * Stops dialling one `connect` pipe, closes its link and drops it: with
   * `linger`, once its link has written what was queued, or after `linger`
   * ms (-1: however long it takes; 0: what it writes without waiting), as
   * libzmq's `zmq_disconnect`; nothing more is routed to it meanwhile.
   */
  async #drop(entry: _Connected, linger = 0): Promise<void> {
    this.#forget(entry);
    const { dialer, pipe } = entry;
    pipe.closedHere = true;
    // Out of the routing first, so that sends waiting for room go to the
    // other peers, not into this pipe as it empties; then inproc's queue
    // goes to its peer, whose it is already, as in libzmq.
    this.#core.retire(pipe);
    pipe.link?.surrender?.();
    // With no link up yet, the dialer goes on connecting for what is
    // queued, as libzmq's session does within linger; with one, the link
    // it serves goes on (closing a dialer ends its loop only).
    const connecting = linger !== 0 && !pipe.link && dialer.dialling &&
      (pipe.outbound.length > 0 || pipe.controlPending);
    const closing = connecting ? undefined : dialer.close();
    if (pipe.link || connecting) {
      this.#leaving.set(dialer, pipe);
      // Its own linger holds while the socket closes too (as libzmq's
      // session keeps it): close drops what is left at its own.
      await flushPipe(this.#core, pipe, linger);
      this.#leaving.delete(dialer);
    }
    pipe.link?.close();
    // What a disconnect could not write counts as dropped at close: now,
    // so that a close starting meanwhile finds it counted, and its wait
    // for what this pipe held ends.
    this.#core.remove(pipe, true);
    this.#core.progress();
    await (closing ?? dialer.close());
  }

  /** Takes a `connect` off the list `disconnect` and close go by. */
  #forget(entry: _Connected): void {
    const same = this.#dialers.get(entry.endpoint);
    if (same?.delete(entry) && same.size === 0) {
      this.#dialers.delete(entry.endpoint);
    }
  }

  /** Serves a WebSocket upgrade from an HTTP handler as an accepted peer. */
  upgrade(
    request: Request,
    info?: { readonly remoteAddr?: object },
  ): Response {
    if (this.#core.closed) throw closedError();
    const { hostname } = (info?.remoteAddr ?? {}) as { hostname?: unknown };
    const remoteAddress = typeof hostname === "string" ? hostname : "";
    checkCompatible(this.#settings.type, ws, "bind");
    const url = new URL(request.url);
    const endpoint = `ws://${url.host}${url.pathname}`;
    // As a bound endpoint counts its peers (the event says why).
    if (!this.#admit(endpoint)) {
      return new Response("too many connections\n", { status: 503 });
    }
    const { response, link, refusal } = acceptWebSocket(
      request,
      linkOptions(this.#settings, this.#mechanism),
      remoteAddress,
    );
    if (!link) {
      this.#events.push({
        type: "handshake-failed",
        endpoint,
        kind: refusal!.kind,
        reason: refusal!.message,
      });
      return response;
    }
    this.#events.push({ type: "accepted", endpoint });
    const pipe = this.#core.newPipe(endpoint, true, true);
    pipe.transport = ws;
    this.#core.serve(link, pipe);
    return response;
  }

  async closeListeners(): Promise<void> {
    // A bind under way holds its port already; closed, it lets it go.
    await Promise.all(this.#binding);
    const listeners = this.#listeners.splice(0);
    await Promise.all(listeners.map(({ listener }) => listener.close()));
  }

  async closeDialers(): Promise<void> {
    const dialers = [...this.#dialers.values()].flatMap((same) =>
      [...same].map(({ dialer }) => dialer)
    );
    this.#dialers.clear();
    const leaving = [...this.#leaving.keys()];
    this.#leaving.clear();
    await Promise.all([...dialers, ...leaving].map((d) => d.close()));
  }

  leavingPipes(): Pipe[] {
    return [...this.#leaving.values()];
  }
}
