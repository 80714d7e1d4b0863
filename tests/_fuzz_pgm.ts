/**
 * The codec fuzzer for PGM (`epgm://`): a sender and a receiver talk over
 * a multicast wire that loses, repeats, reorders and damages datagrams,
 * with strangers' packets (other sources, random bytes, forged sequence
 * numbers) mixed in; or a fresh receiver is fed garbage. Whatever comes,
 * neither side throws, every error is a typed `ProtocolError`, and when
 * nothing was damaged or forged every message arrives once, in order
 * (losses are repaired).
 *
 * @module
 */
import { ProtocolError } from "../codec/errors.ts";
import { encodeData, encodeSpm, PGM_ODATA } from "../codec/_pgm_packet.ts";
import { PgmFrameEncoder } from "../codec/_pgm_framing.ts";
import { PgmSender } from "../codec/_pgm_sender.ts";
import { PgmReceiver, type PgmReceiverEvent } from "../codec/_pgm_receiver.ts";
import {
  type CaseResult,
  describeMessage,
  type FuzzKind,
  MESSAGES,
  mutate,
  random,
  randomBytes,
} from "./_fuzz.ts";

const SOURCE = "127.0.0.1";
const GROUP = "239.192.1.2";
const PORT = 5601;

/** A stranger's packet: another session, forged numbers, or noise. */
function stranger(next: () => number): Uint8Array {
  const session = {
    gsi: randomBytes(next, 6),
    sourcePort: Math.floor(next() * 65536),
    destinationPort: next() < 0.8 ? PORT : Math.floor(next() * 65536),
  };
  const sqn = Math.floor(next() * 2 ** 32);
  switch (Math.floor(next() * 3)) {
    case 0:
      return encodeSpm(session, {
        sqn,
        trail: Math.floor(next() * 2 ** 32),
        lead: Math.floor(next() * 2 ** 32),
        nla: SOURCE,
        fin: next() < 0.2,
      });
    case 1:
      return encodeData(
        session,
        PGM_ODATA,
        sqn,
        Math.floor(next() * 2 ** 32),
        randomBytes(next, Math.floor(next() * 64)),
      );
    default:
      return randomBytes(next, Math.floor(next() * 200));
  }
}

/** The checks every receiver event must pass; `undefined` if it does. */
function check(
  events: PgmReceiverEvent[],
  received: string[],
  upstream: Uint8Array[],
): string | undefined {
  for (const event of events) {
    if (event.type === "error" && !(event.error instanceof ProtocolError)) {
      return `an untyped error ${event.error}`;
    }
    if (event.type === "message") received.push(describeMessage(event.frames));
    if (event.type === "transmit") upstream.push(event.datagram);
  }
  return undefined;
}

/**
 * Runs one case of the conversation fuzz over PGM.
 *
 * @param seed The case's seed.
 */
export function pgmConversationCase(seed: number): CaseResult {
  const next = random(seed);
  let now = 0;
  const sender = new PgmSender({
    session: {
      gsi: randomBytes(next, 6),
      sourcePort: 1000,
      destinationPort: PORT,
    },
    address: SOURCE,
    group: GROUP,
    maxTpdu: next() < 0.5 ? 1500 : 200,
    rate: 100_000,
    recoveryInterval: 10_000,
    now,
  });
  // The control: no damage, no strangers, no limits: it must not err.
  const control = next() < 0.3;
  const receiver = new PgmReceiver({
    dataPort: PORT,
    group: GROUP,
    windowSqns: control || next() < 0.7 ? 1000 : 4,
    maxMessageSize: !control && next() < 0.3
      ? 1 + Math.floor(next() * 500)
      : -1,
    maxSources: 1 + Math.floor(next() * 4),
    now,
    random: next,
  });
  const loss = next() * 0.3;
  const damage = control ? 0 : next() * 0.3;
  const sent: string[] = [];
  const received: string[] = [];
  const upstream: Uint8Array[] = [];
  let errored = false;
  const held: Uint8Array[] = [];
  const deliver = (packets: Uint8Array[]): string | undefined => {
    for (let packet of packets) {
      if (next() < loss) continue;
      if (next() < damage) packet = mutate(packet, next);
      const copies = next() < 0.1 ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        // Some wait, and come after later ones.
        if (next() < 0.1) {
          held.push(packet.slice());
          continue;
        }
        const failure = feed(packet.slice());
        if (failure) return failure;
      }
      if (!control && next() < 0.1) {
        const failure = feed(stranger(next));
        if (failure) return failure;
      }
    }
    return undefined;
  };
  const feed = (packet: Uint8Array): string | undefined => {
    let events: PgmReceiverEvent[];
    try {
      events = receiver.receive(packet, SOURCE, now);
    } catch (error) {
      return `receive threw ${error}`;
    }
    if (events.some((event) => event.type === "error")) errored = true;
    return check(events, received, upstream);
  };
  const step = (): string | undefined => {
    let failure = deliver(sender.poll(now));
    if (failure) return failure;
    try {
      const events = receiver.poll(now);
      if (events.some((event) => event.type === "error")) errored = true;
      failure = check(events, received, upstream);
    } catch (error) {
      return `poll threw ${error}`;
    }
    if (failure) return failure;
    // NAKs go upstream, undamaged but sometimes lost.
    for (const nak of upstream.splice(0)) {
      if (next() < loss) continue;
      try {
        const error = sender.receive(nak, now);
        if (error && !(error instanceof ProtocolError)) {
          return `the sender's error is untyped: ${error}`;
        }
      } catch (error) {
        return `the sender's receive threw ${error}`;
      }
    }
    if (held.length > 0 && next() < 0.5) {
      failure = deliver(held.splice(0).reverse());
    }
    return failure;
  };
  // The first SPMs arrive: the receiver starts at the first message (a
  // receiver that first hears later data is a late joiner, which starts
  // there).
  for (const spm of sender.poll(now)) {
    const failure = feed(spm);
    if (failure) return { failure, errored: true };
  }
  const encoder = new PgmFrameEncoder(sender.maxTsdu);
  const long = [new Uint8Array(3000).fill(5)];
  for (let round = 0; round < 20; round++) {
    const message = next() < 0.1
      ? long
      : MESSAGES[Math.floor(next() * MESSAGES.length)].map((frame) =>
        frame.subarray(0, 600)
      );
    encoder.encode(message);
    sent.push(describeMessage(message));
    if (next() < 0.6) encoder.flush();
    for (let tsdu; (tsdu = encoder.take());) {
      const failure = deliver([sender.send(tsdu, now)]);
      if (failure) return { failure, errored: true };
    }
    now += Math.floor(next() * 100);
    const failure = step();
    if (failure) return { failure, errored: true };
  }
  encoder.flush();
  for (let tsdu; (tsdu = encoder.take());) {
    const failure = deliver([sender.send(tsdu, now)]);
    if (failure) return { failure, errored: true };
  }
  // Time for the repairs: SPMs reveal a lost tail, NAKs bring RDATA.
  while (now < 60_000) {
    const failure = step();
    if (failure) return { failure, errored: true };
    now = Math.max(now + 1, Math.min(sender.deadline, receiver.deadline));
  }
  held.length = 0;
  if (control && errored) {
    return { failure: "an error without damage or strangers", errored };
  }
  if (control && received.join() !== sent.join()) {
    return { failure: "received other than was sent", errored };
  }
  return { errored };
}

/**
 * Runs one case of garbage into a fresh receiver: random datagrams,
 * strangers' packets, and damaged ones.
 *
 * @param seed The case's seed.
 */
export function pgmGarbageCase(seed: number): CaseResult {
  const next = random(seed);
  const receiver = new PgmReceiver({
    dataPort: PORT,
    group: GROUP,
    windowSqns: 1 + Math.floor(next() * 100),
    maxSources: 1 + Math.floor(next() * 8),
    now: 0,
    random: next,
  });
  let errored = false;
  const sink: string[] = [];
  for (let i = 0; i < 40; i++) {
    const packet = next() < 0.5 ? stranger(next) : mutate(stranger(next), next);
    const now = i * 1000;
    try {
      const events = [
        ...receiver.receive(packet, SOURCE, now),
        ...receiver.poll(now),
      ];
      if (events.some((event) => event.type === "error")) errored = true;
      const failure = check(events, sink, []);
      if (failure) return { failure, errored: true };
    } catch (error) {
      return { failure: `receive or poll threw ${error}`, errored: true };
    }
  }
  return { errored };
}

/** The cases of PGM. */
export const PGM_KINDS: FuzzKind[] = [
  ["pgm conversation", pgmConversationCase],
  ["pgm garbage", pgmGarbageCase],
];
