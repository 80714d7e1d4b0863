/**
 * `inproc://name`: two sockets of one context linked directly, with no
 * bytes on the way. Messages pass by reference; the ZMTP handshake is
 * reduced to the socket-type check.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { InprocHub } from "./_inproc_hub.ts";
import { linkInproc } from "./_inproc_link.ts";
import { contextClosed, InprocNode } from "./_inproc_node.ts";
import { PortLink } from "./_port_link.ts";
import type { Link, LinkOptions, Transport } from "./transport.ts";

interface _Binder {
  options: LinkOptions;
  endpoint: string;
  accept(link: Link, endpoint: string): void;
}

interface _Names {
  bound: Map<string, _Binder>;
  /**
   * Dialers waiting for a name to be bound, as libzmq lets connect come
   * first: told the binder, or the node once the context is shared (the
   * name may then be bound in another isolate).
   */
  waiting: Map<
    string,
    Set<(target: _Binder | InprocNode | ZmqError) => void>
  >;
  /** Set once the context closes: no binder comes for a name any more. */
  closing?: boolean | undefined;
  /** Once the context is shared with other isolates: its way to them. */
  node?: InprocNode | undefined;
}

const _scopes = new WeakMap<object, _Names>();

function _names(scope: object): _Names {
  let names = _scopes.get(scope);
  if (!names) {
    _scopes.set(scope, names = { bound: new Map(), waiting: new Map() });
  }
  return names;
}

/**
 * Whether a name is bound in a scope (the context) in this isolate; see
 * {@linkcode isInprocBoundInContext} for every isolate that shares it.
 *
 * @example
 * ```ts
 * import { isInprocBound } from "@zmtp/zmq/transport";
 *
 * console.log(isInprocBound({}, "zeromq.zap.01")); // false
 * ```
 *
 * @param scope The scope the socket's link options give.
 * @param name The name after `inproc://`.
 * @returns Whether a socket has bound it.
 */
export function isInprocBound(scope: object, name: string): boolean {
  return _names(scope).bound.has(name);
}

/**
 * Whether a name is bound in the context, in this isolate or, once the
 * context is shared, in any other (the register of names is asked), as
 * libzmq's context serves every thread: the ZAP client asks it of
 * `inproc://zeromq.zap.01`.
 *
 * @example
 * ```ts
 * import { isInprocBoundInContext } from "@zmtp/zmq/transport";
 *
 * console.log(await isInprocBoundInContext({}, "zeromq.zap.01")); // false
 * ```
 *
 * @param scope The scope the socket's link options give.
 * @param name The name after `inproc://`.
 * @returns Whether a socket of the context has bound it.
 * @throws {ZmqError} `ETERM` once the isolate that first shared the
 * context has ended, with the register of names: whether another isolate
 * binds the name cannot be known then.
 */
export function isInprocBoundInContext(
  scope: object,
  name: string,
): Promise<boolean> {
  const names = _names(scope);
  if (names.bound.has(name)) return Promise.resolve(true);
  return names.node?.isBound(name) ?? Promise.resolve(false);
}

/**
 * The `inproc` transport: names live in the socket's context; a connect
 * before the bind waits for it.
 *
 * @example
 * ```ts
 * import { inproc } from "@zmtp/zmq/transport";
 *
 * console.log(inproc.scheme); // "inproc"
 * ```
 */
export const inproc: Transport = {
  scheme: "inproc",
  inProcess: true,

  check() {},

  async listen(name, options, accept) {
    const names = _names(options.scope);
    if (names.bound.has(name)) {
      throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    const node = names.node;
    await node?.bind(name);
    // Shared meanwhile: the name is claimed for the other isolates too.
    if (names.node && names.node !== node) await names.node.bind(name);
    if (names.bound.has(name)) {
      names.node?.unbind(name);
      throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`);
    }
    const endpoint = `inproc://${name}`;
    const binder: _Binder = { options, endpoint, accept };
    names.bound.set(name, binder);
    const waiting = names.waiting.get(name);
    names.waiting.delete(name);
    for (const notify of waiting ?? []) notify(binder);
    return {
      endpoint,
      keepsLinks: true,
      close: () => {
        if (names.bound.get(name) === binder) {
          names.bound.delete(name);
          names.node?.unbind(name);
        }
        return Promise.resolve();
      },
    };
  },

  dialNow(name, options) {
    const binder = _names(options.scope).bound.get(name);
    return binder && _linkTo(binder, options);
  },

  dial(name, options, signal) {
    const names = _names(options.scope);
    // Another isolate may bind it: the hub answers with a channel to it,
    // or says it is bound here (since), where it links directly.
    const through = (node: InprocNode): Promise<Link> =>
      node.dial(name, signal).then((joined) => {
        if (joined !== "local") {
          return new PortLink(joined.port, options.peer, joined.locks);
        }
        const binder = names.bound.get(name);
        return binder ? _linkTo(binder, options) : through(node);
      });
    const binder = names.bound.get(name);
    if (binder) return Promise.resolve(_linkTo(binder, options));
    if (names.node) return through(names.node);
    if (names.closing) return Promise.reject(contextClosed());
    return new Promise((resolve, reject) => {
      let waiting = names.waiting.get(name);
      if (!waiting) names.waiting.set(name, waiting = new Set());
      const notify = (target: _Binder | InprocNode | ZmqError) => {
        signal.removeEventListener("abort", abandon);
        if (target instanceof ZmqError) reject(target);
        else if (target instanceof InprocNode) resolve(through(target));
        else resolve(_linkTo(target, options));
      };
      const abandon = () => {
        waiting.delete(notify);
        reject(signal.reason);
      };
      waiting.add(notify);
      signal.addEventListener("abort", abandon, { once: true });
    });
  },
};

/** Links a dialer to the socket bound here: the binder's side is accepted. */
function _linkTo(binder: _Binder, options: LinkOptions): Link {
  const [ours, theirs] = linkInproc(options.peer, binder.options.peer);
  binder.accept(theirs, binder.endpoint);
  return ours;
}

/**
 * Refuses where a port cannot transfer a port: said when sharing, where the
 * links' first transfer would fail unheard and leave a bind unsettled.
 */
function _requireTransfer(): void {
  const probe = new MessageChannel();
  // A port, as a link's first transfer is.
  const carried = new MessageChannel();
  try {
    probe.port1.postMessage(null, [carried.port1]);
  } catch (error) {
    throw new ZmqError(
      "ENOTSUP",
      `a context cannot be shared here: this runtime's MessagePort cannot transfer (${
        error instanceof Error ? error.message : error
      })`,
    );
  } finally {
    probe.port1.close();
    probe.port2.close();
    carried.port1.close();
    carried.port2.close();
  }
}

/**
 * A port that joins a context in another isolate (a Worker) to the
 * `inproc://` names of `scope`: the first call makes this isolate the hub.
 *
 * @example
 * ```ts
 * import { joinInproc, leaveInproc, shareInproc } from "@zmtp/zmq/transport";
 *
 * const main = {};
 * const port = shareInproc(main); // post it to a Worker, in its transfer list
 * const worker = {};
 * joinInproc(worker, port);
 * leaveInproc(worker);
 * leaveInproc(main);
 * ```
 *
 * @param scope The context.
 * @returns A port to transfer to the other isolate.
 * @throws {ZmqError} `ENOTSUP` where a `MessagePort` cannot transfer
 * (Cloudflare's workerd), which links between isolates need.
 */
export function shareInproc(scope: object): MessagePort {
  const names = _names(scope);
  if (!names.node) {
    _requireTransfer();
    const channel = new MessageChannel();
    new InprocHub().adopt(channel.port2);
    names.node = _node(names, channel.port1);
  }
  return names.node.share();
}

/**
 * Joins `scope` (a context in this isolate) to the context a port came
 * from (see {@linkcode shareInproc}).
 *
 * @example In a Worker, with the port the main isolate posted
 * ```ts ignore
 * import { joinInproc } from "@zmtp/zmq/transport";
 *
 * self.onmessage = ({ data }) => joinInproc(workerContext, data.port);
 * ```
 *
 * @param scope The context of this isolate.
 * @param port The port {@linkcode shareInproc} gave.
 * @throws {ZmqError} `EINVAL` if the context is shared or joined already,
 * or the port joined another.
 */
export function joinInproc(scope: object, port: MessagePort): void {
  const names = _names(scope);
  if (names.node) {
    throw new ZmqError("EINVAL", "this context is already shared or joined");
  }
  // A second context on one port would take the first's replies.
  if (_joined.has(port)) {
    throw new ZmqError(
      "EINVAL",
      "this handle has joined a context already: share() one per context",
    );
  }
  _joined.add(port);
  names.node = _node(names, port);
}

const _joined = new WeakSet<MessagePort>();

/**
 * The context is closing: a connect waiting for a name no socket bound
 * fails with `ETERM` from now on, in this isolate and through the others,
 * as libzmq's context end binds a stand-in that ends each such connect,
 * so that nothing waits for a binder that cannot come.
 *
 * @example
 * ```ts
 * import { closeInproc } from "@zmtp/zmq/transport";
 *
 * closeInproc({});
 * ```
 *
 * @param scope The context.
 */
export function closeInproc(scope: object): void {
  const names = _names(scope);
  names.closing = true;
  const waiting = [...names.waiting.values()];
  names.waiting.clear();
  for (const dialers of waiting) {
    for (const notify of dialers) notify(contextClosed());
  }
  names.node?.closing();
}

/**
 * Leaves the other isolates: the context closed.
 *
 * @example
 * ```ts
 * import { leaveInproc, shareInproc } from "@zmtp/zmq/transport";
 *
 * const context = {};
 * shareInproc(context).close();
 * leaveInproc(context);
 * ```
 *
 * @param scope The context.
 */
export function leaveInproc(scope: object): void {
  const names = _names(scope);
  names.node?.leave();
  names.node = undefined;
}

function _node(names: _Names, port: MessagePort): InprocNode {
  const node = new InprocNode(port, (name, { port, locks }) => {
    const binder = names.bound.get(name);
    if (!binder) {
      // Unbound since: the dialer's link ends as if refused.
      port.postMessage({ t: "x" });
      return port.close();
    }
    const link = new PortLink(port, binder.options.peer, locks);
    binder.accept(link, binder.endpoint);
  });
  // Names bound before the context was shared are claimed now, and the
  // dialers waiting for a name ask the hub.
  for (const name of names.bound.keys()) node.bind(name).catch(() => {});
  const waiting = [...names.waiting.values()];
  names.waiting.clear();
  for (const dialers of waiting) for (const notify of dialers) notify(node);
  return node;
}
