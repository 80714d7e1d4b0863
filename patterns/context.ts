/**
 * The context: the set of sockets an application closes together, and the
 * scope of their `inproc://` names and ZAP handler.
 *
 * @module
 */

import type { SocketType } from "../codec/socket_type.ts";
import type { Authenticator } from "./authentication.ts";
import { ZmqError } from "../codec/errors.ts";
import { closeZapClient } from "./_zap.ts";
import {
  closeInproc,
  joinInproc,
  leaveInproc,
  shareInproc,
} from "../transport/inproc.ts";

/** Options of a {@linkcode Context}. */
export interface ContextOptions {
  /**
   * Judges the clients of every server socket (PLAIN, CURVE, or NULL with a
   * `zapDomain`) that has no authenticator of its own.
   */
  authenticate?: Authenticator | undefined;
  /**
   * Joins the context another isolate shared (see
   * {@linkcode Context.share}): `inproc://` names are then one namespace
   * across both.
   */
  shared?: SharedContext | undefined;
}

/**
 * A context's `inproc://` names, to hand to a Worker: post it with its port
 * in the transfer list, `worker.postMessage(shared, [shared.port])`, and
 * make the Worker's context with `new Context({ shared })`.
 */
export interface SharedContext {
  /** The port the Worker's context reaches the others through. */
  readonly port: MessagePort;
}

/** What closing a socket (or a context) left behind. */
export interface CloseSummary {
  /**
   * Messages queued to send and never written, because linger ran out or no
   * peer took them: those still in the socket's queues, and those queued
   * for a peer that left (but a PUB's, which drops for a peer as at its
   * high-water mark). What a connection
   * had already taken to write (a stream's last batch: about 128 KiB of
   * messages, or one larger message; an `epgm` publisher's rate-paced
   * window, up to 64 KiB) is not counted. Counted too: messages that were
   * crossing to an `inproc://` peer in another isolate when it closed.
   */
  dropped: number;
  /** Messages received and never read. */
  unread: number;
}

/** A socket as its context sees it: something to close with the rest. */
export interface ContextMember {
  /** The ZMTP socket type. */
  readonly type: SocketType;
  /** Whether `close()` has been called. */
  readonly closed: boolean;
  /** Closes the socket within its linger. */
  close(): Promise<CloseSummary>;
}

let _default: Context | undefined;
let _members: (context: Context) => Set<ContextMember>;

/**
 * Tracks every socket made with it; closing the context closes them all,
 * each flushing within its linger. `inproc://` names are scoped to it.
 * Works with `await using`.
 *
 * @example
 * ```ts
 * import { Context, Pull } from "@zmtp/zmq";
 *
 * {
 *   await using context = new Context();
 *   const pull = new Pull({ context });
 *   await pull.bind("tcp://127.0.0.1:0");
 * } // every socket of the context is closed here
 * ```
 */
export class Context implements AsyncDisposable {
  /** See {@linkcode ContextOptions.authenticate}. */
  authenticate: Authenticator | undefined;
  #sockets = new Set<ContextMember>();
  #closed = false;

  static {
    _members = (context) => context.#sockets;
  }

  /**
   * Makes a context.
   *
   * @param options An authenticator for its server sockets; the handle
   * of a context another isolate shared, to join it.
   * @throws {ZmqError} `EINVAL` for a handle that joined a context already
   * (share one for each), or an option it does not take.
   */
  constructor(options: ContextOptions = {}) {
    // As a socket's: a name it does not take would change nothing, silently
    // (libzmq's ioThreads, maxSockets: a zeromq.js context takes them).
    for (const name of Object.keys(options)) {
      if (name !== "authenticate" && name !== "shared") {
        throw new ZmqError("EINVAL", `Context takes no option "${name}"`);
      }
    }
    this.authenticate = options.authenticate;
    if (options.shared) joinInproc(this, options.shared.port);
  }

  /**
   * Shares this context's `inproc://` names with another isolate (a Web
   * Worker): a socket there can connect to a name bound here, and the
   * other way round, in any order. Messages cross packed into one
   * transferred buffer per burst; the frames you send are copied into it,
   * so you keep yours, unless you give them up: frames of 16 KiB or more
   * sent with `send(…, { transfer: true })` cross in their own buffers,
   * transferred, not copied, and detached here (see `SendOptions`).
   *
   * @example
   * ```ts ignore
   * const context = new Context();
   * const shared = context.share();
   * worker.postMessage(shared, [shared.port]);
   * // In the Worker: new Context({ shared: event.data })
   * ```
   *
   * The first isolate to share a context keeps the register of its names
   * for all of them: should it end (a Worker terminated or crashed),
   * connections already made go on, but `inproc://` binds and connects in
   * this context fail with `ETERM` from then on (a connect retries, as it
   * would to a tcp peer that is gone).
   *
   * @returns A handle for one isolate (call again for each).
   * @throws {ZmqError} `ETERM` once the context is closed, or the isolate
   * that first shared it has ended; `ENOTSUP` where a `MessagePort` cannot
   * transfer (Cloudflare's workerd, which has no Workers either).
   */
  share(): SharedContext {
    if (this.#closed) {
      throw new ZmqError("ETERM", "the context is closed: it shares nothing");
    }
    return { port: shareInproc(this) };
  }

  /** The context of sockets made without one. */
  static get default(): Context {
    return _default ??= new Context();
  }

  /** The sockets open in this context. */
  get sockets(): ReadonlySet<ContextMember> {
    return this.#sockets;
  }

  /** Whether {@linkcode Context.close} was called: no socket joins it then. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closes every socket of the context. A connect waiting for an
   * `inproc://` name that no socket bound ends at once, what it queued
   * dropped whatever its linger (in this isolate; libzmq's context end
   * does so too), as no binder can come.
   *
   * @returns Settles when all are closed (each within its linger), with
   * the messages they dropped and left unread, summed.
   */
  async close(): Promise<CloseSummary> {
    this.#closed = true;
    // Sockets made without a context from now on join a new default one.
    if (_default === this) _default = undefined;
    let summaries: CloseSummary[];
    try {
      const closing = [...this.#sockets].map((socket) => socket.close());
      // As libzmq's context end: a connect waiting for a name no socket
      // bound ends, and what it queued is dropped, whatever its linger.
      closeInproc(this);
      summaries = await Promise.all(closing);
    } finally {
      // The other isolates hear of it whatever a socket's close did.
      leaveInproc(this);
    }
    closeZapClient(this, "the context closed");
    return {
      dropped: summaries.reduce((sum, summary) => sum + summary.dropped, 0),
      unread: summaries.reduce((sum, summary) => sum + summary.unread, 0),
    };
  }

  /** Closes the context, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The live set of a context's open sockets, for the sockets themselves. */
export function contextMembers(context: Context): Set<ContextMember> {
  return _members(context);
}
