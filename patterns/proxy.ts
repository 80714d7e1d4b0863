/**
 * The proxy: forwarding between two sockets, like `zmq_proxy`.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { Message } from "./message.ts";
import type { Socket } from "./socket.ts";
import { coreOf, type CoreOptions, UNTIMED } from "./_core.ts";
import { steer } from "./_proxy_steering.ts";
import { anySignal } from "./_fallbacks.ts";

/**
 * What a {@linkcode proxy} forwarded through one of its sockets (a
 * capture's copies not counted), as `zmq_proxy_steerable`'s STATISTICS
 * counts: libzmq 4.3.4 counts whole messages, 4.3.5 each frame; both are
 * here.
 */
export interface ProxySocketStatistics {
  /** Messages received on this socket and forwarded. */
  messagesIn: number;
  /** Their frames. */
  framesIn: number;
  /** Their bytes. */
  bytesIn: number;
  /** Messages forwarded out of this socket. */
  messagesOut: number;
  /** Their frames. */
  framesOut: number;
  /** Their bytes. */
  bytesOut: number;
}

/** {@linkcode ProxySocketStatistics} of both sockets of a proxy. */
export interface ProxyStatistics {
  /** The socket facing clients. */
  frontend: ProxySocketStatistics;
  /** The socket facing services. */
  backend: ProxySocketStatistics;
}

const _noStatistics = (): ProxySocketStatistics => ({
  messagesIn: 0,
  framesIn: 0,
  bytesIn: 0,
  messagesOut: 0,
  framesOut: 0,
  bytesOut: 0,
});

/**
 * The proxy's side of its control, which the control's users do not see:
 * counting what it forwards, and waiting out a pause.
 */
let _counted: (
  control: ProxyControl,
  from: "frontend" | "backend",
  message: Message,
) => void;
/** Aborts at the control's next pause. */
let _pausing: (control: ProxyControl) => AbortSignal;
/** Settles when the control is not paused; rejects if `signal` aborts first. */
let _whenRunning: (
  control: ProxyControl,
  signal: AbortSignal,
) => Promise<void>;

/**
 * Steers a running {@linkcode proxy}, like `zmq_proxy_steerable`'s PAUSE,
 * RESUME, TERMINATE and STATISTICS: while paused nothing is forwarded and
 * messages wait in the sockets (up to their high-water marks).
 *
 * @example
 * ```ts
 * import { ProxyControl } from "@zmtp/zmq";
 *
 * const control = new ProxyControl();
 * control.pause();
 * console.log(control.paused); // true
 * control.resume();
 * console.log(control.statistics().frontend.messagesIn); // 0
 * control.terminate(); // the proxy using it returns
 * ```
 */
export class ProxyControl {
  static {
    _counted = (control, from, message) => control.#counted(from, message);
    _pausing = (control) => control.#pausing.signal;
    _whenRunning = (control, signal) => control.#whenRunning(signal);
  }
  #paused = false;
  #statistics: ProxyStatistics = {
    frontend: _noStatistics(),
    backend: _noStatistics(),
  };
  #waiters: (() => void)[] = [];
  #abort = new AbortController();
  /** Aborts at the next pause: a receive under way stops, taking nothing. */
  #pausing = new AbortController();

  /** Whether forwarding is paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Aborts when the proxy is terminated. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Stops forwarding until {@linkcode ProxyControl.resume}. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#pausing.abort();
  }

  /** Forwards again. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#pausing = new AbortController();
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** What was forwarded so far, a copy (as STATISTICS answers). */
  statistics(): ProxyStatistics {
    const { frontend, backend } = this.#statistics;
    return { frontend: { ...frontend }, backend: { ...backend } };
  }

  /** Counts a message forwarded from one socket to the other. */
  #counted(from: "frontend" | "backend", message: Message): void {
    let bytes = 0;
    for (const frame of message) bytes += frame.length;
    const into = this.#statistics[from];
    const out = this.#statistics[from === "frontend" ? "backend" : "frontend"];
    into.messagesIn++;
    into.framesIn += message.length;
    into.bytesIn += bytes;
    out.messagesOut++;
    out.framesOut += message.length;
    out.bytesOut += bytes;
  }

  /** Stops the proxy for good. */
  terminate(): void {
    this.#abort.abort();
    this.resume();
  }

  /** Settles when not paused; rejects if `signal` aborts first. */
  #whenRunning(signal: AbortSignal): Promise<void> {
    if (!this.#paused) return Promise.resolve();
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
        reject(signal.reason);
      };
      const wake = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** Options of {@linkcode proxy}. */
export interface ProxyOptions {
  /**
   * Pauses, resumes or terminates the proxy while it runs: a
   * {@linkcode ProxyControl}, or, as `zmq_proxy_steerable`'s control
   * socket, a REP or PAIR (or SUB, PULL, DEALER) socket, bound on inproc,
   * say, for a proxy in a Worker steered from another isolate, that takes
   * the commands PAUSE, RESUME, TERMINATE and STATISTICS, each a message
   * of one frame (others are ignored). STATISTICS is answered with eight
   * frames of a little-endian uint64 each, as libzmq's: frames and bytes
   * received by the frontend, frames and bytes it sent, then the same of
   * the backend (not by a SUB or PULL, which cannot send). A REP answers
   * every other command (an unknown one too) with an empty message, the
   * others not at all. The control socket closing or failing stops the
   * proxy, as its other sockets' do.
   */
  control?: ProxyControl | Socket | undefined;
  /** Every message forwarded, either way, is also sent here (a PUB, PUSH or PAIR). */
  capture?: Socket | undefined;
  /** Stops the proxy when aborted. */
  signal?: AbortSignal | undefined;
}

const _CANNOT_RECEIVE = new Set(["PUB", "PUSH", "RADIO", "SCATTER"]);
/**
 * Control sockets: those libzmq documents (REP, PAIR; SUB in 4.3.4's
 * example), and the others that take a command as a message of one frame.
 */
const _CONTROLS = new Set(["REP", "PAIR", "SUB", "PULL", "DEALER"]);
const _CANNOT_SEND = new Set(["SUB", "PULL", "DISH", "GATHER"]);

/**
 * Leaves a message the proxy held when it stopped queued on its way: the
 * proxy returns at once, and the message goes when the socket has room, as
 * libzmq's proxy, which takes a message only when it can pass it on, loses
 * none (a socket closed meanwhile drops it, as its own sends; its
 * `sendTimeout` does not).
 */
function _lastForward(
  message: Message,
  to: Socket,
  capture: Socket | undefined,
  counted: () => void,
): void {
  // Past the sockets' sendTimeout too: only a close drops it.
  const untimed: CoreOptions = { [UNTIMED]: true };
  capture?.send(message, _withGroup(message, untimed)).catch(() => {});
  to.send(message, _withGroup(message, untimed)).then(counted, () => {});
}

/** A DISH's message goes on in its group (to a RADIO, as output or capture),
 * as libzmq's message carries its group. */
function _withGroup(message: Message, options: CoreOptions): CoreOptions {
  const group = (message as { groupBytes?: Uint8Array }).groupBytes;
  return group ? { ...options, group } as CoreOptions : options;
}

/**
 * Forwards messages from `frontend` to `backend` and, where both can, back
 * again, until the signal aborts or a socket closes: XSUB↔XPUB carries
 * subscriptions upstream, ROUTER↔DEALER carries request envelopes both ways,
 * PULL→PUSH makes a streamer.
 *
 * @example The guide's broker (rrbroker)
 * ```ts
 * import { Dealer, proxy, Router } from "@zmtp/zmq";
 *
 * const frontend = new Router();
 * await frontend.bind("tcp://127.0.0.1:0");
 * const backend = new Dealer();
 * await backend.bind("tcp://127.0.0.1:0");
 * const stop = new AbortController();
 * const running = proxy(frontend, backend, { signal: stop.signal });
 * stop.abort();
 * await running;
 * await frontend.close();
 * await backend.close();
 * ```
 *
 * @example Steered through a control socket, as zmq_proxy_steerable
 * ```ts
 * import { Pair, proxy, Pull, Push } from "@zmtp/zmq";
 *
 * const frontend = new Pull();
 * await frontend.bind("inproc://steered-in");
 * const backend = new Push();
 * await backend.bind("inproc://steered-out");
 * const control = new Pair();
 * await control.bind("inproc://steered-control");
 * const running = proxy(frontend, backend, { control });
 * const steer = new Pair();
 * steer.connect("inproc://steered-control");
 * await steer.send("STATISTICS");
 * console.log((await steer.receive()).length); // 8
 * await steer.send("TERMINATE");
 * await running;
 * for (const socket of [frontend, backend, control, steer]) await socket.close();
 * ```
 *
 * @param frontend The socket facing clients.
 * @param backend The socket facing services.
 * @param options A capture socket, a control and an abort signal.
 * @returns Settles when the proxy stops (signal aborted or a socket closed);
 * a message taken and not yet passed on stays queued on its way.
 * @throws {ZmqError} `ENOTSUP` (rejected, before anything is taken) for a
 * frontend that cannot receive, a backend or capture that cannot send, or
 * a control socket of another type than those {@linkcode ProxyOptions}
 * names.
 */
export async function proxy(
  frontend: Socket,
  backend: Socket,
  options: ProxyOptions = {},
): Promise<void> {
  // Before taking anything: a message read could go nowhere.
  for (
    const [socket, role, cannot, what] of [
      [frontend, "frontend", _CANNOT_RECEIVE, "receive"],
      [backend, "backend", _CANNOT_SEND, "send"],
      [options.capture, "capture", _CANNOT_SEND, "send"],
    ] as const
  ) {
    if (socket && cannot.has(socket.type)) {
      throw new ZmqError(
        "ENOTSUP",
        `a proxy's ${role} must ${what}: a ${socket.type} socket cannot`,
      );
    }
  }
  const steering = options.control instanceof ProxyControl
    ? undefined
    : options.control;
  if (steering && !_CONTROLS.has(steering.type)) {
    throw new ZmqError(
      "ENOTSUP",
      `a proxy's control socket takes each command as a message of one frame: a REP, PAIR, SUB, PULL or DEALER, not a ${steering.type}`,
    );
  }
  const { capture } = options;
  const control = steering ? new ProxyControl() : options.control as
    | ProxyControl
    | undefined;
  // Either direction ending (a socket closed) stops the other one too; a
  // socket that closes while both are paused, too.
  const stop = new AbortController();
  const signal = anySignal(
    [
      options.signal,
      control?.signal,
      stop.signal,
      ...[frontend, backend, capture, steering].map((socket) =>
        socket && coreOf(socket).closing
      ),
    ].filter((s) => s !== undefined),
  );
  // A pause stops a receive under way, which then takes nothing: paused,
  // messages wait in the sockets, and a terminate loses none. Made once per
  // pause, not per message.
  let pausing: AbortSignal | undefined;
  let receiving = signal;
  const receiveSignal = (): AbortSignal => {
    if (!control) return signal;
    if (pausing !== _pausing(control)) {
      pausing = _pausing(control);
      receiving = anySignal([signal, pausing]);
    }
    return receiving;
  };
  // libzmq's proxy takes a message when its socket has one and passes it
  // on when the other has room: the sockets' timeouts never stop it.
  const sending: CoreOptions = { signal, [UNTIMED]: true };
  const forward = async (
    from: Socket,
    to: Socket,
    side: "frontend" | "backend",
  ): Promise<void> => {
    // Taken and not yet forwarded: waits out a pause that came meanwhile,
    // and is left queued on `to` if the proxy stops instead.
    let held: Message | undefined;
    // Whether the capture has it already: it never gets a message twice.
    let captured = false;
    try {
      while (true) {
        while (control?.paused) await _whenRunning(control, signal);
        signal.throwIfAborted();
        if (held === undefined) {
          const receiving = receiveSignal();
          try {
            const options: CoreOptions = { signal: receiving, [UNTIMED]: true };
            held = await from.receive(options);
          } catch (error) {
            // Stopped by a pause (maybe resumed since): receive again.
            if (receiving.aborted && !signal.aborted) continue;
            throw error;
          }
          continue; // a pause may have come as it was taken
        }
        if (capture && !captured) {
          await capture.send(held, _withGroup(held, { signal }));
          captured = true;
        }
        await to.send(held, _withGroup(held, sending));
        if (control) _counted(control, side, held);
        held = undefined;
        captured = false;
      }
    } catch (error) {
      const last = held;
      if (last !== undefined) {
        _lastForward(
          last,
          to,
          captured ? undefined : capture,
          () => control && _counted(control, side, last),
        );
      }
      if (signal.aborted) return;
      if (error instanceof ZmqError && error.code === "ETERM") return;
      throw error;
    } finally {
      stop.abort();
    }
  };
  const directions = [forward(frontend, backend, "frontend")];
  // One socket at both ends (an echo) is one direction, as libzmq's
  // frontend_equal_to_backend: a second would share its messages, and
  // count them as the backend's.
  if (
    frontend !== backend && !_CANNOT_RECEIVE.has(backend.type) &&
    !_CANNOT_SEND.has(frontend.type)
  ) {
    directions.push(forward(backend, frontend, "backend"));
  }
  if (steering) {
    // The steering ending for good (its socket failing) stops the proxy,
    // as libzmq's returns.
    directions.push(
      steer(steering, control!, signal).finally(() => stop.abort()),
    );
  }
  // Settled all before it returns: one failing stops the others first.
  const failed = (await Promise.allSettled(directions)).find((result) =>
    result.status === "rejected"
  );
  if (failed) throw failed.reason;
}
