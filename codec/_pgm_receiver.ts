/**
 * The receiver side of PGM, sans-I/O: a receive window per source, NAKs
 * for gaps (backed off, repeated, given up on as OpenPGM does under
 * libzmq's settings), repairs taken from RDATA, messages read in order
 * with libzmq's framing, and loss beyond repair reported before the
 * stream resumes at the next whole message. Time is an input (ms).
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import { IP_UDP_BYTES } from "./_pgm_sender.ts";
import {
  decodePgm,
  encodeNak,
  MAX_NAK_SQNS,
  PGM_NAK,
  type PgmPacket,
  sqnBefore,
  sqnDistance,
} from "./_pgm_packet.ts";
import { NakTimers } from "./_pgm_nak_timers.ts";
import {
  expiresAt,
  giveWay,
  LOST,
  newSource,
  type PgmSource as _Source,
} from "./_pgm_sources.ts";

/** What a receiver does next: hand up a message, send a NAK, report. */
export type PgmReceiverEvent =
  | { type: "message"; frames: Uint8Array[] }
  /** A datagram for the source at `to` (its address; the port is the data port). */
  | { type: "transmit"; datagram: Uint8Array; to: string }
  | { type: "error"; error: ProtocolError };

/** How a receiver is set up: libzmq's settings for OpenPGM by default. */
export interface PgmReceiverOptions {
  /** The data-destination port (the endpoint's). */
  dataPort: number;
  /** The group's address. */
  group: string;
  /** Packets held per source ahead of the next to read (PGM_RXW_SQNS). */
  windowSqns: number;
  /**
   * The largest IP packet (ZMQ_MULTICAST_MAXTPDU, 1500): a longer one is
   * dropped, as OpenPGM's read into a buffer of that size cuts it and its
   * checksum then fails; so a window holds packets of this size at most.
   */
  maxTpdu?: number | undefined;
  /** The longest frame taken (each frame alone, as libzmq's); -1: no limit. */
  maxMessageSize?: number | undefined;
  /** The time now, in ms. */
  now: number;
  /** Random numbers in [0, 1), for NAK back-off. */
  random?: (() => number) | undefined;
  /**
   * Sources followed at once (libzmq's OpenPGM has no limit). When a new
   * one comes beyond it, the longest silent source that sent no data yet,
   * or else one silent for two of a libzmq source's ambient SPM intervals,
   * gives way to it; with none such, the new one is dropped. Default 256.
   */
  maxSources?: number | undefined;
}

/**
 * Packets of a source asked for at once: the rest of a wider gap waits its
 * turn, so that one SPM (or a burst of loss) costs bounded work and NAKs,
 * as OpenPGM's receive window bounds its own.
 */
const MAX_ASKING = 4096;
const _IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** A PGM receiver for one group and port, following every source in it. */
export class PgmReceiver {
  #dataPort: number;
  #group: string;
  #windowSqns: number;
  #maxMessageSize: number;
  #maxSources: number;
  #maxPacket: number;
  #sources = new Map<string, _Source>();
  #naks: NakTimers<_Source>;

  /** A receiver that knows no source yet. */
  constructor(options: PgmReceiverOptions) {
    this.#dataPort = options.dataPort;
    this.#group = options.group;
    this.#windowSqns = options.windowSqns;
    this.#maxMessageSize = options.maxMessageSize ?? -1;
    this.#naks = new NakTimers(options.random ?? Math.random);
    this.#maxSources = options.maxSources ?? 256;
    this.#maxPacket = (options.maxTpdu ?? 1500) - IP_UDP_BYTES;
  }

  /** Sources followed now. */
  get sources(): number {
    return this.#sources.size;
  }

  /** Packets of every source asked for, or to be, and not come yet. */
  get repairs(): number {
    return [...this.#sources.values()].reduce((n, s) => n + s.repairs.size, 0);
  }

  /**
   * Takes a datagram read from the group's port.
   *
   * @param datagram The UDP payload; frames handed up may be views into it.
   * @param from The address it came from.
   * @param now The time, in ms.
   */
  receive(datagram: Uint8Array, from: string, now: number): PgmReceiverEvent[] {
    if (datagram.length > this.#maxPacket) {
      return [{
        type: "error",
        error: new ProtocolError(
          "protocol",
          `a PGM packet of ${datagram.length} bytes is over maxTpdu (${
            this.#maxPacket + IP_UDP_BYTES
          } with its IP and UDP headers): dropped`,
        ),
      }];
    }
    let packet: PgmPacket;
    try {
      packet = decodePgm(datagram);
    } catch (error) {
      return [{ type: "error", error: error as ProtocolError }];
    }
    if (packet.dataPort !== this.#dataPort) return [];
    const type = packet.type;
    if (type !== "spm" && type !== "odata" && type !== "rdata") {
      if (type === "ncf") this.#confirmed(packet, now);
      return [];
    }
    const events: PgmReceiverEvent[] = [];
    const source = this.#source(packet.tsi, datagram, from, now, events);
    if (!source) return events;
    source.heard = now;
    if (type === "spm") {
      if (source.spmSqn !== undefined && sqnBefore(packet.sqn, source.spmSqn)) {
        return events; // An SPM older than one already seen.
      }
      source.spmSqn = packet.sqn;
      // NAKs go over IPv4 (the transport's); else to where data came from.
      if (_IPV4.test(packet.nla)) source.nla = packet.nla;
      if (source.next === undefined) {
        // Data starts after what the source had sent before we heard it.
        source.next = source.unasked = (packet.lead + 1) >>> 0;
        source.highest = packet.lead;
      } else this.#expect(source, packet.lead, events);
      // A trail past what the source says it sent is not believed.
      if (!sqnBefore((packet.lead + 1) >>> 0, packet.trail)) {
        this.#trail(source, packet.trail, events);
      }
      this.#ask(source, now);
      source.fin ||= packet.fin;
      if (source.fin && !this.#owes(source)) this.#forget(source);
      return events;
    }
    source.hadData = true;
    if (source.next === undefined) {
      source.next = source.unasked = packet.sqn;
      source.highest = (packet.sqn - 1) >>> 0;
    }
    this.#data(source, packet.sqn, packet.payload, events);
    if (!sqnBefore((packet.sqn + 1) >>> 0, packet.trail)) {
      this.#trail(source, packet.trail, events);
    }
    // What it made missing, or room to ask for more.
    this.#ask(source, now);
    return events;
  }

  /** NAKs due, repairs given up on, and sources forgotten, as of `now`. */
  poll(now: number): PgmReceiverEvent[] {
    const events: PgmReceiverEvent[] = [];
    const asked = new Map<_Source, number[]>();
    const gaveUp = new Set<_Source>();
    for (let repair; (repair = this.#naks.take(now));) {
      const source = repair.source;
      if (repair.state === "ncf") {
        let sqns = asked.get(source);
        if (!sqns) asked.set(source, sqns = []);
        sqns.push(repair.sqn);
      } else if (repair.state === "lost") {
        source.repairs.delete(repair.sqn);
        source.held.set(repair.sqn, LOST);
        gaveUp.add(source);
      }
    }
    // Read past what was given up before a source that said it was done
    // is forgotten: what it held behind the gap is its last messages.
    for (const source of gaveUp) {
      this.#ask(source, now);
      this.#read(source, events);
    }
    for (const source of this.#sources.values()) {
      // Silent too long, or it said it was done.
      if (now >= expiresAt(source) || (source.fin && !this.#owes(source))) {
        this.#forget(source);
      }
    }
    for (const [source, sqns] of asked) {
      const to = source.nla ?? source.from;
      if (source.gone || !_IPV4.test(to)) continue;
      for (let i = 0; i < sqns.length; i += MAX_NAK_SQNS) {
        events.push({
          type: "transmit",
          to,
          datagram: encodeNak(
            {
              gsi: source.gsi,
              sourcePort: source.sourcePort,
              destinationPort: this.#dataPort,
            },
            PGM_NAK,
            sqns.slice(i, i + MAX_NAK_SQNS),
            to,
            this.#group,
          ),
        });
      }
    }
    return events;
  }

  /** When {@linkcode poll} next has work, in ms. */
  get deadline(): number {
    let deadline = this.#naks.next;
    for (const source of this.#sources.values()) {
      deadline = Math.min(deadline, expiresAt(source));
    }
    return deadline;
  }

  /** Whether a source still has packets to get or give up on. */
  #owes(source: _Source): boolean {
    return source.repairs.size > 0 ||
      (source.next !== undefined && !sqnBefore(source.highest, source.unasked));
  }

  #forget(source: _Source): void {
    source.gone = true;
    this.#sources.delete(source.tsi);
  }

  #source(
    tsi: string,
    datagram: Uint8Array,
    from: string,
    now: number,
    events: PgmReceiverEvent[],
  ): _Source | undefined {
    const known = this.#sources.get(tsi);
    if (known) return known;
    if (this.#sources.size >= this.#maxSources) {
      const victim = giveWay(this.#sources.values(), now);
      if (!victim) {
        events.push({
          type: "error",
          error: new ProtocolError(
            "protocol",
            `a PGM packet from a new source was dropped: ${this.#maxSources} sources are followed already, and none has been silent long`,
          ),
        });
        return undefined;
      }
      this.#forget(victim);
    }
    const source = newSource(tsi, datagram, from, now, this.#maxMessageSize);
    this.#sources.set(tsi, source);
    return source;
  }

  #data(
    source: _Source,
    sqn: number,
    payload: Uint8Array,
    events: PgmReceiverEvent[],
  ): void {
    const ahead = sqnDistance(source.next!, sqn);
    if (ahead < 0 || source.held.get(sqn)) return; // Read already, or held.
    if (ahead >= this.#windowSqns) {
      // Too far ahead to hold what lies between: the oldest is lost.
      this.#trail(source, (sqn - this.#windowSqns + 1) >>> 0, events);
    }
    source.repairs.delete(sqn);
    // Held first: what it shows missing before it is asked for, not it.
    source.held.set(sqn, payload);
    this.#expect(source, sqn, events);
    this.#read(source, events);
  }

  /**
   * Marks what the source sent up to `lead` and we have not seen as
   * missing: {@linkcode #ask} asks for it.
   */
  #expect(
    source: _Source,
    lead: number,
    events: PgmReceiverEvent[],
  ): void {
    if (!sqnBefore(source.highest, lead)) return;
    let sqn = (source.highest + 1) >>> 0;
    if (sqnBefore(sqn, source.next!)) sqn = source.next!;
    const end = (lead + 1) >>> 0;
    if (sqnDistance(sqn, end) > this.#windowSqns) {
      // More than the window holds: what lies before its last part is
      // given up on now (and reported), not left waiting unasked.
      this.#trail(source, (end - this.#windowSqns) >>> 0, events);
    }
    source.highest = lead;
  }

  /** Asks for what is missing, oldest first, up to {@linkcode MAX_ASKING}. */
  #ask(source: _Source, now: number): void {
    if (sqnBefore(source.unasked, source.next!)) source.unasked = source.next!;
    while (
      source.repairs.size < MAX_ASKING &&
      !sqnBefore(source.highest, source.unasked)
    ) {
      const sqn = source.unasked;
      source.unasked = (sqn + 1) >>> 0;
      if (source.held.has(sqn)) continue;
      const repair = this.#naks.add(source, sqn, now);
      source.repairs.set(sqn, repair);
    }
  }

  /** Gives up on what the source can no longer repair (before `trail`). */
  #trail(source: _Source, trail: number, events: PgmReceiverEvent[]): void {
    if (!sqnBefore(source.next!, trail)) return;
    let sqn = source.next!;
    for (let i = 0; i < this.#windowSqns && sqnBefore(sqn, trail); i++) {
      if (!source.held.get(sqn)) {
        source.held.set(sqn, LOST);
        source.repairs.delete(sqn);
      }
      sqn = (sqn + 1) >>> 0;
    }
    this.#read(source, events);
    if (sqnBefore(source.next!, trail)) {
      // Further behind than a window: skip to the trail.
      for (const held of source.held.keys()) {
        if (sqnBefore(held, trail)) source.held.delete(held);
      }
      for (const missing of source.repairs.keys()) {
        if (sqnBefore(missing, trail)) source.repairs.delete(missing);
      }
      events.push(_lossEvent(sqnDistance(source.next!, trail)));
      source.decoder.reset();
      source.next = trail;
      this.#read(source, events);
    }
    const last = (trail - 1) >>> 0;
    if (sqnBefore(source.highest, last)) source.highest = last;
    if (sqnBefore(source.unasked, trail)) source.unasked = trail;
  }

  /** Reads, in order, what is held from the next sequence number on. */
  #read(source: _Source, events: PgmReceiverEvent[]): void {
    let lost = 0;
    for (;;) {
      const sqn = source.next!;
      if (!source.held.has(sqn)) break;
      const payload = source.held.get(sqn);
      source.held.delete(sqn);
      source.next = (sqn + 1) >>> 0;
      if (payload === LOST) {
        lost++;
        source.decoder.reset();
        continue;
      }
      let messages: Uint8Array[][];
      try {
        messages = source.decoder.push(payload!);
      } catch (error) {
        events.push({ type: "error", error: error as ProtocolError });
        continue;
      }
      if (lost > 0) events.push(_lossEvent(lost));
      lost = 0;
      for (const frames of messages) events.push({ type: "message", frames });
    }
    if (lost > 0) events.push(_lossEvent(lost));
  }

  #confirmed(
    packet: PgmPacket & { type: "nak" | "ncf" },
    now: number,
  ): void {
    if (packet.group !== this.#group) return;
    const source = this.#sources.get(packet.tsi);
    if (!source) return;
    for (const sqn of packet.sqns) {
      const repair = source.repairs.get(sqn);
      // Someone asked: wait for the repair rather than ask again.
      if (repair) this.#naks.confirmed(repair, now);
    }
  }
}

function _lossEvent(count: number): PgmReceiverEvent {
  return {
    type: "error",
    error: new ProtocolError(
      "loss",
      `${count} PGM packet(s) were lost beyond repair; reading resumes at the next whole message`,
    ),
  };
}
