/**
 * The events a socket reports about its connections.
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import {
  type ProtocolErrorKind,
  ZmqError,
  type ZmqErrorCode,
} from "../codec/errors.ts";
import { Queue } from "../transport/_queue.ts";
import { wait } from "./_waiters.ts";

/** Something that happened to a socket's endpoints or connections. */
export type SocketEvent =
  /** `bind` succeeded; `endpoint` is the real address (port resolved). */
  | { type: "listening"; endpoint: string }
  /** `bind` failed (the same error is thrown); `endpoint` is as given. */
  | {
    type: "bind-failed";
    endpoint: string;
    code: ZmqErrorCode;
    reason: string;
  }
  /** A peer connected to a bound endpoint. */
  | { type: "accepted"; endpoint: string }
  /**
   * Accepting a peer failed (libzmq's ZMQ_EVENT_ACCEPT_FAILED): `code` is
   * the system's, `EMFILE` when the process is out of file descriptors,
   * `ENFILE` when the system is. The peers already connected are served
   * on; the endpoint tries again after `interval` ms, waiting longer (up
   * to a second) while it keeps failing.
   */
  | {
    type: "accept-failed";
    endpoint: string;
    code: string;
    reason: string;
    interval: number;
  }
  /**
   * A peer connected to a bound endpoint while the socket had
   * `maxConnections` accepted peers, and was closed at once.
   */
  | { type: "accept-refused"; endpoint: string; maxConnections: number }
  /** A connection attempt to a `connect` endpoint started and is in progress
   * (over tcp and ws, as libzmq: an ipc connect is done at once). */
  | { type: "connect-delayed"; endpoint: string }
  /** A connection to a `connect` endpoint was made. */
  | { type: "connected"; endpoint: string }
  /**
   * A connection attempt failed (`reason` says why: refused, a TLS
   * certificate not trusted…); the next one comes after `interval` ms.
   */
  | {
    type: "connect-retried";
    endpoint: string;
    interval: number;
    reason: string;
  }
  /**
   * A `connect` endpoint is not dialled again: its peer was refused, or
   * refused us, for a protocol error (`reason`), as libzmq ends the
   * endpoint then (it stays listed until `disconnect`); or, with
   * reconnection off, its connection ended (it leaves) or its attempt
   * failed (its queue stays until `disconnect`, as libzmq's; libzmq's
   * monitor tells the closing of the attempt's socket).
   */
  | { type: "connect-abandoned"; endpoint: string; reason: string }
  /**
   * The ZMTP handshake with a peer completed: `peer` says what it
   * announced and, if it was authenticated, who it is (`userId`); a ROUTER
   * gives the `routingId` it knows the peer by.
   */
  | {
    type: "handshake-succeeded";
    endpoint: string;
    peer: PeerInfo;
    routingId?: Uint8Array | undefined;
  }
  /** The peer was refused: it broke ZMTP, failed security, or does not match. */
  | {
    type: "handshake-failed";
    endpoint: string;
    kind: ProtocolErrorKind;
    reason: string;
    /** A refusal's ZAP status code (300, 400, 500), as libzmq's event value. */
    statusCode?: number | undefined;
  }
  /** A peer that had completed its handshake broke the protocol and was dropped. */
  | {
    type: "protocol-error";
    endpoint: string;
    kind: ProtocolErrorKind;
    reason: string;
  }
  /**
   * A connection was lost: the peer went, or a fault ended it, even while
   * the socket let it go (a linger). As libzmq's monitor, none for one it
   * ends by `close`, `disconnect`, `unbind` or a STREAM's `[id, ""]`. A
   * ROUTER or STREAM gives the `routingId` it knew the peer by when it
   * went: its `handshake-succeeded`'s, or for a peer whose id another took
   * over (`routerHandover`) the one generated for it then. All of a bound
   * socket's peers share its endpoint; libzmq's monitor has no such field.
   */
  | {
    type: "disconnected";
    endpoint: string;
    routingId?: Uint8Array | undefined;
  }
  /**
   * The socket is closed; no events follow. `dropped` messages were queued
   * and never written, `unread` ones received and never read.
   */
  | { type: "closed"; dropped: number; unread: number };

const MAX_BUFFERED = 1000;

/**
 * Every event type, so that another name is refused: a listener for it
 * would never be called, nor a `wait` for it end.
 */
const _TYPES: Readonly<Record<SocketEvent["type"], true>> = {
  "listening": true,
  "bind-failed": true,
  "accepted": true,
  "accept-failed": true,
  "accept-refused": true,
  "connect-delayed": true,
  "connected": true,
  "connect-retried": true,
  "connect-abandoned": true,
  "handshake-succeeded": true,
  "handshake-failed": true,
  "protocol-error": true,
  "disconnected": true,
  "closed": true,
};

/** zeromq.js's event names, for the refusal, as a port meets them first. */
const _ZEROMQ_JS_TYPES: ReadonlyMap<string, string> = new Map([
  ["bind", 'here "listening"'],
  ["bind:error", 'here "bind-failed"'],
  ["accept", 'here "accepted"'],
  ["accept:error", 'here "accept-failed"'],
  ["connect", 'here "connected"'],
  ["connect:delay", 'here "connect-delayed"'],
  ["connect:retry", 'here "connect-retried"'],
  ["handshake", 'here "handshake-succeeded"'],
  ["handshake:error:protocol", 'here "handshake-failed"'],
  ["handshake:error:auth", 'here "handshake-failed"'],
  ["handshake:error:other", 'here "handshake-failed"'],
  ["disconnect", 'here "disconnected"'],
  ["end", 'here "closed"'],
  // libzmq's ZMQ_EVENT_CLOSED, a listener's or an attempt's descriptor.
  ["close", 'no counterpart; the socket\'s own close is "closed"'],
  ["close:error", "no counterpart"],
  ["unknown", "no counterpart"],
]);

/** Refuses a name that is no event type, with `EINVAL`. */
function _checkType(type: string): void {
  if (Object.hasOwn(_TYPES, type)) return;
  const ours = _ZEROMQ_JS_TYPES.get(type);
  throw new ZmqError(
    "EINVAL",
    `no socket event is called "${type}"${
      ours ? ` (zeromq.js's name: ${ours})` : ""
    }`,
  );
}

/** What feeds a {@linkcode SocketEvents}: the socket, as it works. */
export interface SocketEventsController {
  /** Records an event for the readers. */
  push(event: SocketEvent): void;
  /** Ends iteration after the buffered events. */
  end(): void;
}

/**
 * The socket's events as an async iterable. Events are buffered (the last
 * 1000) until read, so none is missed between starting an action and
 * starting to read; iteration ends when the socket closes. It is one
 * queue, as zeromq.js's observer: each event goes to one reader, so two
 * loops (or a loop and a `wait`) share them out, and a `wait` left
 * running without a signal goes on taking them. For several listeners,
 * use {@linkcode SocketEvents.on}, which tells each of them every event.
 *
 * @example
 * ```ts
 * import { Pull } from "@zmtp/zmq";
 *
 * const pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:0");
 * for await (const event of pull.events) {
 *   console.log(event.type); // "listening"
 *   break;
 * }
 * await pull.close();
 * ```
 */
export class SocketEvents implements AsyncIterable<SocketEvent> {
  #buffer: SocketEvent[] = [];
  /** In the order they came: a Set, so that thousands aborted go at once each. */
  #waiters = new Set<(result: IteratorResult<SocketEvent>) => void>();
  #ended = false;
  #listeners = new Map<string, Set<(event: never) => void>>();
  /** Events pushed and not yet told to listeners, oldest first. */
  #untold = new Queue<SocketEvent>();

  /**
   * Makes an event stream; `start` receives the controller that feeds it,
   * as a `ReadableStream`'s source does.
   *
   * @param start Called at once with the controller.
   */
  constructor(start: (controller: SocketEventsController) => void) {
    start({ push: (event) => this.#push(event), end: () => this.#end() });
  }

  /**
   * Waits for the next event of a type, discarding others before it.
   *
   * @param type The event type wanted.
   * @param signal Gives up (rejecting with its reason) when aborted; the
   * events it would have taken stay for the next reader.
   * @returns The event.
   * @throws {ZmqError} `ETERM` if the socket closes first; `EINVAL` for a
   * name that is no event type (zeromq.js's names among them).
   */
  async wait<T extends SocketEvent["type"]>(
    type: T,
    signal?: AbortSignal,
  ): Promise<Extract<SocketEvent, { type: T }>> {
    _checkType(type);
    while (true) {
      const next = await this.#next(signal);
      if (next.done) {
        throw new ZmqError(
          "ETERM",
          `the socket closed before a "${type}" event`,
        );
      }
      if (next.value.type === type) {
        return next.value as Extract<SocketEvent, { type: T }>;
      }
    }
  }

  /**
   * Calls `listener` with each event of a type from now on, a microtask
   * after the event (every listener of its type in that one; one that
   * throws stops no other), as zeromq.js's `socket.events.on(type, listener)`; iteration
   * and `wait` still see every event. Events of the current turn count as
   * from now on: `socket.connect(…)` then `events.on("connected", …)`
   * hears that connect, made within the call as inproc's is.
   *
   * @example
   * ```ts
   * import { Pull } from "@zmtp/zmq";
   *
   * const pull = new Pull();
   * pull.events.on("listening", (event) => console.log(event.endpoint));
   * await pull.bind("tcp://127.0.0.1:0");
   * await pull.close();
   * ```
   *
   * @param type The event type.
   * @param listener Called with each event of that type.
   * @throws {ZmqError} `EINVAL` for a name that is no event type
   * (zeromq.js's, such as `"connect"`, among them).
   */
  on<T extends SocketEvent["type"]>(
    type: T,
    listener: (event: Extract<SocketEvent, { type: T }>) => void,
  ): void {
    _checkType(type);
    let listeners = this.#listeners.get(type);
    if (!listeners) this.#listeners.set(type, listeners = new Set());
    listeners.add(listener);
  }

  /**
   * Stops calling a listener that {@linkcode SocketEvents.on} added.
   *
   * @param type The event type it was added for.
   * @param listener The listener.
   * @throws {ZmqError} `EINVAL` for a name that is no event type.
   */
  off<T extends SocketEvent["type"]>(
    type: T,
    listener: (event: Extract<SocketEvent, { type: T }>) => void,
  ): void {
    _checkType(type);
    this.#listeners.get(type)?.delete(listener);
  }

  /** Iterates over events as they come. */
  [Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    return { next: () => this.#next() };
  }

  #push(event: SocketEvent): void {
    if (this.#ended) return;
    // Told a microtask on, each event at its own place in the turn: not
    // within the socket's own work (a listener may call it back), and to
    // listeners added since: `connect(); events.on(…)` hears what the
    // connect did (an inproc one links within the call), as zeromq.js's
    // monitor tells it later. One shared callback, not a closure per event:
    // a connection pushes two or three as it comes.
    this.#untold.push(event);
    queueMicrotask(this.#tellNext);
    // The first waiter, if any, takes it.
    for (const waiter of this.#waiters) {
      this.#waiters.delete(waiter);
      return waiter({ value: event, done: false });
    }
    this.#buffer.push(event);
    if (this.#buffer.length > MAX_BUFFERED) this.#buffer.shift();
  }

  /** Microtasks run in order: the one each push queued tells its event. */
  #tellNext = (): void => {
    const event = this.#untold.shift();
    if (event) this.#tell(event);
  };

  #tell(event: SocketEvent): void {
    const listeners = this.#listeners.get(event.type);
    if (!listeners?.size) return;
    for (const listener of [...listeners]) {
      // One taken off by another listener of this event is not called.
      if (!listeners.has(listener)) continue;
      try {
        listener(event as never);
      } catch (error) {
        // Uncaught, as from a microtask of its own: the others still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #end(): void {
    this.#ended = true;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter({ value: undefined, done: true });
  }

  #next(signal?: AbortSignal): Promise<IteratorResult<SocketEvent>> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const event = this.#buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return wait<IteratorResult<SocketEvent>>({ signal }, (resolve) => {
      this.#waiters.add(resolve);
      return () => this.#waiters.delete(resolve);
    });
  }
}
