/**
 * ZMTP 3.1 heartbeats (PING, PONG and TTL) as a sans-I/O clock: times in,
 * "send a PING" or "the peer is gone" out. No timers: the caller ticks it.
 *
 * @module
 */

/**
 * A chunk longer than this (the output's largest batch of small frames is
 * 256 KiB) is a large body of its own, as taken, sealed or masked, and can
 * take many writes: a PING behind it waits for it.
 */
const LARGE_BODY = 256 * 1024;

/** Options of a {@linkcode Heartbeat}, all in ms. */
export interface HeartbeatOptions {
  /** Send a PING this often once ready; 0 (default) sends none. */
  interval?: number | undefined;
  /** How long to wait for any traffic after a PING; -1 (default) means `interval`, 0 never drops the peer (as libzmq). */
  timeout?: number | undefined;
  /** The TTL our PINGs ask the peer to apply (sent in deciseconds); 0 (default) asks for none. */
  timeToLive?: number | undefined;
  /** The current time: the peer counts as heard from now. Default 0. */
  now?: number | undefined;
  /**
   * Whether output taken is written before the next take (a link over a
   * stream; the connection's `reuseOutput` says it): a PING behind a large
   * body then counts from the next take.
   */
  writtenLater?: boolean | undefined;
}

/** What {@linkcode Heartbeat.tick} asks of the connection. */
export type HeartbeatAction =
  /** Send a PING command carrying this TTL, in deciseconds. */
  | { type: "ping"; ttl: number }
  /** The peer has been silent too long: give the connection up. */
  | { type: "timeout"; reason: string };

/**
 * The heartbeat timers of one connection: when to PING, how long to wait
 * for an answer, and how long the TTL the peer asked for lets it stay
 * silent. Any traffic from the peer counts as an answer.
 *
 * @example A PING, then silence
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const heartbeat = new codec.Heartbeat({ interval: 1000, timeout: 500, timeToLive: 3000 });
 * heartbeat.onReady(0);
 * console.log(heartbeat.deadline); // 1000
 * console.log(heartbeat.tick(1000)); // { type: "ping", ttl: 30 }
 * console.log(heartbeat.deadline); // 1500: the answer is due before the next PING
 * console.log(heartbeat.tick(1500)?.type); // "timeout"
 * ```
 */
export class Heartbeat {
  #interval: number;
  #timeout: number;
  #ttl: number;
  #lastReceived: number;
  #nextPing: number | undefined;
  #pingSentAt: number | undefined;
  /**
   * Traffic came after our last PING: it is answered. By order, not by
   * time, as libzmq's (any message decoded cancels the wait): on a coarse
   * clock the answer can bear the PING's own time.
   */
  #heardSincePing = false;
  /** Our PING waits behind a large body being written: not yet counted. */
  #pingHeld = false;
  /** A PONG of ours is in the output, not yet taken. */
  #pongWaits = false;
  /** The output being written holds a large body (see `writtenLater`). */
  #largeInFlight = false;
  #writtenLater: boolean;
  #peerTtl = 0;
  /** The last traffic came without the time. */
  #untimed = false;
  /** A PING gave a TTL in traffic that came without the time. */
  #ttlAwaitsTime = false;

  /**
   * Makes the timers; none runs before {@linkcode Heartbeat.onReady}.
   *
   * @param options The interval, timeout and TTL, and the current time.
   */
  constructor(options: HeartbeatOptions = {}) {
    this.#interval = options.interval ?? 0;
    this.#timeout = options.timeout !== undefined && options.timeout >= 0
      ? options.timeout
      : this.#interval;
    // What no PING can carry (negative, NaN) is no TTL.
    this.#ttl = Math.max(0, options.timeToLive ?? 0) || 0;
    this.#lastReceived = options.now ?? 0;
    this.#writtenLater = options.writtenLater ?? false;
  }

  /**
   * When {@linkcode Heartbeat.tick} must next be called: the next PING, the
   * answer to the last one, or the end of the peer's TTL, whichever is first.
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat({ interval: 1000 });
   * console.log(heartbeat.deadline); // undefined: not ready yet
   * heartbeat.onReady(5);
   * console.log(heartbeat.deadline); // 1005
   * ```
   *
   * @returns The time in ms, or `undefined` when nothing is due.
   */
  get deadline(): number | undefined {
    let next = this.#nextPing;
    if (this.#timeout > 0 && this.#silentSincePing()) {
      const answerDue = this.#pingSentAt! + this.#timeout;
      if (next === undefined || answerDue < next) next = answerDue;
    }
    if (this.#peerTtl > 0) {
      // Due at once while the TTL waits for a time to run from.
      const ttlEnds = this.#ttlAwaitsTime
        ? this.#lastReceived
        : this.#lastReceived + this.#peerTtl;
      if (next === undefined || ttlEnds < next) next = ttlEnds;
    }
    return next;
  }

  /**
   * How long the peer may stay silent, as its last PING asked (its TTL).
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat();
   * heartbeat.onPing(25);
   * console.log(heartbeat.peerTimeToLive); // 2500
   * ```
   *
   * @returns The TTL in ms; 0 when the peer asked for none.
   */
  get peerTimeToLive(): number {
    return this.#peerTtl;
  }

  /**
   * Starts the PING schedule: the handshake is done.
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat({ interval: 100 });
   * heartbeat.onReady(40);
   * console.log(heartbeat.deadline); // 140
   * ```
   *
   * @param now The current time in ms.
   * @param peerMinor The ZMTP minor version the peer speaks: a ZMTP 3.0
   * peer (libzmq 4.1, Go's zmq4) gets no PING, which is 3.1's: it would
   * never answer one, or would take it for a message.
   */
  onReady(now: number, peerMinor = 1): void {
    if (this.#interval > 0 && peerMinor >= 1) {
      this.#nextPing = now + this.#interval;
    }
  }

  /**
   * Notes traffic from the peer: any frame, not only a PONG, is life.
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat();
   * heartbeat.onPing(10);
   * heartbeat.onTraffic(500);
   * console.log(heartbeat.deadline); // 1500: a second of silence from now
   * ```
   *
   * @param now The current time in ms. Only while {@linkcode Heartbeat.deadline}
   * is `undefined` may it be left out (reading a clock can cost more than the
   * rest of a small message's work): such traffic then counts for nothing,
   * as nothing is due, and a PING's TTL in it runs from the next
   * {@linkcode Heartbeat.tick}, which the deadline makes due at once.
   */
  onTraffic(now?: number): void {
    this.#untimed = now === undefined;
    if (now === undefined) return;
    this.#lastReceived = now;
    this.#heardSincePing = true;
    this.#ttlAwaitsTime = false;
  }

  /**
   * Takes the TTL of a PING from the peer: how long it may stay silent
   * before we give up on it, from the traffic the PING came in (or, if that
   * came without the time, from the next tick, due at once).
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat({ now: 1000 });
   * console.log(heartbeat.onPing(5)); // true: answer it
   * console.log(heartbeat.deadline); // 1500
   * console.log(heartbeat.onPing(5)); // false: the first PONG is not out yet
   * heartbeat.onOutputTaken(1000, []);
   * console.log(heartbeat.onPing(5)); // true
   * ```
   *
   * @param ttl The PING's TTL field, in deciseconds; 0 for none.
   * @returns Whether to answer it with a PONG: not while an answer waits in
   * the output, not yet taken ({@linkcode Heartbeat.onOutputTaken}), as
   * libzmq keeps one PONG at most: a peer that pings and never reads costs
   * no more. The answer waiting carries the first PING's context (libzmq's
   * the last's): either is life to the peer.
   */
  onPing(ttl: number): boolean {
    this.#peerTtl = ttl * 100;
    this.#ttlAwaitsTime = this.#untimed && ttl > 0;
    if (this.#pongWaits) return false;
    this.#pongWaits = true;
    return true;
  }

  /**
   * Tells the timers the time.
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat({ interval: 100 });
   * heartbeat.onReady(0);
   * console.log(heartbeat.tick(99)); // undefined
   * console.log(heartbeat.tick(100)); // { type: "ping", ttl: 0 }
   * ```
   *
   * @param now The current time in ms, on the clock of the other calls.
   * @returns A PING to send, a timeout, or `undefined` when nothing is due.
   */
  tick(now: number): HeartbeatAction | undefined {
    if (this.#ttlAwaitsTime) this.onTraffic(now);
    // A timeout of 0 never drops the peer, as in libzmq.
    const silentSincePing = this.#timeout > 0 && this.#silentSincePing();
    if (silentSincePing && now >= this.#pingSentAt! + this.#timeout) {
      return {
        type: "timeout",
        reason: "the peer did not answer our heartbeat in time",
      };
    }
    if (this.#peerTtl > 0 && now >= this.#lastReceived + this.#peerTtl) {
      return {
        type: "timeout",
        reason: "no traffic from the peer within the TTL it asked for",
      };
    }
    if (this.#nextPing === undefined || now < this.#nextPing) return undefined;
    this.#nextPing = now + this.#interval;
    // One PING waits behind a large body at most.
    if (this.#pingHeld) return undefined;
    if (this.#largeInFlight) this.#pingHeld = true;
    else this.#sent(now);
    // Truncated, as libzmq's ZMQ_HEARTBEAT_TTL: under 100 ms is no TTL.
    return { type: "ping", ttl: Math.min(Math.trunc(this.#ttl / 100), 0xffff) };
  }

  /**
   * Notes output taken to be written. A PING that comes while a large
   * body is being written is counted from when that body is out, not from
   * when it was queued (libzmq holds its PING behind any output it could
   * not write yet; ours only behind a large body): a peer that stops
   * reading while a large message goes (a slow consumer at its high-water
   * mark) is not dropped for it, where one that freezes while small
   * messages go is.
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const heartbeat = new codec.Heartbeat({
   *   interval: 100,
   *   timeout: 30,
   *   writtenLater: true,
   * });
   * heartbeat.onReady(0);
   * heartbeat.onOutputTaken(50, [new Uint8Array(1 << 20)]); // a large body
   * heartbeat.tick(100); // a PING, behind it
   * console.log(heartbeat.deadline); // 200: the next PING; no answer awaited
   * heartbeat.onOutputTaken(150, []); // the body is out by the next take
   * console.log(heartbeat.deadline); // 180: the answer's
   * ```
   *
   * @param now The current time in ms.
   * @param chunks What was taken.
   */
  onOutputTaken(now: number, chunks: readonly Uint8Array[]): void {
    this.#pongWaits = false;
    if (this.#pingHeld) {
      this.#pingHeld = false;
      this.#sent(now);
    }
    // Without PINGs of ours, nothing is held: no chunk need be looked at.
    if (!this.#writtenLater || this.#interval === 0) return;
    let large = false;
    for (const chunk of chunks) large ||= chunk.length > LARGE_BODY;
    this.#largeInFlight = large;
  }

  #sent(now: number): void {
    // A PING sent while one is unanswered must not push its answer back.
    if (this.#silentSincePing()) return;
    this.#pingSentAt = now;
    this.#heardSincePing = false;
  }

  #silentSincePing(): boolean {
    return this.#pingSentAt !== undefined && !this.#heardSincePing;
  }
}
