/**
 * The session: the socket's side of one link, between the link's events
 * and the pipe it serves.
 *
 * @module
 */

import type { Credentials, Verdict } from "../codec/authentication.ts";
import type { PeerInfo } from "../codec/connection.ts";
import type {
  Link,
  LinkEnd,
  LinkEvent,
  MessageWriter,
  Session,
} from "../transport/transport.ts";
import type { ProtocolError } from "../codec/errors.ts";
import { isGoodbye } from "../codec/_websocket_close.ts";
import type { SocketEvent, SocketEventsController } from "./events.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing } from "./_routing.ts";

/** What a session needs of its socket. */
export interface SessionHost {
  readonly routing: Routing;
  readonly events: SocketEventsController;
  /** Whether to greet each new peer with an empty message (ZMQ_PROBE_ROUTER). */
  readonly probeRouter: boolean;
  /** A message to send each new link first (ZMQ_HELLO_MSG, draft). */
  readonly helloMessage?: Uint8Array | undefined;
  /** A transient pipe joins the routing at its handshake. */
  attach(pipe: Pipe): void;
  /** A message was queued for reading. */
  delivered(): void;
  /** Queues drained or a peer came: what `close` waits on may have changed. */
  progress(): void;
  /** Routing may now succeed for waiting sends (those for `pipe`, keyed). */
  retrySends(pipe?: Pipe): void;
  /** Messages read from unheard peers, never delivered: unread at close. */
  withheld: number;
  /** Asks the authenticator; `ended` settles when the asking link ends. */
  judge(
    credentials: Credentials,
    address: string,
    ended?: Promise<unknown>,
  ): Promise<Verdict>;
  /** A link ended: its pipe waits for the next, or leaves. */
  linkEnded(link: Link, pipe: Pipe, end: LinkEnd): void;
}

/** The socket's side of one link serving one pipe. */
export class SocketSession implements Session {
  #host: SessionHost;
  #pipe: Pipe;
  #link: Link;
  #handshaken = false;

  constructor(host: SessionHost, pipe: Pipe, link: Link) {
    this.#host = host;
    this.#pipe = pipe;
    this.#link = link;
    pipe.refused = false;
  }

  ended(end: LinkEnd): void {
    this.#host.linkEnded(this.#link, this.#pipe, end);
  }

  heard(): boolean {
    const routing = this.#host.routing;
    return !routing.heard || routing.heard(this.#pipe);
  }

  keeps(): boolean {
    const pipe = this.#pipe;
    return this.#handshaken && pipe.state !== "removed" && !pipe.closedHere &&
      !pipe.unheard && this.heard();
  }

  handle(event: LinkEvent): boolean {
    const pipe = this.#pipe;
    const host = this.#host;
    if (pipe.state === "removed") {
      // Retired by `disconnect`: its link only writes what was queued, as
      // libzmq's terminated pipe takes nothing more (reading pauses).
      if (event.type === "message") return false;
      if (event.type === "subscribe" || event.type === "cancel") return true;
    }
    switch (event.type) {
      case "message":
        // Refused at its handshake (DGRAM's second bind): what its link
        // sent on the way out is nobody's (and its pipe may hold what a
        // peer before it left unread).
        if (!this.#handshaken) return false;
        if (pipe.closedHere) return true;
        // Unheard (PAIR's second peer): read no more, as libzmq's session
        // without a pipe stops its engine's input.
        if (!this.heard()) {
          host.withheld++;
          return false;
        }
        if (pipe.conflate && pipe.inbound.length > 0) {
          // Already queued for reading: replace, do not announce again.
          pipe.inbound.clear();
          pipe.inbound.push(event.frames);
        } else {
          pipe.inbound.push(event.frames);
          host.routing.arrived?.(pipe);
        }
        host.delivered();
        // An anonymous ROUTER peer's messages are not kept: what its pipe
        // holds from before does not pause this link (its routing says).
        if (pipe.unheard) return this.heard();
        return !pipe.inboundFull;
      case "ready":
        return this.#ready(event.peer);
      case "authenticate":
        host.judge(
          event.credentials,
          this.#link.remoteAddress,
          this.#link.done,
        ).then(
          (verdict) => this.#link.authenticated?.(verdict),
        );
        return true;
      case "subscribe":
      case "cancel":
        host.routing.subscription?.(
          pipe,
          event.topic,
          event.type === "subscribe",
        );
        return true;
      case "refused":
        pipe.refused = true;
        host.events.push(_failure("handshake-failed", pipe, event.error));
        return true;
      case "error":
        // Refused already (a 300): its deadline ends it in silence, as
        // libzmq tells only the disconnect then.
        if (pipe.refused) return false;
        // A goodbye once ready (a WebSocket close) ends the connection as a
        // hang-up does: `disconnected` alone, as libzmq's monitor tells it.
        if (this.#handshaken && isGoodbye(event.error)) return false;
        host.events.push(
          _failure(
            this.#handshaken ? "protocol-error" : "handshake-failed",
            pipe,
            event.error,
          ),
        );
        return false;
    }
  }

  fill(writer: MessageWriter, batchBytes: number, deferred = false): void {
    if (!this.#handshaken) return;
    const pipe = this.#pipe;
    const wasFull = pipe.full;
    if (pipe.controlPending) {
      pipe.writeWithControl(writer, batchBytes);
    } else {
      const outbound = pipe.outbound;
      while (outbound.length > 0 && writer.pendingOutputBytes < batchBytes) {
        writer.sendMessage(outbound.shift()!);
      }
    }
    if (wasFull && !pipe.full) {
      const drained = () => {
        if (pipe.full) return; // filled again meanwhile: told when it drains
        this.#host.routing.drained?.(pipe);
        this.#host.retrySends(pipe);
      };
      // From inside a routing decision (a pipe found full hands its queue
      // over at once): the routing is told after it, not in its middle.
      if (deferred) queueMicrotask(drained);
      else drained();
    }
    if (pipe.outbound.length === 0) this.#host.progress();
  }

  #ready(peer: PeerInfo): boolean {
    const pipe = this.#pipe;
    const host = this.#host;
    peer.address = this.#link.remoteAddress;
    pipe.peer = peer;
    if (pipe.closedHere) {
      // Disconnected while it connected: it writes out what it holds, and
      // nothing more is routed to it or read from it.
      this.#handshaken = true;
      this.#link.wake();
      return true;
    }
    if (pipe.transient) host.attach(pipe);
    // Ahead of all, for each link, as libzmq's session pulls it first.
    const hello = host.helloMessage;
    // A copy each: an inproc peer gets the frame itself.
    if (hello) {
      pipe.writeControl((writer) => writer.sendMessage([hello.slice()]));
    }
    // A transient pipe stands for libzmq's new pipe of each connection.
    if (host.probeRouter && (!pipe.probed || pipe.transient)) {
      pipe.probed = true;
      pipe.writeControl((writer) => writer.sendMessage([new Uint8Array(0)]));
    }
    pipe.state = "ready";
    if (host.routing.ready && !host.routing.ready(pipe)) {
      pipe.state = "attached";
      this.#link.close();
      return false;
    }
    this.#handshaken = true;
    host.events.push({
      type: "handshake-succeeded",
      endpoint: pipe.endpoint,
      peer,
      routingId: pipe.routingId?.slice(), // the app's to write into
    });
    host.progress();
    this.#link.wake();
    return true;
  }
}

/** A failure's event; a refusal's carries its ZAP status code. */
function _failure(
  type: "handshake-failed" | "protocol-error",
  pipe: Pipe,
  error: ProtocolError,
): SocketEvent {
  const { kind, message: reason, statusCode } = error;
  const endpoint = pipe.endpoint;
  if (type === "protocol-error" || statusCode === undefined) {
    return { type, endpoint, kind, reason };
  }
  return { type, endpoint, kind, reason, statusCode };
}
