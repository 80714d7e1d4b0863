/**
 * Connecting to a peer, and reconnecting whenever the link drops.
 *
 * @module
 */

import { sleep } from "./_abortable_sleep.ts";
import { ReconnectBackoff, type ReconnectOptions } from "./backoff.ts";
import {
  type ProtocolError,
  type ProtocolErrorKind,
  ZmqError,
} from "../codec/errors.ts";
import type { Link, LinkEnd } from "./transport.ts";

/** What a {@linkcode Dialer} does, and is told. */
export interface DialerHandlers {
  /** Makes one link; rejects when the peer is not there. */
  dial(signal: AbortSignal): Promise<Link>;
  /**
   * A link made at once, if the peer is there already, asked first at each
   * attempt: the constructor's first one is served within the call, not a
   * microtask on.
   */
  dialNow?: (() => Link | undefined) | undefined;
  /**
   * Serves a new link; the promise settles with how the link ended, after
   * which the dialer waits and dials again, unless the peer was refused.
   */
  serve(link: Link): Promise<LinkEnd | void>;
  /** An attempt is starting and has not completed yet. */
  onAttempt?: (() => void) | undefined;
  /** An attempt failed; the next one comes after `delay` ms. */
  onRetry?: ((delay: number, error: unknown) => void) | undefined;
  /**
   * The dialer has stopped for good: the peer was refused for breaking
   * ZMTP or failing the security handshake (`refused`, the error), or
   * reconnection is off and the one link it made has ended, or its attempt
   * failed (`failed`, why: the endpoint stays then, as libzmq's connecter
   * that never connected keeps its pipe).
   */
  onGiveUp?:
    | ((refused: ProtocolError | undefined, failed?: string) => void)
    | undefined;
}

/**
 * Keeps one link to an endpoint alive, whatever the transport: dials (the
 * peer need not be up yet), hands the link over, and when it ends waits
 * `reconnectInterval` (growing to `reconnectIntervalMax`) and dials again.
 * A link that ended with a protocol error (but a timeout) is not followed
 * by another, as libzmq's session ends its endpoint then: a peer that
 * refuses us, or that we refuse, is not dialled again every interval.
 *
 * @example
 * ```ts ignore
 * const dialer = new Dialer({ reconnectInterval: 100, reconnectIntervalMax: 0 }, {
 *   dial: (signal) => tcp.dial("127.0.0.1:5555", options, signal),
 *   serve: (link) => { link.start(session); return link.done.then(() => {}); },
 * });
 * await dialer.close();
 * ```
 */
export class Dialer {
  #abort = new AbortController();
  #loop: Promise<void>;
  #stopped = false;

  /**
   * Starts dialling at once.
   *
   * @param options The reconnect intervals.
   * @param handlers How to dial, and what to do with each link.
   */
  constructor(options: ReconnectOptions, handlers: DialerHandlers) {
    this.#loop = this.#run(options, handlers).finally(() => {
      this.#stopped = true;
    });
  }

  /** Whether it still dials (it stops on close, and when it gives up). */
  get dialling(): boolean {
    return !this.#stopped;
  }

  /** Stops dialling; resolves once no attempt or timer is left. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(
    options: ReconnectOptions,
    handlers: DialerHandlers,
  ): Promise<void> {
    const signal = this.#abort.signal;
    const backoff = new ReconnectBackoff(options);
    while (!signal.aborted) {
      handlers.onAttempt?.();
      let link = handlers.dialNow?.();
      if (!link) {
        try {
          link = await handlers.dial(signal);
        } catch (error) {
          if (signal.aborted) return;
          // A transport this runtime lacks (tcp:// in a page, CURVE over
          // the page's WebSocket) comes no nearer: given up, as libzmq's
          // zmq_connect refuses it (EPROTONOSUPPORT) at once. So does what
          // Deno's permissions refuse (a denial holds for the process).
          const unsupported = (error instanceof ZmqError &&
            error.code === "EPROTONOSUPPORT") || _notCapable(error);
          if (!backoff.enabled || unsupported) {
            const why = error instanceof Error ? error.message : String(error);
            const off = unsupported ? "" : "; reconnection is off";
            return handlers.onGiveUp?.(undefined, why + off);
          }
          const delay = backoff.next();
          handlers.onRetry?.(delay, error);
          await sleep(delay, signal);
          continue;
        }
      }
      if (signal.aborted) {
        link.close();
        return;
      }
      backoff.reset();
      const end = await handlers.serve(link);
      const refused = _refusal(end);
      if (!backoff.enabled || refused) {
        if (!signal.aborted) handlers.onGiveUp?.(refused);
        return;
      }
      if (signal.aborted) return;
      // As libzmq reports every reconnect it schedules.
      const delay = backoff.next();
      handlers.onRetry?.(delay, new Error("the connection ended"));
      await sleep(delay, signal);
    }
  }
}

/**
 * Whether a `connect` whose link ended with an error of this kind is given
 * up: the peer was refused, one way or the other (libzmq's protocol_error,
 * on which its session_base_t::engine_error ends the endpoint). A timeout
 * (the handshake's, the heartbeats'), the peer's own goodbye (a WebSocket
 * close, a 503) or a limit of ours reconnects, as a connection that drops
 * does.
 *
 * @example
 * ```ts
 * import { endsConnect } from "@zmtp/zmq/transport";
 *
 * console.log(endsConnect("auth"), endsConnect("timeout")); // true false
 * ```
 *
 * @param kind Why the link ended.
 * @returns `true` when no other link is dialled.
 */
export function endsConnect(kind: ProtocolErrorKind): boolean {
  return kind !== "timeout" && kind !== "peer" && kind !== "local" &&
    kind !== "loss";
}

function _refusal(end: LinkEnd | void): ProtocolError | undefined {
  const error = end?.error;
  return error && endsConnect(error.kind) ? error : undefined;
}

/** Whether Deno's permissions refused it (`Deno.errors.NotCapable`). */
function _notCapable(error: unknown): boolean {
  for (let at = error, depth = 0; at instanceof Error && depth < 3; depth++) {
    if (at.name === "NotCapable") return true;
    at = at.cause;
  }
  return false;
}
