/**
 * Closing a socket: its machinery shut down, its context told, and its
 * options refused from then on (`ETERM`, as its `connect` and `send` are),
 * where they were taken and never used: zeromq.js throws there too, and
 * libzmq's `zmq_setsockopt` on a closed socket fails.
 *
 * @module
 */

import {
  type CloseSummary,
  type Context,
  type ContextMember,
  contextMembers,
} from "./context.ts";
import { closedError, type SocketCore } from "./_core.ts";
import { type ClosableEndpoints, shutdown } from "./_linger.ts";
import { optionNamesOf } from "./_option_names.ts";

/**
 * Closes `socket`: see `Socket.close`.
 *
 * @returns What was dropped and left unread.
 */
export function closeSocket(
  socket: ContextMember & {
    readonly context: Context;
    readonly linger: number;
  },
  core: SocketCore,
  endpoints: ClosableEndpoints,
): Promise<CloseSummary> {
  const closing = shutdown(core, endpoints, socket.linger)
    .finally(() => contextMembers(socket.context).delete(socket));
  return refuseOptions(socket, closing);
}

/** Sockets whose close has begun, and those whose close has settled. */
const _closing = new WeakSet<object>();
const _closed = new WeakSet<object>();
/** Prototypes whose setters check those already. */
const _guarded = new WeakSet<object>();

/**
 * Makes every option of `socket` refuse to be set from now on: the setters
 * of its classes named as options, and the options it holds as plain
 * properties (`authenticate`, `tls`, `multicast`), whose values stay
 * readable; what a subclass of the app's own adds is left alone. `linger`
 * is refused only once `closing` settles: set to 0 while the close waits,
 * it ends the wait.
 *
 * @returns `closing`.
 */
function refuseOptions<T>(socket: object, closing: Promise<T>): Promise<T> {
  _closing.add(socket);
  closing.then(() => _closed.add(socket), () => _closed.add(socket));
  _guardSetters(Object.getPrototypeOf(socket));
  // An own property may be redefined on a socket that takes no new ones.
  for (const name of _HELD_OPTIONS) {
    const property = Object.getOwnPropertyDescriptor(socket, name);
    if (!property?.writable) continue;
    Object.defineProperty(socket, name, {
      get: () => property.value,
      set() {
        throw closedError();
      },
      enumerable: property.enumerable === true,
      configurable: true,
    });
  }
  return closing;
}

/**
 * Makes the option setters of `proto` and the classes above it refuse on a
 * closed socket. Apart from any socket: the setters live as long as their
 * classes, and closures made where a socket is in scope would keep the
 * first socket closed (and all it still held) for as long.
 */
function _guardSetters(proto: object | null): void {
  for (
    ;
    proto !== null && proto !== Object.prototype && !_guarded.has(proto);
    proto = Object.getPrototypeOf(proto)
  ) {
    _guarded.add(proto);
    const options = optionNamesOf(proto.constructor);
    for (const name of Object.getOwnPropertyNames(proto)) {
      const property = Object.getOwnPropertyDescriptor(proto, name)!;
      const set = property.set;
      if (!set || !options.has(name)) continue;
      Object.defineProperty(proto, name, {
        ...property,
        set(this: object, value: unknown) {
          if (_closing.has(this) && (name !== "linger" || _closed.has(this))) {
            throw closedError();
          }
          set.call(this, value);
        },
      });
    }
  }
}

/** The options a socket holds as plain properties. */
const _HELD_OPTIONS = ["authenticate", "tls", "multicast"];
