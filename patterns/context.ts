/**
 * The context: the set of sockets an application closes together.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { InprocSide } from "../transport/inproc.ts";
import type { Link } from "../transport/pump.ts";
import type { Verdict } from "../codec/authentication.ts";
import type { CloseSummary, Socket } from "./socket.ts";
import {
  _zapReplyId,
  _zapReplyVerdict,
  _zapRequestFrames,
  type AuthenticationRequest,
  type Authenticator,
} from "./authentication.ts";
import type { Dealer } from "./dealer.ts";

/** Options of a {@linkcode Context}. */
export interface ContextOptions {
  /**
   * Judges the clients of every server socket (PLAIN, CURVE, or NULL with a
   * `zapDomain`) that has no authenticator of its own.
   */
  authenticate?: Authenticator;
}

/**
 * @internal A connecting socket's offer to link with a binder: called with
 * the binder's side, it returns the binder's link.
 */
export type InprocOffer = (binder: InprocSide) => Link;

let _default: Context | undefined;

/**
 * Tracks every socket made with it; closing the context closes them all,
 * each flushing within its linger. Works with `await using`.
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
  #sockets = new Set<Socket>();
  #zap: Dealer | undefined;
  #zapPending = new Map<string, (verdict: Verdict) => void>();
  #zapNextId = 1;
  #inprocBinders = new Map<string, (offer: InprocOffer) => void>();
  #inprocWaiting = new Map<string, Set<InprocOffer>>();

  /**
   * Makes a context.
   *
   * @param options An authenticator for its server sockets.
   */
  constructor(options: ContextOptions = {}) {
    this.authenticate = options.authenticate;
  }

  /** The context of sockets made without one. */
  static get default(): Context {
    return _default ??= new Context();
  }

  /** The sockets open in this context. */
  get sockets(): ReadonlySet<Socket> {
    return this.#sockets;
  }

  /** @internal A socket joins the context. */
  _register(socket: Socket): void {
    this.#sockets.add(socket);
  }

  /** @internal A closed socket leaves the context. */
  _unregister(socket: Socket): void {
    this.#sockets.delete(socket);
  }

  /**
   * @internal Binds an inproc name; links the connects that were waiting.
   *
   * @returns A function that unbinds it.
   * @throws {ZmqError} `EADDRINUSE` if the name is bound already.
   */
  _bindInproc(name: string, accept: (offer: InprocOffer) => void): () => void {
    if (this.#inprocBinders.has(name)) {
      throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    this.#inprocBinders.set(name, accept);
    const waiting = this.#inprocWaiting.get(name);
    this.#inprocWaiting.delete(name);
    for (const offer of waiting ?? []) accept(offer);
    return () => {
      if (this.#inprocBinders.get(name) === accept) {
        this.#inprocBinders.delete(name);
      }
    };
  }

  /**
   * @internal Connects to an inproc name now, or as soon as it is bound.
   *
   * @returns A function that withdraws a connect still waiting.
   */
  _connectInproc(name: string, offer: InprocOffer): () => void {
    const accept = this.#inprocBinders.get(name);
    if (accept) {
      accept(offer);
      return () => {};
    }
    let waiting = this.#inprocWaiting.get(name);
    if (!waiting) this.#inprocWaiting.set(name, waiting = new Set());
    waiting.add(offer);
    return () => waiting.delete(offer);
  }

  /** @internal Whether an inproc name is bound. */
  _hasInproc(name: string): boolean {
    return this.#inprocBinders.has(name);
  }

  /**
   * @internal Asks the ZAP handler bound to inproc://zeromq.zap.01, over a
   * DEALER of our own; replies are matched by request id.
   */
  async _zap(request: AuthenticationRequest): Promise<Verdict> {
    if (!this.#zap) {
      // Imported here: dealer.ts depends on socket.ts, which depends on us.
      const { Dealer } = await import("./dealer.ts");
      if (!this.#zap) {
        const zap = this.#zap = new Dealer({ context: this, linger: 0 });
        zap.connect("inproc://zeromq.zap.01");
        (async () => {
          for await (const [, ...reply] of zap) {
            const id = _zapReplyId(reply);
            this.#zapPending.get(id)?.(_zapReplyVerdict(reply));
            this.#zapPending.delete(id);
          }
        })();
      }
    }
    const id = String(this.#zapNextId++);
    const verdict = new Promise<Verdict>((resolve) =>
      this.#zapPending.set(id, resolve)
    );
    await this.#zap.send([new Uint8Array(), ..._zapRequestFrames(id, request)]);
    return await verdict;
  }

  /**
   * Closes every socket of the context.
   *
   * @returns Settles when all are closed (each within its linger), with
   * the messages they dropped and left unread, summed.
   */
  async close(): Promise<CloseSummary> {
    const summaries = await Promise.all(
      [...this.#sockets].map((socket) => socket.close()),
    );
    this.#zap = undefined;
    for (const resolve of this.#zapPending.values()) {
      resolve({
        statusCode: 500,
        statusText: "the context closed",
        userId: "",
      });
    }
    this.#zapPending.clear();
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
