/**
 * The sources a PGM receiver follows: what it keeps of each, and how long
 * it keeps it.
 *
 * @module
 */

import { PgmFrameDecoder } from "./_pgm_framing.ts";
import type { PgmRepair } from "./_pgm_nak_timers.ts";

/** A source silent this long is forgotten (PGM_PEER_EXPIRY, ms). */
const PEER_EXPIRY = 300_000;
/** A source that never sent data is forgotten sooner (ms). */
const STRANGER_EXPIRY = 30_000;
/**
 * A source silent this long gives way to a new one when the table is full:
 * a live libzmq source sends an SPM every 30 s at least (its ambient SPM),
 * so it has likely ended without a FIN (a crashed publisher restarting).
 */
const GIVES_WAY_AFTER = 60_000;

/** A packet given up on, in a source's window. */
export const LOST = null;

/** What a receiver keeps of one source (one TSI). */
export type PgmSource = {
  tsi: string;
  gsi: Uint8Array;
  sourcePort: number;
  /** Where NAKs go: the SPM's address, else where data came from. */
  nla: string | undefined;
  from: string;
  spmSqn: number | undefined;
  /** The next sequence number to read; undefined until data or an SPM. */
  next: number | undefined;
  highest: number;
  /** Where the missing packets not asked for yet start (they run to
   * `highest`, among those held): the receiver asks for so many at once. */
  unasked: number;
  held: Map<number, Uint8Array | typeof LOST>;
  repairs: Map<number, PgmRepair<PgmSource>>;
  heard: number;
  hadData: boolean;
  /** It sent OPT_FIN: it goes once nothing waits for repair. */
  fin: boolean;
  decoder: PgmFrameDecoder;
  /** Forgotten: its timers are stale. */
  gone: boolean;
};

/** A source first heard `now`, in a packet from `from`. */
export function newSource(
  tsi: string,
  datagram: Uint8Array,
  from: string,
  now: number,
  maxMessageSize: number,
): PgmSource {
  return {
    tsi,
    gsi: datagram.slice(8, 14),
    sourcePort: (datagram[0] << 8) | datagram[1],
    nla: undefined,
    from,
    spmSqn: undefined,
    next: undefined,
    highest: 0,
    unasked: 0,
    held: new Map(),
    repairs: new Map(),
    heard: now,
    hadData: false,
    fin: false,
    decoder: new PgmFrameDecoder(maxMessageSize),
    gone: false,
  };
}

/** When a source still silent then is forgotten, in ms. */
export function expiresAt(source: PgmSource): number {
  return source.heard + (source.hadData ? PEER_EXPIRY : STRANGER_EXPIRY);
}

/**
 * Which source gives way to a new one, the table being full (libzmq's
 * OpenPGM has no limit): the longest silent one that sent no data, or
 * else the longest silent one if silent for two ambient SPM intervals;
 * none, and the new one is dropped, while every source is alive.
 */
export function giveWay(
  sources: Iterable<PgmSource>,
  now: number,
): PgmSource | undefined {
  let stranger: PgmSource | undefined;
  let silent: PgmSource | undefined;
  for (const source of sources) {
    if (!source.hadData && (!stranger || source.heard < stranger.heard)) {
      stranger = source;
    }
    if (!silent || source.heard < silent.heard) silent = source;
  }
  if (stranger) return stranger;
  return silent && now - silent.heard >= GIVES_WAY_AFTER ? silent : undefined;
}
