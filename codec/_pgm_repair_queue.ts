/**
 * The repairs a PGM source owes: sequence numbers NAKed and not yet sent
 * again, in the order asked. A NAK for one already owed is merged into it,
 * as OpenPGM's transmit window drops a NAK for a packet waiting for
 * retransmission, so a storm of NAKs costs one repair per packet.
 *
 * @module
 */

/** Sequence numbers owed, each once, first asked first. */
export class RepairQueue {
  #owed = new Set<number>();
  #order: number[] = [];
  #head = 0;

  /** How many repairs are owed. */
  get size(): number {
    return this.#owed.size;
  }

  /**
   * Owes a repair of `sqn`.
   *
   * @returns `false` when it was owed already.
   */
  push(sqn: number): boolean {
    if (this.#owed.has(sqn)) return false;
    this.#owed.add(sqn);
    this.#order.push(sqn);
    return true;
  }

  /** The repair owed longest, if any. */
  peek(): number | undefined {
    return this.#order[this.#head];
  }

  /** Takes the repair owed longest: it is sent, or can be no more. */
  shift(): number | undefined {
    if (this.#head >= this.#order.length) return undefined;
    const sqn = this.#order[this.#head++];
    this.#owed.delete(sqn);
    // Compacted once half is spent: each repair is copied once at most.
    if (this.#head * 2 >= this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    return sqn;
  }
}
