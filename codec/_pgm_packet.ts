/**
 * PGM packets (RFC 3208) as OpenPGM writes them over UDP (`epgm`): the
 * 16-byte common header, SPM, ODATA/RDATA, NAK/NCF and SPMR, their
 * options, and the Internet checksum over the whole packet.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** Packet types (RFC 3208 §8). */
const PGM_SPM = 0x00;
export const PGM_ODATA = 0x04;
export const PGM_RDATA = 0x05;
export const PGM_NAK = 0x08;
const PGM_NNAK = 0x09;
export const PGM_NCF = 0x0a;
const PGM_SPMR = 0x0c;

const HEADER_BYTES = 16;
const OPTIONS_PRESENT = 0x01;
const OPT_LENGTH = 0x00;
const OPT_NAK_LIST = 0x02;
const OPT_FIN = 0x0e;
const OPT_END = 0x80;
const AFI_IP = 1;
const AFI_IP6 = 2;
/** Sequence numbers one NAK carries at most: its own and 62 in OPT_NAK_LIST. */
export const MAX_NAK_SQNS = 63;

/** The transport session of a source: its GSI and source port. */
export interface PgmSession {
  /** The global source identifier: 6 bytes. */
  gsi: Uint8Array;
  /** The data-source port of the session. */
  sourcePort: number;
  /** The data-destination port (the `epgm` endpoint's port). */
  destinationPort: number;
}

/**
 * A decoded PGM packet. `tsi` names its session as a map key; `dataPort`
 * is the session's data-destination port (the endpoint's), in the
 * header's destination port going downstream (from the source) and in its
 * source port going upstream (NAK, SPMR).
 */
export type PgmPacket =
  & { tsi: string; dataPort: number }
  & (
    | {
      type: "spm";
      sqn: number;
      trail: number;
      lead: number;
      /** The source's address, where NAKs go. */
      nla: string;
      /** The source is closing its session (OPT_FIN). */
      fin: boolean;
    }
    | {
      type: "odata" | "rdata";
      sqn: number;
      trail: number;
      payload: Uint8Array;
    }
    | {
      type: "nak" | "ncf";
      /** The sequence numbers asked for (OPT_NAK_LIST adds to the first). */
      sqns: number[];
      source: string;
      group: string;
    }
    | { type: "spmr" }
    | { type: "other"; code: number }
  );

/**
 * Names a session for maps: the GSI in hex and the source port.
 *
 * @param gsi 6 bytes.
 * @param sourcePort The data-source port.
 * @returns The key.
 */
export function tsiKey(gsi: Uint8Array, sourcePort: number): string {
  let key = "";
  for (let i = 0; i < 6; i++) key += gsi[i].toString(16).padStart(2, "0");
  return `${key}.${sourcePort}`;
}

/**
 * Whether sequence number `a` comes before `b`, modulo 2³² (RFC 1982).
 *
 * @param a A sequence number.
 * @param b Another.
 * @returns `a < b` in serial arithmetic.
 */
export function sqnBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * How far `b` is past `a`, modulo 2³² (negative when before).
 *
 * @param a A sequence number.
 * @param b Another.
 * @returns `b - a` in serial arithmetic.
 */
export function sqnDistance(a: number, b: number): number {
  return (b - a) | 0;
}

/**
 * The 16-bit ones' complement of the ones' complement sum (RFC 1071).
 *
 * @param bytes What to sum.
 * @returns The checksum as sent (0 computed is sent as 0xffff).
 */
function pgmChecksum(bytes: Uint8Array): number {
  const checksum = ~_sum(bytes) & 0xffff;
  return checksum === 0 ? 0xffff : checksum;
}

/** The ones' complement sum of 16-bit words, folded to 16 bits. */
function _sum(bytes: Uint8Array): number {
  let sum = 0;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) {
    sum += (bytes[i] << 8) | bytes[i + 1];
    // Folded as it goes, so it never leaves the small-integer range.
    if (sum > 0xffffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (even < bytes.length) sum += bytes[even] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Decodes one PGM packet, checking its length, options and checksum.
 *
 * @param bytes The UDP payload.
 * @returns The packet; its payload is a view into `bytes`.
 * @throws {ProtocolError} For a truncated or corrupt packet.
 */
export function decodePgm(bytes: Uint8Array): PgmPacket {
  if (bytes.length < HEADER_BYTES) _malformed(`${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const checksum = view.getUint16(6);
  // Summed with its checksum in place, a whole packet gives all ones; 0
  // means the sender sent none.
  if (checksum !== 0 && _sum(bytes) !== 0xffff) _malformed("a wrong checksum");
  const code = bytes[4];
  const upstream = code === PGM_NAK || code === PGM_SPMR || code === PGM_NNAK;
  const base = {
    tsi: tsiKey(bytes.subarray(8, 14), view.getUint16(upstream ? 2 : 0)),
    dataPort: view.getUint16(upstream ? 0 : 2),
  };
  const tsdu = view.getUint16(14);
  const hasOptions = (bytes[5] & OPTIONS_PRESENT) !== 0;
  switch (code) {
    case PGM_SPM: {
      _need(bytes, HEADER_BYTES + 12);
      const [nla, end] = _readNla(bytes, view, HEADER_BYTES + 12);
      const options = _readOptions(bytes, view, end, hasOptions);
      return {
        ...base,
        type: "spm",
        sqn: view.getUint32(16),
        trail: view.getUint32(20),
        lead: view.getUint32(24),
        nla,
        fin: options.fin,
      };
    }
    case PGM_ODATA:
    case PGM_RDATA: {
      const options = _readOptions(bytes, view, HEADER_BYTES + 8, hasOptions);
      if (options.end + tsdu !== bytes.length) {
        _malformed(
          `a TSDU length of ${tsdu} in ${bytes.length - options.end} bytes`,
        );
      }
      return {
        ...base,
        type: code === PGM_ODATA ? "odata" : "rdata",
        sqn: view.getUint32(16),
        trail: view.getUint32(20),
        payload: bytes.subarray(options.end),
      };
    }
    case PGM_NAK:
    case PGM_NCF: {
      _need(bytes, HEADER_BYTES + 4);
      const [source, afterSource] = _readNla(bytes, view, HEADER_BYTES + 4);
      const [group, end] = _readNla(bytes, view, afterSource);
      const options = _readOptions(bytes, view, end, hasOptions);
      return {
        ...base,
        type: code === PGM_NAK ? "nak" : "ncf",
        // At most what one NAK may list, however many lists it carries.
        sqns: [view.getUint32(16), ...options.naks].slice(0, MAX_NAK_SQNS),
        source,
        group,
      };
    }
    case PGM_SPMR:
      return { ...base, type: "spmr" };
    default:
      return { ...base, type: "other", code };
  }
}

/**
 * The header for a packet of `session`, checksum left at 0: a NAK or an
 * SPMR goes upstream, so its ports are swapped.
 */
function _header(
  packet: Uint8Array,
  session: PgmSession,
  type: number,
  options: boolean,
  tsdu: number,
): DataView {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.length);
  const upstream = type === PGM_NAK || type === PGM_SPMR;
  view.setUint16(upstream ? 2 : 0, session.sourcePort);
  view.setUint16(upstream ? 0 : 2, session.destinationPort);
  packet[4] = type;
  packet[5] = options ? OPTIONS_PRESENT : 0;
  packet.set(session.gsi, 8);
  view.setUint16(14, tsdu);
  return view;
}

function _seal(packet: Uint8Array): Uint8Array {
  const checksum = pgmChecksum(packet);
  packet[6] = checksum >>> 8;
  packet[7] = checksum & 0xff;
  return packet;
}

/**
 * Encodes a source path message.
 *
 * @param session The sender's session.
 * @param spm Its sequence number, window edges, address and whether closing.
 * @returns The packet.
 */
export function encodeSpm(
  session: PgmSession,
  spm: { sqn: number; trail: number; lead: number; nla: string; fin?: boolean },
): Uint8Array {
  const packet = new Uint8Array(HEADER_BYTES + 20 + (spm.fin ? 8 : 0));
  const view = _header(packet, session, PGM_SPM, spm.fin === true, 0);
  view.setUint32(16, spm.sqn);
  view.setUint32(20, spm.trail);
  view.setUint32(24, spm.lead);
  _writeNla(packet, view, 28, spm.nla);
  if (spm.fin) {
    // OPT_LENGTH (the options' total), then OPT_FIN, the last.
    packet.set([OPT_LENGTH, 4, 0, 8, OPT_FIN | OPT_END, 4, 0, 0], 36);
  }
  return _seal(packet);
}

/**
 * Encodes original or repair data.
 *
 * @param session The sender's session.
 * @param type ODATA or RDATA.
 * @param sqn The packet's sequence number.
 * @param trail The oldest sequence number the sender can still repair.
 * @param payload The TSDU.
 * @returns The packet.
 */
export function encodeData(
  session: PgmSession,
  type: typeof PGM_ODATA | typeof PGM_RDATA,
  sqn: number,
  trail: number,
  payload: Uint8Array,
): Uint8Array {
  const packet = new Uint8Array(HEADER_BYTES + 8 + payload.length);
  const view = _header(packet, session, type, false, payload.length);
  view.setUint32(16, sqn);
  view.setUint32(20, trail);
  packet.set(payload, HEADER_BYTES + 8);
  return _seal(packet);
}

/**
 * Encodes a NAK (a receiver asks for repairs) or an NCF (the source
 * confirms it heard one): up to {@linkcode MAX_NAK_SQNS} sequence numbers.
 *
 * @param session The source's session (a receiver NAKs the source's TSI;
 * the ports are swapped for it).
 * @param type NAK or NCF.
 * @param sqns The sequence numbers, at least one.
 * @param source The source's address.
 * @param group The group's address.
 * @returns The packet.
 */
export function encodeNak(
  session: PgmSession,
  type: typeof PGM_NAK | typeof PGM_NCF,
  sqns: readonly number[],
  source: string,
  group: string,
): Uint8Array {
  const listed = sqns.length - 1;
  const optionBytes = listed > 0 ? 4 + 4 + 4 * listed : 0;
  const packet = new Uint8Array(HEADER_BYTES + 20 + optionBytes);
  const view = _header(packet, session, type, listed > 0, 0);
  view.setUint32(16, sqns[0]);
  _writeNla(packet, view, 20, source);
  _writeNla(packet, view, 28, group);
  if (listed > 0) {
    packet.set([OPT_LENGTH, 4, optionBytes >>> 8, optionBytes & 0xff], 36);
    packet.set([OPT_NAK_LIST | OPT_END, 4 + 4 * listed, 0, 0], 40);
    for (let i = 1; i <= listed; i++) view.setUint32(40 + 4 * i, sqns[i]);
  }
  return _seal(packet);
}

/**
 * Encodes an SPM request: a receiver that has data but no SPM asks the
 * source for one.
 *
 * @param session The source's session.
 * @returns The packet.
 */
export function encodeSpmr(session: PgmSession): Uint8Array {
  const packet = new Uint8Array(HEADER_BYTES);
  _header(packet, session, PGM_SPMR, false, 0);
  return _seal(packet);
}

function _writeNla(
  packet: Uint8Array,
  view: DataView,
  at: number,
  address: string,
): void {
  view.setUint16(at, AFI_IP);
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((part) => !(part >= 0 && part < 256))) {
    throw new RangeError(`"${address}" is not an IPv4 address`);
  }
  packet.set(parts, at + 4);
}

function _readNla(
  bytes: Uint8Array,
  view: DataView,
  at: number,
): [string, number] {
  _need(bytes, at + 4);
  const afi = view.getUint16(at);
  if (afi === AFI_IP) {
    _need(bytes, at + 8);
    return [bytes.subarray(at + 4, at + 8).join("."), at + 8];
  }
  if (afi === AFI_IP6) {
    _need(bytes, at + 20);
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) {
      groups.push(view.getUint16(at + 4 + 2 * i).toString(16));
    }
    return [groups.join(":"), at + 20];
  }
  return _malformed(`an address of family ${afi}`);
}

/** Walks the option chain: its end, OPT_FIN, and OPT_NAK_LIST's numbers. */
function _readOptions(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  present: boolean,
): { end: number; fin: boolean; naks: number[] } {
  const read = { end: at, fin: false, naks: [] as number[] };
  if (!present) {
    _need(bytes, at);
    return read;
  }
  _need(bytes, at + 4);
  if (bytes[at] !== OPT_LENGTH || bytes[at + 1] !== 4) {
    _malformed("options that do not start with OPT_LENGTH");
  }
  const total = view.getUint16(at + 2);
  const end = at + total;
  _need(bytes, end);
  let option = at + 4;
  for (;;) {
    if (option + 2 > end) _malformed("an option chain without its end");
    const type = bytes[option] & 0x7f;
    const length = bytes[option + 1];
    if (length < 2 || option + length > end) {
      _malformed(`an option of ${length} bytes`);
    }
    if (type === OPT_FIN) read.fin = true;
    if (type === OPT_NAK_LIST) {
      for (let i = option + 4; i + 4 <= option + length; i += 4) {
        read.naks.push(view.getUint32(i));
      }
    }
    option += length;
    if (bytes[option - length] & OPT_END) break;
  }
  read.end = end;
  return read;
}

function _need(bytes: Uint8Array, length: number): void {
  if (bytes.length < length) _malformed(`only ${bytes.length} bytes`);
}

function _malformed(what: string): never {
  throw new ProtocolError("protocol", `a PGM packet with ${what} was dropped`);
}
