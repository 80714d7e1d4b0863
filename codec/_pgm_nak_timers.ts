/**
 * A PGM receiver's repairs in progress: each missing packet's state (a
 * NAK backing off, waiting for its NCF, waiting for the data) and its
 * timer, all sources' together in the order they fall due — as OpenPGM
 * keeps its NAK timers in ordered queues — so the next is read at once.
 *
 * @module
 */

import { type Timer, TimerHeap } from "./_pgm_timers.ts";

/** libzmq's NAK timing (ms) and retries. */
const NAK_BACKOFF = 50;
const NAK_REPEAT = 200;
const NAK_RDATA = 200;
const NAK_RETRIES = 50;

/** What a repair belongs to: a source, until it is forgotten. */
export interface RepairOwner {
  /** Forgotten: its repairs' timers are stale. */
  readonly gone: boolean;
  /** Its repairs in progress, by sequence number. */
  readonly repairs: ReadonlyMap<number, unknown>;
}

/**
 * A missing packet being repaired: its NAK backing off, waiting for the
 * NCF, waiting for the data, or given up on (`lost`).
 */
export interface PgmRepair<S extends RepairOwner> {
  readonly source: S;
  readonly sqn: number;
  state: "backoff" | "ncf" | "data" | "lost";
  ncfRetries: number;
  dataRetries: number;
  /** Its timer now: any other it had is stale. */
  timer: Timer<PgmRepair<S>>;
}

/** Every source's repairs, by when they fall due. */
export class NakTimers<S extends RepairOwner> {
  #heap = new TimerHeap<PgmRepair<S>>();
  #random: () => number;

  /** @param random Random numbers in [0, 1), for the NAKs' back-off. */
  constructor(random: () => number) {
    this.#random = random;
  }

  /**
   * A repair of `sqn`, its NAK backing off. The caller keeps it in its
   * source's `repairs`: a timer of one not kept there is stale.
   */
  add(source: S, sqn: number, now: number): PgmRepair<S> {
    const repair = {
      source,
      sqn,
      state: "backoff",
      ncfRetries: 0,
      dataRetries: 0,
    } as PgmRepair<S>;
    this.#schedule(repair, now + this.#backoff());
    return repair;
  }

  /** Someone asked for it (an NCF came): the data is waited for. */
  confirmed(repair: PgmRepair<S>, now: number): void {
    if (repair.state === "data") return;
    repair.state = "data";
    this.#schedule(repair, now + NAK_RDATA);
  }

  /**
   * The next repair due by `now`, moved on: `ncf` when its NAK is to go
   * now, `lost` when it is given up on (the caller lets it go), else
   * backing off again; none if none is due.
   */
  take(now: number): PgmRepair<S> | undefined {
    const timer = this.#live();
    if (!timer || timer.at > now) return undefined;
    this.#heap.pop();
    const repair = timer.what;
    if (repair.state === "backoff") {
      repair.state = "ncf";
      this.#schedule(repair, now + NAK_REPEAT);
    } else if (
      repair.state === "ncf"
        ? ++repair.ncfRetries > NAK_RETRIES
        : ++repair.dataRetries > NAK_RETRIES
    ) {
      repair.state = "lost";
    } else {
      repair.state = "backoff";
      this.#schedule(repair, now + this.#backoff());
    }
    return repair;
  }

  /** When the next repair falls due, in ms (`Infinity`: none). */
  get next(): number {
    return this.#live()?.at ?? Infinity;
  }

  /** Sets a repair's timer anew; the one it had goes stale. */
  #schedule(repair: PgmRepair<S>, at: number): void {
    repair.timer = this.#heap.push(at, repair);
  }

  #backoff(): number {
    return this.#random() * NAK_BACKOFF;
  }

  /** The earliest live timer; the stale ones before it are dropped. */
  #live(): Timer<PgmRepair<S>> | undefined {
    for (let timer; (timer = this.#heap.peek());) {
      const repair = timer.what;
      const source = repair.source;
      if (
        repair.timer === timer && !source.gone &&
        source.repairs.get(repair.sqn) === repair
      ) return timer;
      this.#heap.pop();
    }
    return undefined;
  }
}
