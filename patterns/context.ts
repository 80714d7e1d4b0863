/**
 * The context: the set of sockets an application closes together.
 *
 * @module
 */

import type { Socket } from "./socket.ts";

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
