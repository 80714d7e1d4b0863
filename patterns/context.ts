/**
 * The context: the set of sockets an application closes together.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { InprocSide } from "../transport/inproc.ts";
import type { Link } from "../transport/pump.ts";
import type { Socket } from "./socket.ts";

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
  #sockets = new Set<Socket>();
  #inprocBinders = new Map<string, (offer: InprocOffer) => void>();
  #inprocWaiting = new Map<string, Set<InprocOffer>>();

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

  /**
   * Closes every socket of the context.
   *
   * @returns Settles when all are closed (each within its linger).
   */
  async close(): Promise<void> {
    await Promise.all([...this.#sockets].map((socket) => socket.close()));
  }

  /** Closes the context, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
