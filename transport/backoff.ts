/**
 * The reconnect schedule, as libzmq 4.3.5 computes it: with
 * `reconnectIntervalMax` set, the interval, doubling up to that maximum;
 * otherwise the interval plus a random jitter below it.
 *
 * @module
 */

/** The longest delay a timer takes (setTimeout's limit, libzmq's INT_MAX). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Reconnect settings, in ms, with libzmq's meaning. */
export interface ReconnectOptions {
  /** The first delay; -1 turns reconnection off. libzmq's default: 100. */
  reconnectInterval: number;
  /** The ceiling for the doubling delay; 0 keeps the delay constant. */
  reconnectIntervalMax: number;
}

/**
 * Tracks the delays between reconnection attempts.
 *
 * @example
 * ```ts
 * import { ReconnectBackoff } from "@zmtp/zmq/transport";
 *
 * const backoff = new ReconnectBackoff(
 *   { reconnectInterval: 100, reconnectIntervalMax: 400 },
 *   () => 0,
 * );
 * console.log(backoff.next(), backoff.next(), backoff.next(), backoff.next()); // 100 200 400 400
 * backoff.reset();
 * console.log(backoff.next()); // 100
 * ```
 */
export class ReconnectBackoff {
  #options: ReconnectOptions;
  #random: () => number;
  /** The last delay of a doubling schedule; -1 before the first. */
  #current = -1;

  /**
   * Makes a schedule.
   *
   * @param options The intervals.
   * @param random A source of numbers in [0, 1), for the jitter.
   */
  constructor(options: ReconnectOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** Whether reconnection is on at all: an interval of 0 or -1 turns it off, as in libzmq. */
  get enabled(): boolean {
    return this.#options.reconnectInterval > 0;
  }

  /**
   * The delay before the next attempt, advancing the schedule.
   *
   * @returns Milliseconds to wait.
   */
  next(): number {
    const { reconnectInterval, reconnectIntervalMax } = this.#options;
    if (reconnectIntervalMax > 0) {
      // libzmq's stream_connecter_base_t: no jitter, and the maximum wins
      // even over a larger interval.
      const candidate = this.#current < 0
        ? reconnectInterval
        : this.#current * 2;
      this.#current = Math.min(candidate, reconnectIntervalMax);
      return this.#current;
    }
    // At most what a timer takes, as libzmq caps it at INT_MAX: a longer
    // delay fires at once, and reconnecting would spin.
    return Math.min(
      reconnectInterval + Math.floor(this.#random() * reconnectInterval),
      MAX_DELAY_MS,
    );
  }

  /** Starts the schedule over, after a successful connection. */
  reset(): void {
    this.#current = -1;
  }
}
