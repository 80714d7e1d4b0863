/**
 * The codec fuzzer (tests/_fuzz.ts) over WebSocket: a client and a server
 * {@linkcode codec.WebSocketConnection} (ZWS 2.0 with NULL, PLAIN or
 * CURVE) talk through the same damaging wire, with WebSocket damage added
 * (huge declared lengths, masked or not; text, fragmented and control
 * frames); or a fresh server, or a client past its upgrade, is fed random
 * bytes. A ws:// server faces browsers on open networks: whatever comes,
 * the same rules hold as for ZMTP over tcp.
 *
 * @module
 */
import { concat } from "@std/bytes";
import { codec } from "../mod.ts";
import { setMaskSource } from "../codec/_websocket_mask.ts";
import {
  type CaseResult,
  converse,
  drain,
  type FuzzKind,
  type Mechanism,
  MECHANISMS,
  mutate,
  pairOptions,
  random,
  randomBytes,
  Side,
  split,
} from "./_fuzz.ts";

function pair(mechanism: Mechanism, maxMessageSize: number) {
  const options = pairOptions(mechanism, maxMessageSize);
  return {
    client: new codec.WebSocketConnection({
      ...options.client,
      role: "client",
      path: "/fuzz",
      host: "127.0.0.1",
    }),
    server: new codec.WebSocketConnection({
      ...options.server,
      role: "server",
      path: "/fuzz",
    }),
  };
}

/** WebSocket frame headers and frames that a careless or hostile peer sends. */
const WS_DAMAGE: number[][] = [
  [0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // 2^63 - 1
  [0x82, 0xff, 0, 0, 0, 0x01, 0, 0, 0, 0, 1, 2, 3, 4], // 4 GiB, masked
  [0x82, 0xfe, 0xff, 0xff, 1, 2, 3, 4], // 64 KiB, masked
  [0x81, 0x81, 0, 0, 0, 0, 0x41], // a text frame
  [0x02, 0x81, 0, 0, 0, 0, 0x00], // a binary fragment without FIN
  [0x89, 0x84, 0, 0, 0, 0, 1, 2, 3, 4], // a ping
  [0x89, 0xfe, 0, 200, 0, 0, 0, 0], // a ping over 125 bytes
  [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8], // a close
  [0x80, 0x80, 0, 0, 0, 0], // a continuation out of the blue
];

/** Damages a chunk: as over tcp, or with WebSocket damage inserted. */
function mutateWs(chunk: Uint8Array, next: () => number): Uint8Array {
  if (next() < 0.6) return mutate(chunk, next);
  const at = Math.floor(next() * (chunk.length + 1));
  const damage = WS_DAMAGE[Math.floor(next() * WS_DAMAGE.length)];
  return concat([
    chunk.subarray(0, at),
    new Uint8Array(damage),
    chunk.subarray(at),
  ]);
}

/**
 * Runs one case of the conversation fuzz over WebSocket.
 *
 * @param seed The case's seed.
 */
export function wsConversationCase(seed: number): CaseResult {
  return withSeededMasks(seed, conversation);
}

function conversation(seed: number): CaseResult {
  const next = random(seed);
  const mechanism = MECHANISMS[Math.floor(next() * MECHANISMS.length)];
  const maxMessageSize = next() < 0.3 ? 1 + Math.floor(next() * 50_000) : -1;
  const ends = pair(mechanism, maxMessageSize);
  return converse(next, { ...ends, name: "ws " }, maxMessageSize, {
    send(source, message) {
      if (next() < 0.8) {
        source.sendMessage(message);
        return message;
      }
      // ZWS has no greeting to say ZMTP 3.1: a subscription goes as a
      // message, which a ROUTER or DEALER takes as one.
      source.sendSubscribe(message[0]);
      return [concat([new Uint8Array([1]), message[0]])];
    },
    // The decoder unmasks in place: the wire gives it its own copy.
    carry: (chunk, damage) =>
      split(damage ? mutateWs(chunk.slice(), next) : chunk.slice(), next),
  });
}

/**
 * Runs one case of garbage over WebSocket: random bytes into a fresh
 * server (some after a valid upgrade request), or into a client after the
 * server's valid answer.
 *
 * @param seed The case's seed.
 */
export function wsGarbageCase(seed: number): CaseResult {
  return withSeededMasks(seed, garbage);
}

function garbage(seed: number): CaseResult {
  const next = random(seed);
  const mechanism = MECHANISMS[Math.floor(next() * MECHANISMS.length)];
  const { client, server } = pair(mechanism, next() < 0.5 ? 1000 : -1);
  const request = concat(drain(client));
  const roll = next();
  let side: Side;
  let prefix: Uint8Array;
  if (roll < 0.3) {
    side = new Side("ws server", server, next);
    prefix = new Uint8Array();
  } else if (roll < 0.65) {
    side = new Side("ws server", server, next);
    prefix = request;
  } else {
    side = new Side("ws client", client, next);
    server.receive(request.slice(), 0);
    // The answer, and the server's greeting in a frame after it.
    prefix = concat(drain(server));
  }
  const tail = next() < 0.5
    ? randomBytes(next, Math.floor(next() * 2000))
    : concat(
      Array.from(
        { length: 1 + Math.floor(next() * 6) },
        () =>
          next() < 0.5
            ? new Uint8Array(WS_DAMAGE[Math.floor(next() * WS_DAMAGE.length)])
            : randomBytes(next, Math.floor(next() * 64)),
      ),
    );
  for (const part of split(concat([prefix, tail]), next)) {
    const failure = side.feed(part, 0);
    if (failure) return { failure, errored: true };
  }
  return { errored: side.failed };
}

/**
 * Runs one case of the conversation fuzz over ZWS messages, as a platform
 * WebSocket hands them over (`Deno.upgradeWebSocket`, a browser): whole
 * messages lost, repeated, damaged or empty, never split.
 *
 * @param seed The case's seed.
 */
export function zwsMessagesCase(seed: number): CaseResult {
  const next = random(seed);
  const mechanism = MECHANISMS[Math.floor(next() * MECHANISMS.length)];
  const maxMessageSize = next() < 0.3 ? 1 + Math.floor(next() * 50_000) : -1;
  const options = pairOptions(mechanism, maxMessageSize);
  const ends = {
    client: new codec.Connection({ ...options.client, framing: "zws" }),
    server: new codec.Connection({ ...options.server, framing: "zws" }),
    name: "zws ",
  };
  return converse(next, ends, maxMessageSize, {
    send(source, message) {
      source.sendMessage(message);
      return message;
    },
    carry(message, damage) {
      if (!damage) return [message];
      const roll = next();
      return roll < 0.2
        ? []
        : roll < 0.4
        ? [message, message.slice()]
        : roll < 0.5
        ? [new Uint8Array(0)]
        : [mutate(message, next)];
    },
  });
}

/** Runs a case with the client's masks drawn from its seed: it replays. */
function withSeededMasks(
  seed: number,
  run: (seed: number) => CaseResult,
): CaseResult {
  const next = random(~seed);
  setMaskSource((bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() * 256;
  });
  try {
    return run(seed);
  } finally {
    setMaskSource();
  }
}

/** The cases of ZMTP over WebSocket. */
export const WS_KINDS: FuzzKind[] = [
  ["ws conversation", wsConversationCase],
  ["ws garbage", wsGarbageCase],
  ["zws messages", zwsMessagesCase],
];
