import { assert, assertEquals, assertThrows } from "@std/assert";
import { ProtocolError } from "../../codec/errors.ts";
import {
  decodePgm,
  encodeData,
  encodeNak,
  encodeSpm,
  PGM_NAK,
  PGM_ODATA,
  PGM_RDATA,
} from "../../codec/_pgm_packet.ts";
import { PgmFrameDecoder, PgmFrameEncoder } from "../../codec/_pgm_framing.ts";
import { MAX_MESSAGE_FRAMES } from "../../codec/_message_assembler.ts";
import {
  pgmMaxTsdu,
  PgmSender,
  pgmWindowSqns,
} from "../../codec/_pgm_sender.ts";
import {
  PgmReceiver,
  type PgmReceiverEvent,
  type PgmReceiverOptions,
} from "../../codec/_pgm_receiver.ts";

function hex(text: string): Uint8Array {
  return new Uint8Array(text.match(/../g)!.map((byte) => parseInt(byte, 16)));
}

const text = new TextEncoder();
const utf8 = new TextDecoder();

// Captured from libzmq 4.3.4 + OpenPGM 5.3 (a pyzmq PUB on
// epgm://127.0.0.1;239.192.1.2:5601): UDP payloads.
const OPENPGM_SPM = hex(
  "67b115e10000765db7c6d1bc038a00000000000000000000ffffffff000100007f000001",
);
const OPENPGM_ODATA = hex(
  "67b115e104000d69b7c6d1bc038a0012000000000000000000000601746f70696306016d736720300100",
);
const OPENPGM_FIN = hex(
  "67b115e10001e83ab7c6d1bc038a0000000000080000000000000009000100007f000001000400088e040000",
);
const GSI = hex("b7c6d1bc038a");
const SESSION = { gsi: GSI, sourcePort: 0x67b1, destinationPort: 5601 };

/** A receiver of SESSION's group and data port, as the tests below use. */
function groupReceiver(
  options: Omit<PgmReceiverOptions, "dataPort" | "group">,
): PgmReceiver {
  return new PgmReceiver({ dataPort: 5601, group: "239.192.1.2", ...options });
}

Deno.test("pgm: OpenPGM's SPM, ODATA and closing SPM decode", () => {
  const spm = decodePgm(OPENPGM_SPM);
  assertEquals(spm, {
    tsi: "b7c6d1bc038a.26545",
    dataPort: 5601,
    type: "spm",
    sqn: 0,
    trail: 0,
    lead: 0xffffffff,
    nla: "127.0.0.1",
    fin: false,
  });
  const data = decodePgm(OPENPGM_ODATA);
  if (data.type !== "odata") throw new Error(data.type);
  assertEquals([data.sqn, data.trail], [0, 0]);
  assertEquals(
    new PgmFrameDecoder().push(data.payload).map((m) =>
      m.map((f) => utf8.decode(f))
    ),
    [["topic", "msg 0", ""]],
  );
  const fin = decodePgm(OPENPGM_FIN);
  assert(fin.type === "spm" && fin.fin && fin.lead === 9 && fin.sqn === 8);
});

Deno.test("pgm: we encode packets byte for byte as OpenPGM does", () => {
  assertEquals(
    encodeSpm(SESSION, {
      sqn: 0,
      trail: 0,
      lead: 0xffffffff,
      nla: "127.0.0.1",
    }),
    OPENPGM_SPM,
  );
  const encoder = new PgmFrameEncoder(pgmMaxTsdu(1500));
  encoder.encode(["topic", "msg 0", ""].map((f) => text.encode(f)));
  encoder.flush();
  assertEquals(
    encodeData(SESSION, PGM_ODATA, 0, 0, encoder.take()!),
    OPENPGM_ODATA,
  );
  assertEquals(
    encodeSpm(SESSION, {
      sqn: 8,
      trail: 0,
      lead: 9,
      nla: "127.0.0.1",
      fin: true,
    }),
    OPENPGM_FIN,
  );
});

Deno.test("pgm: a NAK goes upstream with its ports swapped and lists up to 63", () => {
  const nak = encodeNak(
    SESSION,
    PGM_NAK,
    [5, 6, 9],
    "127.0.0.1",
    "239.192.1.2",
  );
  assertEquals([nak[0] << 8 | nak[1], nak[2] << 8 | nak[3]], [5601, 0x67b1]);
  assertEquals(decodePgm(nak), {
    tsi: "b7c6d1bc038a.26545",
    dataPort: 5601,
    type: "nak",
    sqns: [5, 6, 9],
    source: "127.0.0.1",
    group: "239.192.1.2",
  });
});

Deno.test("pgm: a NAK of 63 sequence numbers (options over 255 bytes) decodes", () => {
  const sqns = Array.from({ length: 63 }, (_, i) => 1000 + 2 * i);
  const nak = encodeNak(SESSION, PGM_NAK, sqns, "127.0.0.1", "239.192.1.2");
  const decoded = decodePgm(nak);
  if (decoded.type !== "nak") throw new Error(decoded.type);
  assertEquals(decoded.sqns, sqns);
});

Deno.test("pgm: truncated, corrupt or badly optioned packets throw ProtocolError", () => {
  const corrupt = OPENPGM_ODATA.slice();
  corrupt[30] ^= 1;
  const badOptions = OPENPGM_FIN.slice(0, OPENPGM_FIN.length - 4);
  badOptions[5] = 1;
  const cases = [
    OPENPGM_SPM.subarray(0, 10),
    OPENPGM_SPM.subarray(0, 30),
    OPENPGM_ODATA.subarray(0, 40),
    corrupt,
  ];
  for (const bytes of cases) {
    assertThrows(() => decodePgm(bytes), ProtocolError);
  }
  // Without a checksum (0), a bad option chain is still found.
  badOptions[6] = badOptions[7] = 0;
  assertThrows(() => decodePgm(badOptions), ProtocolError);
});

Deno.test("pgm framing: messages cut across TSDUs join back; a late joiner starts whole", () => {
  const encoder = new PgmFrameEncoder(40);
  const big = new Uint8Array(300).map((_, i) => i);
  const messages = [
    [text.encode("a"), big, new Uint8Array(0)],
    [text.encode("second")],
    [new Uint8Array(0)],
    [text.encode("x".repeat(70))],
    [text.encode("last")],
  ];
  for (const message of messages) encoder.encode(message);
  encoder.flush();
  const tsdus: Uint8Array[] = [];
  for (let tsdu; (tsdu = encoder.take());) tsdus.push(tsdu);
  assert(tsdus.every((tsdu) => tsdu.length <= 40));
  const decoder = new PgmFrameDecoder();
  assertEquals(tsdus.flatMap((tsdu) => decoder.push(tsdu)), messages);
  // Joining at the third TSDU (inside the 300-byte frame): the first
  // message is skipped, the others read.
  const late = new PgmFrameDecoder();
  const read = tsdus.slice(3).flatMap((tsdu) => late.push(tsdu));
  assertEquals(read, messages.slice(1));
});

Deno.test("pgm framing: maxMessageSize bounds each frame alone, as libzmq's decoder: two frames within it pass", () => {
  const encoder = new PgmFrameEncoder(1000);
  encoder.encode([new Uint8Array(300), new Uint8Array(300)]);
  encoder.flush();
  const [message] = new PgmFrameDecoder(301).push(encoder.take()!);
  assertEquals(message.map((frame) => frame.length), [300, 300]);
});

Deno.test("pgm framing: a message of 2^20 frames passes, one of more is refused", () => {
  // A TSDU whose message starts at once: empty frames (a length byte of 1),
  // each with MORE but the last.
  const encode = (frames: number) => {
    const tsdu = new Uint8Array(2 + 2 * frames);
    for (let at = 2; at < tsdu.length; at += 2) {
      tsdu[at] = 1;
      tsdu[at + 1] = at < tsdu.length - 2 ? 1 : 0;
    }
    return tsdu;
  };
  const decoder = new PgmFrameDecoder();
  const [message] = decoder.push(encode(MAX_MESSAGE_FRAMES));
  assertEquals(message.length, MAX_MESSAGE_FRAMES);
  const error = assertThrows(
    () => decoder.push(encode(MAX_MESSAGE_FRAMES + 1)),
    ProtocolError,
  );
  assertEquals(
    error.message,
    `PGM data with a message of more than ${MAX_MESSAGE_FRAMES} frames`,
  );
});

Deno.test("pgm framing: a zero length or a frame over the limit is refused", () => {
  assertThrows(
    () => new PgmFrameDecoder().push(new Uint8Array([0, 0, 0, 0])),
    ProtocolError,
  );
  const encoder = new PgmFrameEncoder(100);
  encoder.encode([new Uint8Array(50)]);
  encoder.flush();
  const decoder = new PgmFrameDecoder(10);
  assertThrows(() => decoder.push(encoder.take()!), ProtocolError);
  assertEquals(decoder.joined, false);
});

/** A sender and a receiver wired together, with a clock and a lossy wire. */
function wire(drop: (packet: Uint8Array) => boolean = () => false) {
  let now = 0;
  let seed = 1;
  const sender = new PgmSender({
    session: SESSION,
    address: "127.0.0.1",
    group: "239.192.1.2",
    maxTpdu: 1500,
    rate: 100_000,
    recoveryInterval: 10_000,
    now,
  });
  const receiver = groupReceiver({
    windowSqns: 1000,
    now,
    random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
  });
  const got: string[][] = [];
  const errors: ProtocolError[] = [];
  const take = (events: PgmReceiverEvent[]) => {
    for (const event of events) {
      if (event.type === "message") {
        got.push(event.frames.map((f) => utf8.decode(f)));
      } else if (event.type === "error") errors.push(event.error);
      else {errors.push(...[sender.receive(event.datagram, now)].filter((e) =>
          e !== undefined
        ));}
    }
  };
  const deliver = (packets: Uint8Array[]) => {
    for (const packet of packets) {
      if (!drop(packet)) take(receiver.receive(packet, "127.0.0.1", now));
    }
  };
  const encoder = new PgmFrameEncoder(sender.maxTsdu);
  return {
    sender,
    receiver,
    got,
    errors,
    send(frames: string[]) {
      encoder.encode(frames.map((f) => text.encode(f)));
      encoder.flush();
      for (let tsdu; (tsdu = encoder.take());) {
        deliver([sender.send(tsdu, now)]);
      }
    },
    /** Runs the clock to `until`, stepping to each deadline. */
    run(until: number) {
      for (;;) {
        deliver(sender.poll(now));
        take(receiver.poll(now));
        deliver(sender.poll(now));
        const next = Math.min(sender.deadline, receiver.deadline);
        if (next > until) break;
        now = Math.max(now, next);
      }
      now = until;
    },
  };
}

Deno.test("pgm: a gap is NAKed, confirmed and repaired; reading stays in order", () => {
  let odata = 0;
  // Drop ODATA 2 and 3 once each.
  const net = wire((packet) => packet[4] === 4 && [2, 3].includes(odata++));
  net.run(10);
  for (let i = 0; i < 6; i++) net.send([`m${i}`]);
  assertEquals(net.got, [["m0"], ["m1"]]);
  net.run(1000);
  assertEquals(net.got, [0, 1, 2, 3, 4, 5].map((i) => [`m${i}`]));
  assertEquals(net.errors, []);
});

Deno.test("pgm: a lost tail is found from the SPMs after data", () => {
  let odata = 0;
  const net = wire((packet) => packet[4] === 4 && odata++ === 2);
  net.run(10);
  for (let i = 0; i < 3; i++) net.send([`m${i}`]);
  net.run(2000);
  assertEquals(net.got, [["m0"], ["m1"], ["m2"]]);
});

Deno.test("pgm: loss beyond repair is reported once and reading resumes whole", () => {
  // Every copy of ODATA/RDATA 1 is lost: the receiver gives up on it.
  const net = wire((packet) => {
    if (packet[4] !== 4 && packet[4] !== 5) return false;
    return ((packet[16] << 24) | (packet[17] << 16) | (packet[18] << 8) |
      packet[19]) === 1;
  });
  net.run(10);
  net.send(["a"]);
  net.send(["b", "lost with its packet"]);
  net.send(["c"]);
  net.run(60_000);
  assertEquals(net.got, [["a"], ["c"]]);
  assertEquals(net.errors.map((e) => e.kind), ["loss"]);
});

Deno.test("pgm: duplicates and reordering deliver each message once", () => {
  const net = wire();
  net.run(10);
  const packets: Uint8Array[] = [];
  const encoder = new PgmFrameEncoder(net.sender.maxTsdu);
  for (let i = 0; i < 5; i++) {
    encoder.encode([text.encode(`m${i}`)]);
    encoder.flush();
    packets.push(net.sender.send(encoder.take()!, 10));
  }
  for (const index of [0, 2, 1, 1, 4, 3, 0, 4]) {
    for (const event of net.receiver.receive(packets[index], "127.0.0.1", 10)) {
      if (event.type === "message") {
        net.got.push(event.frames.map((f) => utf8.decode(f)));
      }
    }
  }
  assertEquals(net.got, [0, 1, 2, 3, 4].map((i) => [`m${i}`]));
});

Deno.test("pgm: a NAK outside the window or for another address is dropped with an error", () => {
  const net = wire();
  net.send(["only"]);
  const far = encodeNak(SESSION, PGM_NAK, [500], "127.0.0.1", "239.192.1.2");
  assertEquals(net.sender.receive(far, 0)?.kind, "protocol");
  const stranger = encodeNak(SESSION, PGM_NAK, [0], "10.0.0.1", "239.192.1.2");
  assertEquals(net.sender.receive(stranger, 0)?.kind, "protocol");
  assertEquals(
    net.sender.receive(OPENPGM_ODATA.subarray(0, 9), 0)?.kind,
    "protocol",
  );
});

Deno.test("pgm: a flood of SPMs from strangers is bounded and forgotten, each giving way to the next, none to a source that sent data", () => {
  const receiver = groupReceiver({
    windowSqns: 80,
    now: 0,
    maxSources: 8,
    random: () => 0,
  });
  const texts = (events: PgmReceiverEvent[]) =>
    events.flatMap((event) =>
      event.type === "message" ? [utf8.decode(event.frames[0])] : []
    );
  // A source that sent data, with a gap waiting for its repair.
  receiver.receive(
    encodeData(SESSION, PGM_ODATA, 0, 0, tsduOf("m0")),
    "127.0.0.1",
    0,
  );
  receiver.receive(
    encodeData(SESSION, PGM_ODATA, 2, 0, tsduOf("m2")),
    "127.0.0.1",
    0,
  );
  let refused = 0;
  for (let i = 0; i < 1000; i++) {
    const spm = encodeSpm(
      { ...SESSION, sourcePort: 1000 + i },
      { sqn: 0, trail: 0, lead: 5, nla: "127.0.0.1" },
    );
    refused += receiver.receive(spm, "127.0.0.1", 0).length;
  }
  assertEquals([receiver.sources, refused], [8, 0]);
  // Its repair fills the gap it had: what it held is read on.
  const repaired = receiver.receive(
    encodeData(SESSION, PGM_RDATA, 1, 0, tsduOf("m1")),
    "127.0.0.1",
    1,
  );
  assertEquals(texts(repaired), ["m1", "m2"]);
  receiver.poll(60_000);
  assertEquals(receiver.sources, 1);
});

Deno.test("pgm: with every source followed sending data, a new one is dropped; one silent for a minute (ended without a FIN) gives way, as libzmq's OpenPGM follows any number", () => {
  const receiver = groupReceiver({
    windowSqns: 80,
    now: 0,
    maxSources: 4,
  });
  const from = (sourcePort: number, sqn: number) =>
    encodeData({ ...SESSION, sourcePort }, PGM_ODATA, sqn, 0, tsduOf("m"));
  const messages = (events: { type: string }[]) =>
    events.filter((event) => event.type === "message").length;
  for (let port = 1; port <= 4; port++) {
    assertEquals(messages(receiver.receive(from(port, 0), "127.0.0.1", 0)), 1);
  }
  // Four alive: a stranger's data is dropped, told as an error.
  const dropped = receiver.receive(from(5, 0), "127.0.0.1", 30_000);
  assertEquals(dropped.map((event) => event.type), ["error"]);
  // Three of them go on; the first falls silent for a minute.
  for (let port = 2; port <= 4; port++) {
    receiver.receive(from(port, 1), "127.0.0.1", 40_000);
  }
  assertEquals(
    messages(receiver.receive(from(5, 1), "127.0.0.1", 60_000)),
    1,
  );
  assertEquals(receiver.sources, 4);
  // The others were kept: their next data is read in order.
  assertEquals(messages(receiver.receive(from(2, 2), "127.0.0.1", 60_000)), 1);
});

function tsduOf(text: string): Uint8Array {
  const encoder = new PgmFrameEncoder(pgmMaxTsdu(1500));
  encoder.encode([new TextEncoder().encode(text)]);
  encoder.flush();
  return encoder.take()!;
}

Deno.test("pgm: an SPM naming an IPv6 source makes NAKs go where its data came from, never throws", () => {
  const receiver = groupReceiver({
    windowSqns: 80,
    now: 0,
    random: () => 0,
  });
  const spm = (sqn: number, lead: number) => {
    const ipv4 = encodeSpm(SESSION, { sqn, trail: 0, lead, nla: "127.0.0.1" });
    const ipv6 = new Uint8Array(ipv4.length + 12);
    ipv6.set(ipv4.subarray(0, 28));
    ipv6[29] = 2; // AFI 2, and a checksum of 0: none sent
    ipv6[6] = ipv6[7] = 0;
    return ipv6;
  };
  receiver.receive(spm(0, 0xffffffff), "10.0.0.9", 0);
  receiver.receive(spm(1, 4), "10.0.0.9", 0);
  const naks = receiver.poll(100).filter((event) => event.type === "transmit");
  assertEquals(naks.map((event) => event.type === "transmit" && event.to), [
    "10.0.0.9",
  ]);
});

Deno.test("pgm: a gap wider than the receive window is reported lost at once, and reading goes on", () => {
  const receiver = groupReceiver({
    windowSqns: 4,
    now: 0,
    random: () => 0,
  });
  const got: string[] = [];
  const kinds: string[] = [];
  const take = (events: PgmReceiverEvent[]) => {
    for (const event of events) {
      if (event.type === "message") got.push(utf8.decode(event.frames[0]));
      if (event.type === "error") kinds.push(event.error.kind);
    }
  };
  take(
    receiver.receive(
      encodeData(SESSION, PGM_ODATA, 0, 0, tsduOf("m0")),
      "127.0.0.1",
      0,
    ),
  );
  // 1..9 lost; an SPM says 9 was sent: 1..5 lie beyond the window of 4.
  take(
    receiver.receive(
      encodeSpm(SESSION, { sqn: 0, trail: 0, lead: 9, nla: "127.0.0.1" }),
      "127.0.0.1",
      0,
    ),
  );
  assert(
    kinds.length > 0 && kinds.every((kind) => kind === "loss"),
    `${kinds}`,
  );
  for (const sqn of [6, 7, 8, 9]) {
    take(
      receiver.receive(
        encodeData(SESSION, PGM_RDATA, sqn, 0, tsduOf(`m${sqn}`)),
        "127.0.0.1",
        10,
      ),
    );
  }
  assertEquals(got, ["m0", "m6", "m7", "m8", "m9"]);
});

Deno.test("pgm: a trail past the packet itself is not believed", () => {
  const receiver = groupReceiver({
    windowSqns: 80,
    now: 0,
  });
  const got: string[] = [];
  for (const [sqn, trail] of [[0, 0], [1, 1_000_000], [2, 0]]) {
    for (
      const event of receiver.receive(
        encodeData(SESSION, PGM_ODATA, sqn, trail, tsduOf(`m${sqn}`)),
        "127.0.0.1",
        0,
      )
    ) {
      if (event.type === "message") got.push(utf8.decode(event.frames[0]));
    }
  }
  assertEquals(got, ["m0", "m1", "m2"]);
});

Deno.test("pgm: steady data does not hold back the ambient SPM", () => {
  const sender = new PgmSender({
    session: SESSION,
    address: "127.0.0.1",
    group: "239.192.1.2",
    maxTpdu: 1500,
    rate: 1000,
    recoveryInterval: 10_000,
    now: 0,
  });
  sender.poll(0);
  let spms = 0;
  for (let now = 1; now < 300_000; now += 50) {
    sender.send(tsduOf("x"), now);
    for (const packet of sender.poll(now)) if (packet[4] === 0) spms++;
  }
  // One every 30 s (OpenPGM's receivers forget a source 300 s after its last).
  assert(spms >= 9, `${spms}`);
});

Deno.test("pgm framing: any TSDU size, frames of every length class, flushes anywhere", () => {
  let seed = 7;
  const next = (n: number) => (seed = (seed * 16807) % 2147483647) % n;
  for (let round = 0; round < 200; round++) {
    const encoder = new PgmFrameEncoder(3 + next(40));
    const decoder = new PgmFrameDecoder();
    const sent: number[][] = [];
    const got: number[][] = [];
    for (let m = 0; m < 20; m++) {
      const lengths = Array.from(
        { length: 1 + next(3) },
        () => [0, 1, 253, 254, 255, 256, next(600)][next(7)],
      );
      encoder.encode(lengths.map((length) => new Uint8Array(length).fill(m)));
      sent.push(lengths);
      if (next(3) === 0) encoder.flush();
    }
    encoder.flush();
    for (let tsdu; (tsdu = encoder.take());) {
      for (const message of decoder.push(tsdu)) {
        got.push(message.map((frame) => frame.length));
      }
    }
    assertEquals(got, sent);
  }
});

Deno.test("pgm: a source repairs each sequence number from its own packet as its window moves on", () => {
  // 80 packets of window (rate 100, 10 s); 500 sends move it on six times.
  const sender = new PgmSender({
    session: SESSION,
    address: "127.0.0.1",
    group: "239.192.1.2",
    maxTpdu: 1500,
    rate: 100,
    recoveryInterval: 10_000,
    now: 0,
  });
  for (let i = 0; i < 500; i++) {
    sender.send(new Uint8Array([0, 0, i >> 8, i & 0xff]), 0);
  }
  sender.poll(0);
  const asked = [420, 421, 459, 460, 499];
  const nak = encodeNak(SESSION, PGM_NAK, asked, "127.0.0.1", "239.192.1.2");
  assertEquals(sender.receive(nak, 1), undefined);
  const repaired = sender.poll(1).map((packet) => decodePgm(packet))
    .flatMap((packet) =>
      packet.type === "rdata"
        ? [[packet.sqn, packet.trail, [...packet.payload]]]
        : []
    );
  assertEquals(
    repaired,
    asked.map((sqn) => [sqn, 420, [0, 0, sqn >> 8, sqn & 0xff]]),
  );
  const gone = encodeNak(SESSION, PGM_NAK, [419], "127.0.0.1", "239.192.1.2");
  assertEquals(sender.receive(gone, 2)?.kind, "protocol");
});

Deno.test("pgm: a storm of NAKs never holds new data back; each packet owed is repaired once, paced to the rate", () => {
  let now = 0;
  const sender = new PgmSender({
    session: SESSION,
    address: "127.0.0.1",
    group: "239.192.1.2",
    maxTpdu: 1500,
    rate: 1000, // 125 bytes per ms
    recoveryInterval: 10_000,
    now,
  });
  sender.poll(now);
  const tsdu = new Uint8Array(sender.maxTsdu);
  for (let i = 0; i < 63; i++) {
    now += sender.delay(tsdu.length, now);
    sender.send(tsdu, now);
  }
  const start = now;
  const wait = sender.delay(tsdu.length, now);
  const repairs: number[] = [];
  let bytes = 0;
  const take = (packets: Uint8Array[]) => {
    for (const packet of packets) {
      const decoded = decodePgm(packet);
      if (decoded.type !== "rdata") continue;
      repairs.push(decoded.sqn);
      bytes += packet.length + 28;
    }
    // A bucket's worth at once, then the rate (IP and UDP counted).
    assert(bytes <= 65_536 + (now - start) * 125, `${bytes} by ${now}`);
  };
  const all = Array.from({ length: 63 }, (_, i) => i);
  for (let i = 0; i < 100; i++) {
    const nak = encodeNak(SESSION, PGM_NAK, all, "127.0.0.1", "239.192.1.2");
    assertEquals(sender.receive(nak, now), undefined);
    take(sender.poll(now));
  }
  assertEquals(sender.delay(tsdu.length, now), wait);
  while (repairs.length < all.length && now < start + 10_000) {
    now = Math.max(now, sender.deadline);
    take(sender.poll(now));
  }
  assertEquals(repairs, all);
  // The rest of the window's worth followed within the time it takes.
  assert(now - start < (63 * 1500 - 65_536) / 125 + 10, `${now - start}`);
  assertEquals(sender.delay(tsdu.length, now), 0);
});

/** The sequence numbers the NAKs among `events` ask for. */
function nakked(events: PgmReceiverEvent[]): number[] {
  return events.flatMap((event) => {
    if (event.type !== "transmit") return [];
    const nak = decodePgm(event.datagram);
    return nak.type === "nak" ? nak.sqns : [];
  });
}

Deno.test("pgm: a gap of 10,000 packets is asked for 4,096 at a time, the rest as repairs come, and read whole in order", () => {
  const receiver = groupReceiver({
    windowSqns: 20_000,
    now: 0,
    random: () => 0,
  });
  const spm = (sqn: number, lead: number) =>
    encodeSpm(SESSION, { sqn, trail: 0, lead, nla: "127.0.0.1" });
  receiver.receive(spm(0, 0xffffffff), "127.0.0.1", 0);
  receiver.receive(spm(1, 9_999), "127.0.0.1", 0);
  const got: string[] = [];
  const asked: number[] = [];
  let now = 0;
  for (let round = 0; got.length < 10_000 && round < 10; round++) {
    const sqns = nakked(receiver.poll(now));
    assert(sqns.length <= 4096, `${sqns.length} asked at once`);
    asked.push(...sqns);
    for (const sqn of sqns) {
      const rdata = encodeData(SESSION, PGM_RDATA, sqn, 0, tsduOf(`m${sqn}`));
      for (const event of receiver.receive(rdata, "127.0.0.1", now)) {
        if (event.type === "message") got.push(utf8.decode(event.frames[0]));
      }
    }
    now += 10;
  }
  assertEquals(asked, Array.from({ length: 10_000 }, (_, i) => i));
  assertEquals(got, Array.from({ length: 10_000 }, (_, i) => `m${i}`));
  // Nothing left to ask for: only the source's expiry.
  assert(receiver.deadline >= 300_000, `${receiver.deadline}`);
});

Deno.test("pgm: with a window of 833,333 packets (1 Gbit/s), one SPM of a far lead makes bounded work: 4,096 packets asked for, the next deadline read as before", () => {
  const receiver = groupReceiver({
    windowSqns: pgmWindowSqns(1_000_000, 10_000, 1500),
    now: 0,
  });
  const far = { ...SESSION, sourcePort: 1 };
  const other = { ...SESSION, sourcePort: 2 };
  for (const lead of [0xffffffff, 833_332]) {
    const spm = encodeSpm(far, { sqn: 0, trail: 0, lead, nla: "127.0.0.1" });
    receiver.receive(spm, "127.0.0.1", 1);
  }
  const payload = tsduOf("x");
  let deadline = Infinity;
  for (let sqn = 0; sqn < 1000; sqn++) {
    const odata = encodeData(other, PGM_ODATA, sqn, 0, payload);
    receiver.receive(odata, "127.0.0.1", 2);
    deadline = receiver.deadline; // as the link reads it after each
  }
  assert(deadline <= 51, `${deadline}`);
  // Counted, not timed: each packet of the gap was a repair up front
  // (833,332, each walked per datagram).
  assertEquals(receiver.repairs, 4096);
  const asked = nakked(receiver.poll(deadline));
  assert(asked.length > 0 && asked.length <= 4096, `${asked.length} asked`);
});

Deno.test("pgm: a packet over maxTpdu is dropped with an error, as OpenPGM cuts it", () => {
  const receiver = groupReceiver({
    windowSqns: 80,
    maxTpdu: 1500,
    now: 0,
  });
  const packet = (length: number) => {
    const overhead = encodeData(SESSION, PGM_ODATA, 0, 0, new Uint8Array(2))
      .length - 2;
    // An offset of 0xffff: no message starts in it, so it is only held.
    const tsdu = new Uint8Array(length - overhead).fill(0xff);
    return encodeData(SESSION, PGM_ODATA, 7, 0, tsdu);
  };
  // 1500 bytes of IP packet: 1472 of PGM after the IP and UDP headers.
  const over = receiver.receive(packet(1473), "127.0.0.1", 0);
  assertEquals(over.map((event) => event.type), ["error"]);
  assert(
    over[0].type === "error" && /over maxTpdu/.test(over[0].error.message),
  );
  assertEquals(receiver.sources, 0);
  assertEquals(receiver.receive(packet(1472), "127.0.0.1", 0), []);
  assertEquals(receiver.sources, 1);
});

Deno.test("pgm: a source that said it was done and whose last gap is given up has what followed the gap read, with a loss event, before it is forgotten", () => {
  const receiver = groupReceiver({
    windowSqns: 80,
    now: 0,
    random: () => 0.5,
  });
  const seen: string[] = [];
  const tell = (events: PgmReceiverEvent[]) => {
    for (const event of events) {
      if (event.type === "message") seen.push(utf8.decode(event.frames[0]));
      if (event.type === "error") seen.push(event.error.kind);
    }
  };
  tell(
    receiver.receive(
      encodeData(SESSION, PGM_ODATA, 0, 0, tsduOf("m0")),
      "127.0.0.1",
      0,
    ),
  );
  // 1 is lost, and its publisher is gone: nobody repairs it.
  tell(
    receiver.receive(
      encodeData(SESSION, PGM_ODATA, 2, 0, tsduOf("m2")),
      "127.0.0.1",
      0,
    ),
  );
  const fin = encodeSpm(SESSION, {
    sqn: 5,
    trail: 0,
    lead: 2,
    nla: "127.0.0.1",
    fin: true,
  });
  tell(receiver.receive(fin, "127.0.0.1", 0));
  for (let now = 0; receiver.sources > 0 && now < 100_000;) {
    now = Math.max(now + 1, receiver.deadline);
    tell(receiver.poll(now));
  }
  assertEquals(seen, ["m0", "loss", "m2"]);
});
