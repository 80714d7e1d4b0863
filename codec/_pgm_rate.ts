/**
 * A token bucket: how a PGM source holds a stream of packets to a rate
 * while letting a burst of up to a bucket's worth go at once. Time is an
 * input (ms).
 *
 * @module
 */

/** A shortfall too small to wait for, in bytes. */
const SLIVER = 1e-6;

/** Bytes that may go now, refilled at a rate up to the bucket's size. */
export class TokenBucket {
  #rate: number;
  #size: number;
  #tokens: number;
  #at: number;

  /**
   * A full bucket.
   *
   * @param rate Bytes per ms.
   * @param size The largest burst, in bytes.
   * @param now The time now, in ms.
   */
  constructor(rate: number, size: number, now: number) {
    this.#rate = rate;
    this.#size = size;
    this.#tokens = size;
    this.#at = now;
  }

  /** How long until `bytes` may go, in ms: 0 when they may go now. */
  delay(bytes: number, now: number): number {
    this.#refill(now);
    const short = bytes - this.#tokens;
    // At `readyAt` exactly, rounding may leave a sliver short: not a wait.
    return short <= SLIVER ? 0 : short / this.#rate;
  }

  /** When `bytes` may go, in ms: a time past for bytes that may go now. */
  readyAt(bytes: number): number {
    // The tokens grow at the rate from the last refill on (a bucket holds
    // any one packet, so its cap never comes first).
    return this.#at + Math.max(0, (bytes - this.#tokens) / this.#rate);
  }

  /**
   * Charges what went. The debt is bounded by a bucket's worth, so that
   * no burst holds what follows for longer than one refill takes.
   */
  take(bytes: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.max(-this.#size, this.#tokens - bytes);
  }

  #refill(now: number): void {
    const elapsed = now - this.#at;
    if (elapsed <= 0) return;
    this.#at = now;
    this.#tokens = Math.min(this.#size, this.#tokens + elapsed * this.#rate);
  }
}
