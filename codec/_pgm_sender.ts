/**
 * The source side of PGM, sans-I/O: numbers TSDUs into ODATA, keeps a
 * transmit window to repair from, paces to the rate, answers NAKs with an
 * NCF and RDATA, and keeps receivers told of the window with SPMs — as
 * OpenPGM does under libzmq's settings. Repairs are paced to the rate in
 * a bucket of their own: libzmq limits only ODATA (PGM_ODATA_MAX_RTE), so
 * NAKs never hold new data back, and no storm of them floods the group.
 * Time is an input (ms); every packet out goes to the group.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import {
  decodePgm,
  encodeData,
  encodeNak,
  encodeSpm,
  PGM_NCF,
  PGM_ODATA,
  PGM_RDATA,
  type PgmSession,
  sqnDistance,
  tsiKey,
} from "./_pgm_packet.ts";
import { TokenBucket } from "./_pgm_rate.ts";
import { RepairQueue } from "./_pgm_repair_queue.ts";

/** IPv4 and UDP headers: what the rate counts beyond the PGM packet. */
export const IP_UDP_BYTES = 28;
/**
 * What a TPDU holds beyond its TSDU, as OpenPGM reckons it for the largest
 * TSDU libzmq sends: IP and UDP, the PGM and data headers, and room for
 * OPT_LENGTH and OPT_FRAGMENT (which libzmq's TSDUs never need).
 */
const TPDU_OVERHEAD = IP_UDP_BYTES + 16 + 8 + 20;
const DATA_HEADER_BYTES = 16 + 8;
/** SPMs after data, as libzmq sets PGM_HEARTBEAT_SPM (ms). */
const HEARTBEAT_SPM = [100, 100, 100, 100, 1300, 7000, 16000, 25000, 30000];
/** An SPM at least this often (libzmq's PGM_AMBIENT_SPM, ms). */
const AMBIENT_SPM = 30_000;
/** SPMs sent on start and, with OPT_FIN, on close. */
const SPM_BURST = 3;
/** The longest window, in packets (about 1.5 GB of them). */
const MAX_WINDOW_SQNS = 2 ** 20;
/** The largest burst the rate allows, in bytes. */
const MAX_BURST_BYTES = 64 * 1024;
/** The fewest ms between SPMs sent in answer to SPMRs. */
const SPMR_ANSWER_INTERVAL = 25;

/** How a PGM source is set up; names and defaults follow libzmq. */
export interface PgmSenderOptions {
  /** Our GSI (6 bytes) and ports. */
  session: PgmSession;
  /** Our interface's address: where receivers send NAKs. */
  address: string;
  /** The group's address. */
  group: string;
  /** The largest IP packet, in bytes (ZMQ_MULTICAST_MAXTPDU, 1500). */
  maxTpdu: number;
  /** The rate, in kilobits per second (ZMQ_RATE, 100). */
  rate: number;
  /** How long data can be repaired, in ms (ZMQ_RECOVERY_IVL, 10000). */
  recoveryInterval: number;
  /** The time now, in ms. */
  now: number;
}

/**
 * The largest TSDU libzmq puts in one packet for a TPDU size (1428 for
 * 1500), its 2-byte message offset included.
 *
 * @param maxTpdu The largest IP packet.
 * @returns The TSDU size.
 */
export function pgmMaxTsdu(maxTpdu: number): number {
  return maxTpdu - TPDU_OVERHEAD;
}

/**
 * Sequence numbers a window of `rate` over `interval` holds, as libzmq
 * sizes OpenPGM's windows (80 for the defaults).
 *
 * @param rate Kilobits per second.
 * @param interval Milliseconds.
 * @param maxTpdu The largest IP packet.
 * @returns The window's length in packets, at least 1.
 */
export function pgmWindowSqns(
  rate: number,
  interval: number,
  maxTpdu: number,
): number {
  const sqns = Math.floor(Math.floor(rate / 8) * interval / maxTpdu);
  // Far inside serial arithmetic's half range, and memory a host has.
  return Math.min(Math.max(1, sqns), MAX_WINDOW_SQNS);
}

/** A PGM source. */
export class PgmSender {
  #session: PgmSession;
  #tsi: string;
  #address: string;
  #group: string;
  #maxTsdu: number;
  /** The rate of ODATA, and that of RDATA (the same, apart). */
  #odata: TokenBucket;
  #rdata: TokenBucket;
  #windowSqns: number;
  /**
   * Sent TSDUs by sequence number, the trail's at `#windowStart`: slots
   * before it are let go, and cut off once a window's worth, so that a
   * send costs the same whatever the window (`shift()` copied it all).
   */
  #window: (Uint8Array | undefined)[] = [];
  #windowStart = 0;
  #trail = 0;
  #lead = -1;
  #spmSqn = 0;
  /** SPMs after data, and ambient ones whatever the data (OpenPGM's two timers). */
  #nextHeartbeat = Infinity;
  #nextAmbient: number;
  #heartbeat = HEARTBEAT_SPM.length;
  #lastSpm = -Infinity;
  #control: Uint8Array[] = [];
  #repairs = new RepairQueue();

  /** Starts a session: its first SPMs are due at once. */
  constructor(options: PgmSenderOptions) {
    this.#session = options.session;
    this.#tsi = tsiKey(options.session.gsi, options.session.sourcePort);
    this.#address = options.address;
    this.#group = options.group;
    this.#maxTsdu = pgmMaxTsdu(options.maxTpdu);
    const rate = options.rate / 8; // kbit/s is bytes per ms
    // A second of the rate, as OpenPGM allows, but no more than a
    // receiver's socket buffer holds while it is busy, so that a burst
    // does not itself cause loss.
    const burst = Math.max(
      Math.min(rate * 1000, MAX_BURST_BYTES),
      options.maxTpdu,
    );
    this.#odata = new TokenBucket(rate, burst, options.now);
    this.#rdata = new TokenBucket(rate, burst, options.now);
    this.#windowSqns = pgmWindowSqns(
      options.rate,
      options.recoveryInterval,
      options.maxTpdu,
    );
    for (let i = 0; i < SPM_BURST; i++) this.#control.push(this.#spm(false));
    this.#lastSpm = options.now;
    this.#nextAmbient = options.now + AMBIENT_SPM;
  }

  /** The largest TSDU {@linkcode send} takes. */
  get maxTsdu(): number {
    return this.#maxTsdu;
  }

  /** The sequence number the next ODATA gets. */
  get nextSqn(): number {
    return (this.#lead + 1) >>> 0;
  }

  /**
   * How long until the rate lets a TSDU of `bytes` go, in ms: 0 when it
   * may go now.
   */
  delay(bytes: number, now: number): number {
    return this.#odata.delay(bytes + DATA_HEADER_BYTES + IP_UDP_BYTES, now);
  }

  /**
   * Numbers a TSDU, keeps it for repairs and charges the rate for it.
   *
   * @returns The ODATA packet to send to the group.
   */
  send(tsdu: Uint8Array, now: number): Uint8Array {
    this.#lead = (this.#lead + 1) >>> 0;
    this.#window.push(tsdu);
    if (this.#window.length - this.#windowStart > this.#windowSqns) {
      this.#window[this.#windowStart++] = undefined;
      if (this.#windowStart >= this.#windowSqns) {
        this.#window = this.#window.slice(this.#windowStart);
        this.#windowStart = 0;
      }
      this.#trail = (this.#trail + 1) >>> 0;
    }
    const packet = encodeData(
      this.#session,
      PGM_ODATA,
      this.#lead,
      this.#trail,
      tsdu,
    );
    this.#odata.take(packet.length + IP_UDP_BYTES, now);
    // Receivers learn of a lost tail from the SPMs that follow data.
    this.#heartbeat = 1;
    this.#nextHeartbeat = now + HEARTBEAT_SPM[0];
    return packet;
  }

  /**
   * Takes a datagram sent to us: a NAK for our session gets an NCF and
   * repairs; an SPMR an SPM. Anything else is ignored.
   *
   * @returns An error for a packet dropped as malformed or out of place.
   */
  receive(datagram: Uint8Array, now: number): ProtocolError | undefined {
    let packet;
    try {
      packet = decodePgm(datagram);
    } catch (error) {
      return error as ProtocolError;
    }
    if (packet.tsi !== this.#tsi) return undefined;
    if (packet.dataPort !== this.#session.destinationPort) return undefined;
    if (packet.type === "spmr") {
      if (now - this.#lastSpm >= SPMR_ANSWER_INTERVAL) {
        this.#control.push(this.#spm(false));
        this.#lastSpm = now;
      }
      return undefined;
    }
    if (packet.type !== "nak") return undefined;
    if (packet.source !== this.#address || packet.group !== this.#group) {
      return new ProtocolError(
        "protocol",
        `a NAK for ${packet.source} in ${packet.group} reached the source at ${this.#address} in ${this.#group}: dropped`,
      );
    }
    // Confirmed at once, as OpenPGM does, so other receivers hold theirs.
    this.#control.push(
      encodeNak(
        this.#session,
        PGM_NCF,
        packet.sqns,
        packet.source,
        packet.group,
      ),
    );
    let outside = 0;
    for (const sqn of packet.sqns) {
      const at = sqnDistance(this.#trail, sqn);
      if (at < 0 || at >= this.#window.length - this.#windowStart) outside++;
      else this.#repairs.push(sqn); // merged with one owed already
    }
    if (outside === 0) return undefined;
    return new ProtocolError(
      "protocol",
      `a NAK asked for ${outside} packet(s) outside the transmit window [${this.#trail}, ${this.#lead}]: not repaired`,
    );
  }

  /**
   * The packets due now for the group: NCFs, the repairs their rate
   * allows, SPMs.
   */
  poll(now: number): Uint8Array[] {
    const out = this.#control;
    this.#control = [];
    for (let sqn; (sqn = this.#repairs.peek()) !== undefined;) {
      const tsdu = this.#windowed(sqn);
      if (tsdu && this.#rdata.delay(this.#rdataCost(tsdu), now) > 0) break;
      this.#repairs.shift();
      if (!tsdu) continue; // It left the window meanwhile.
      const packet = encodeData(
        this.#session,
        PGM_RDATA,
        sqn,
        this.#trail,
        tsdu,
      );
      this.#rdata.take(packet.length + IP_UDP_BYTES, now);
      out.push(packet);
    }
    if (now >= this.#nextHeartbeat || now >= this.#nextAmbient) {
      out.push(this.#spm(false));
      this.#lastSpm = now;
      this.#nextAmbient = now + AMBIENT_SPM;
      if (now >= this.#nextHeartbeat) {
        this.#nextHeartbeat = this.#heartbeat < HEARTBEAT_SPM.length
          ? now + HEARTBEAT_SPM[this.#heartbeat++]
          : Infinity;
      }
    }
    return out;
  }

  /** When {@linkcode poll} next has packets, in ms. */
  get deadline(): number {
    if (this.#control.length > 0) return -Infinity;
    const spm = Math.min(this.#nextHeartbeat, this.#nextAmbient);
    const sqn = this.#repairs.peek();
    if (sqn === undefined) return spm;
    const tsdu = this.#windowed(sqn);
    if (!tsdu) return -Infinity;
    return Math.min(spm, this.#rdata.readyAt(this.#rdataCost(tsdu)));
  }

  /** What the rate counts for a repair of `tsdu`. */
  #rdataCost(tsdu: Uint8Array): number {
    return tsdu.length + DATA_HEADER_BYTES + IP_UDP_BYTES;
  }

  /** The TSDU sent as `sqn`, if the window still holds it. */
  #windowed(sqn: number): Uint8Array | undefined {
    const at = sqnDistance(this.#trail, sqn);
    if (at < 0 || at >= this.#window.length - this.#windowStart) {
      return undefined;
    }
    return this.#window[this.#windowStart + at];
  }

  /** The SPMs that end the session (OPT_FIN). */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < SPM_BURST; i++) out.push(this.#spm(true));
    return out;
  }

  #spm(fin: boolean): Uint8Array {
    const spm = encodeSpm(this.#session, {
      sqn: this.#spmSqn,
      trail: this.#trail,
      lead: this.#lead >>> 0,
      nla: this.#address,
      fin,
    });
    this.#spmSqn = (this.#spmSqn + 1) >>> 0;
    return spm;
  }
}
