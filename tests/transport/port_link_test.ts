/** The cross-isolate link on its own: two fake sessions over a MessageChannel. */
import {
  assert,
  assertEquals,
  assertFalse,
  assertGreater,
  assertGreaterOrEqual,
  assertLessOrEqual,
} from "@std/assert";
import type { PeerInfo } from "../../codec/connection.ts";
import { Metadata } from "../../codec/metadata.ts";
import {
  TRANSFER_MIN_BYTES,
  TransferredFrame,
} from "../../transport/_packing.ts";
import {
  PORT_CREDIT_BYTES,
  PORT_CREDIT_MESSAGES,
  PORT_FEW_MESSAGES,
  PORT_MOST_CREDIT_BYTES,
} from "../../transport/_port_credit.ts";
import {
  PORT_BATCH_BYTES,
  PORT_BATCHES_IN_FLIGHT,
  PORT_EAGER_MESSAGES,
  PORT_MOST_BATCHES_IN_FLIGHT,
  PortLink,
} from "../../transport/_port_link.ts";
import { FakeSession, within } from "../_fakes.ts";
import { until } from "../_helpers.ts";

/**
 * A few turns of the event loop: not a synchronisation, the chance for a
 * link to do what it must not.
 */
const turns = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
};

function info(socketType: string): PeerInfo {
  return { socketType, minor: 1, metadata: new Metadata() };
}

Deno.test("port link: a subscription keeps its place among the messages, and waits while the socket is full", async () => {
  const channel = new MessageChannel();
  const upstream = new PortLink(channel.port1, info("XSUB"));
  const downstream = new PortLink(channel.port2, info("XPUB"));
  const sending = new FakeSession();
  const receiving = new FakeSession();
  receiving.acceptMessages = false;
  upstream.start(sending);
  downstream.start(receiving);
  try {
    await sending.until(() => sending.of("ready").length === 1, "ready");
    sending.outgoing.push([new TextEncoder().encode("first")]);
    upstream.wake();
    await receiving.until(
      () => receiving.of("message").length === 1,
      "the first message",
    );
    // The receiving socket is full now: what comes next waits for it.
    upstream.sendSubscribe(new TextEncoder().encode("topic"));
    await turns();
    assertEquals(receiving.of("subscribe").length, 0);
    receiving.acceptMessages = true;
    downstream.resume();
    await receiving.until(
      () => receiving.of("subscribe").length === 1,
      "the subscription",
    );
    assertEquals(
      receiving.events.map((event) => event.type),
      ["ready", "message", "subscribe"],
    );
  } finally {
    upstream.close();
    downstream.close();
    await Promise.all([upstream.done, downstream.done]);
  }
});

/** Two linked ends over a MessageChannel, ready to send. */
async function linked(): Promise<{
  sending: FakeSession;
  receiving: FakeSession;
  upstream: PortLink;
  downstream: PortLink;
  close(): Promise<void>;
}> {
  const channel = new MessageChannel();
  const upstream = new PortLink(channel.port1, info("PUSH"));
  const downstream = new PortLink(channel.port2, info("PULL"));
  const sending = new FakeSession();
  const receiving = new FakeSession();
  upstream.start(sending);
  downstream.start(receiving);
  await sending.until(() => sending.of("ready").length === 1, "ready");
  return {
    sending,
    receiving,
    upstream,
    downstream,
    async close() {
      upstream.close();
      downstream.close();
      await Promise.all([upstream.done, downstream.done]);
    },
  };
}

/**
 * Lets the receiving socket take messages again, until it has taken
 * `count` in all.
 */
async function takeAll(
  link: Awaited<ReturnType<typeof linked>>,
  count: number,
): Promise<void> {
  link.receiving.acceptMessages = true;
  link.downstream.resume();
  await link.receiving.until(
    () => link.receiving.of("message").length === count,
    "every message",
  );
}

/**
 * Waits until the link holds no batch back (a held batch goes as credit
 * comes), or fails after a deadline.
 */
function nothingHeld(link: PortLink): Promise<void> {
  return until(() => link.pendingOutputBytes === 0, "held batch sent");
}

/** A frame given up for a transfer, over a buffer of its own filled with `fill`. */
function givenUp(length: number, fill: number): TransferredFrame {
  return new TransferredFrame(new ArrayBuffer(length)).fill(fill);
}

Deno.test("port link: frames given up cross in their own buffers, detached here, others copied", async () => {
  const link = await linked();
  try {
    const large = givenUp(64 * 1024, 1);
    const other = givenUp(2 * TRANSFER_MIN_BYTES, 2);
    const small = new Uint8Array(100).fill(4);
    const copied = new Uint8Array(64 * 1024).fill(5);
    const expected = [large, small, other, copied].map((frame) =>
      Uint8Array.from(frame)
    );
    link.sending.outgoing.push([large, small], [other, copied]);
    link.upstream.wake();
    await link.receiving.until(
      () => link.receiving.of("message").length === 2,
      "both messages",
    );
    const [first, second] = link.receiving.of("message");
    assertEquals(
      [...first.frames, ...second.frames].map((frame) =>
        Uint8Array.from(frame)
      ),
      expected,
    );
    // The frames given up went: their buffers are detached here.
    assert(large.buffer.detached && other.buffer.detached);
    assertEquals(copied, expected[3]);
    assertEquals(small, expected[1]);
  } finally {
    await link.close();
  }
});

Deno.test("port link: a stream of frames given up, three times the bytes the credit allows in flight, all arrive in order", async () => {
  const link = await linked();
  try {
    const size = 1024 * 1024;
    const count = Math.ceil((3 * PORT_CREDIT_BYTES) / size);
    for (let i = 0; i < count; i++) {
      link.sending.outgoing.push([givenUp(size, i)]);
    }
    link.upstream.wake();
    await link.receiving.until(
      () => link.receiving.of("message").length === count,
      "every message",
    );
    const firsts = link.receiving.of("message").map((event) =>
      event.frames[0][size - 1]
    );
    assertEquals(firsts, Array.from({ length: count }, (_, i) => i));
  } finally {
    await link.close();
  }
});

Deno.test("port link: a frame given up whose buffer cannot be transferred (a WebAssembly memory's) is copied", async () => {
  const link = await linked();
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const buffer = memory.buffer as ArrayBuffer;
    const frame = new TransferredFrame(buffer, 0, 32 * 1024).fill(6);
    const other = givenUp(32 * 1024, 7);
    // The buffer that can be transferred first: none may go if one cannot.
    link.sending.outgoing.push([other, frame]);
    link.upstream.wake();
    await link.receiving.until(
      () => link.receiving.of("message").length === 1,
      "the message",
    );
    const [received] = link.receiving.of("message");
    assertEquals(received.frames[0], new Uint8Array(32 * 1024).fill(7));
    assertEquals(received.frames[1], new Uint8Array(32 * 1024).fill(6));
    // Nothing was transferred: both stay here too.
    assertEquals(memory.buffer.byteLength, 65536);
    assertFalse(other.buffer.detached);
    assertFalse(received.frames[1] instanceof TransferredFrame);
  } finally {
    await link.close();
  }
});

Deno.test("port link: a peer that packs messages as another version (another copy of the library) is refused with an error, not misread", async () => {
  const channel = new MessageChannel();
  const link = new PortLink(channel.port1, info("PUSH"));
  const session = new FakeSession();
  const goodbye = new Promise<{ error?: string }>((resolve) => {
    channel.port2.onmessage = (event) => {
      if (event.data.t === "x") resolve(event.data);
    };
  });
  link.start(session);
  try {
    channel.port2.postMessage({ t: "h", v: 1, type: "PULL", meta: [] });
    const end = await within(link.done, "the link's end");
    assertEquals(end.error?.kind, "incompatible");
    assert(end.error?.message.includes("version 1"));
    assertEquals(session.of("error").length, 1);
    assertEquals(session.of("ready").length, 0);
    // The peer is told why, as for a socket type it cannot talk to.
    const said = await within(goodbye, "the peer's goodbye");
    assert(said.error?.includes("version 1"));
  } finally {
    link.close();
    channel.port2.close();
  }
});

Deno.test("port link: while the receiving socket is full, what is in transit stops at the credit: PORT_CREDIT_MESSAGES small messages, PORT_CREDIT_BYTES of many, PORT_FEW_MESSAGES of larger ones, PORT_MOST_CREDIT_BYTES of the largest, each within a batch", async () => {
  // Each message packs as its frame count, its length and its bytes.
  const packedSize = (size: number) => 8 + size;
  const bounds: [number, (size: number) => number][] = [
    [1, () => PORT_CREDIT_MESSAGES],
    [1024, (size) => Math.ceil(PORT_CREDIT_BYTES / packedSize(size))],
    [4096, () => PORT_FEW_MESSAGES],
    // Two to a batch, 22 batches: under PORT_MOST_BATCHES_IN_FLIGHT.
    [
      768 * 1024,
      (size) => Math.ceil(PORT_MOST_CREDIT_BYTES / packedSize(size)),
    ],
  ];
  for (const [size, bound] of bounds) {
    const link = await linked();
    link.receiving.acceptMessages = false;
    try {
      const expected = bound(size);
      const total = 2 * expected + 10;
      for (let i = 0; i < total; i++) {
        link.sending.outgoing.push([new Uint8Array(size).fill(i % 251)]);
      }
      link.upstream.wake();
      await link.receiving.until(
        () => link.receiving.of("message").length === 1,
        "the first message",
      );
      await turns();
      const taken = total - link.sending.outgoing.length;
      // The bound is checked as a batch fills: it overshoots by less than one.
      const batch = Math.ceil(PORT_BATCH_BYTES / packedSize(size));
      assertGreaterOrEqual(taken, expected, `${size} B`);
      assertLessOrEqual(taken, size === 1 ? expected : expected + batch);
      // Taken by the socket, they are credited back, and the rest follows.
      await takeAll(link, total);
      const lasts = link.receiving.of("message").map((event) =>
        event.frames[0][size - 1]
      );
      assertEquals(lasts, Array.from({ length: total }, (_, i) => i % 251));
    } finally {
      await link.close();
    }
  }
});

Deno.test("port link: a small batch waits while two are in flight and untaken, and goes before the goodbye when the link closes", async () => {
  const link = await linked();
  link.receiving.acceptMessages = false;
  const send = async (text: string) => {
    link.sending.outgoing.push([new TextEncoder().encode(text)]);
    link.upstream.wake();
    await turns();
  };
  try {
    // The first is taken (its batch credited back); the socket is full then.
    await send("1");
    await link.receiving.until(
      () => link.receiving.of("message").length === 1,
      "the first message",
    );
    await send("2");
    await send("3");
    // Posted, once the first's credit has come: two in flight.
    await nothingHeld(link.upstream);
    await send("4");
    // Taken from the session, not posted: a batch held back for credit.
    assertEquals(link.sending.outgoing.length, 0);
    assertGreater(link.upstream.pendingOutputBytes, 0);
    link.upstream.close();
    await takeAll(link, 4);
    assertEquals(link.receiving.messages(), [["1"], ["2"], ["3"], ["4"]]);
    assertEquals(await link.downstream.done, { closedByPeer: true });
  } finally {
    await link.close();
  }
});

Deno.test("port link: while batches are in flight and untaken, one of PORT_EAGER_MESSAGES goes at once, up to PORT_MOST_BATCHES_IN_FLIGHT", async () => {
  assertEquals(PORT_BATCHES_IN_FLIGHT, 2);
  const link = await linked();
  link.receiving.acceptMessages = false;
  let sent = 0;
  const send = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const frame = new Uint8Array(4);
      new DataView(frame.buffer).setUint32(0, sent++);
      link.sending.outgoing.push([frame]);
    }
    link.upstream.wake();
    await turns();
  };
  try {
    // The first is taken (its batch credited back); the socket is full then.
    await send(1);
    await link.receiving.until(
      () => link.receiving.of("message").length === 1,
      "the first message",
    );
    await send(1);
    await send(1);
    await nothingHeld(link.upstream);
    // Two in flight, untaken: each large batch still goes, up to the most.
    for (let batch = 2; batch < PORT_MOST_BATCHES_IN_FLIGHT; batch++) {
      await send(PORT_EAGER_MESSAGES);
      assertEquals(link.sending.outgoing.length, 0, `batch ${batch + 1}`);
      // Posted, not held: none, or no more taken once the most are out.
      const pending = link.upstream.pendingOutputBytes;
      assert(pending === 0 || pending === Infinity, `batch ${batch + 1}`);
    }
    // The most are in flight: the next messages wait with the session.
    await send(PORT_EAGER_MESSAGES);
    assertEquals(link.sending.outgoing.length, PORT_EAGER_MESSAGES);
    assertEquals(link.upstream.pendingOutputBytes, Infinity);
    // All below the message credit: the most in flight is what held it.
    assertGreater(PORT_CREDIT_MESSAGES, sent);
    await takeAll(link, sent);
    const order = link.receiving.of("message").map((event) =>
      new DataView(event.frames[0].buffer, event.frames[0].byteOffset)
        .getUint32(0)
    );
    assertEquals(order, Array.from({ length: sent }, (_, i) => i));
  } finally {
    await link.close();
  }
});

const bytes = (text: string) => new TextEncoder().encode(text);

for (const how of ["closes", "is gone"] as const) {
  Deno.test(`port link: a peer that ${how} while our socket is full: what it sent goes to our socket past its high-water mark, and the link ends at once, so nothing more goes to it`, async () => {
    const channel = new MessageChannel();
    // Each holds its lock while it lives, and watches the other's.
    const [a, b] = [`ours-${Math.random()}`, `theirs-${Math.random()}`];
    const ours = new PortLink(channel.port1, info("DEALER"), {
      own: a,
      peer: b,
    });
    const theirs = new PortLink(channel.port2, info("DEALER"), {
      own: b,
      peer: a,
    });
    const session = new FakeSession();
    const peer = new FakeSession();
    session.acceptMessages = false;
    ours.start(session);
    theirs.start(peer);
    await peer.until(() => peer.of("ready").length === 1, "ready");
    peer.outgoing.push(...["a", "b", "c"].map((text) => [bytes(text)]));
    theirs.wake();
    await until(() => ours.unread === 2, "the peer's messages");
    // Gone, its goodbye never comes: only its lock, freed, tells (as a
    // terminated Worker's does).
    if (how === "is gone") channel.port2.close();
    theirs.close();
    // libzmq's pipe refuses writes once its peer's end came, and is read
    // to the end: the socket then routes to others (or waits for the next).
    assertEquals(await within(ours.done, "the link's end"), {
      closedByPeer: true,
    });
    assertEquals(session.messages(), [["a"], ["b"], ["c"]]);
    assertEquals(ours.unread, 0);
    session.outgoing.push([bytes("for the next peer")]);
    ours.wake();
    await turns();
    assertEquals(session.outgoing.length, 1, "kept in our socket's queue");
    await theirs.done;
  });
}

Deno.test("port link: a peer that refuses us in its handshake fails ours, with the reason", async () => {
  const channel = new MessageChannel();
  const ours = new PortLink(channel.port1, info("PUSH"));
  const session = new FakeSession();
  ours.start(session);
  // Its refusal, before its hello (which waits for its lock).
  channel.port2.postMessage({
    t: "x",
    error: "a PUSH socket cannot talk to a PUSH",
  });
  const end = await ours.done;
  assertEquals(end.error?.kind, "incompatible");
  assertEquals(session.of("error").map((event) => event.error.message), [
    "a PUSH socket cannot talk to a PUSH",
  ]);
  channel.port2.close();
});

Deno.test("port link: what the peer's socket closed before its batches brought it ends our link as lost, for close to count dropped; what they brought is the peer's to count", async () => {
  const link = await linked();
  const send = (count: number) => {
    for (let i = 0; i < count; i++) {
      link.sending.outgoing.push([new TextEncoder().encode(`m${i}`)]);
    }
    link.upstream.wake();
    return link.upstream.whenFlushed();
  };
  try {
    // Two taken, three held in the link for a full socket: the peer's.
    await send(2);
    await link.receiving.until(
      () => link.receiving.of("message").length === 2,
      "two messages",
    );
    link.receiving.acceptMessages = false;
    await send(4);
    await until(() => link.downstream.unread === 3, "three held");
    // Posted, and the peer's socket closes before the batch can come: lost.
    await send(5);
    link.downstream.close(true);
    assertEquals(await link.upstream.done, { closedByPeer: true, lost: 5 });
  } finally {
    await link.close();
  }
});

Deno.test("port link: a peer that closes its link but not its socket (a disconnect) says nothing of what came: nothing is lost", async () => {
  const link = await linked();
  try {
    link.sending.outgoing.push([new TextEncoder().encode("m")]);
    link.upstream.wake();
    await link.upstream.whenFlushed();
    link.downstream.close();
    assertEquals(await link.upstream.done, { closedByPeer: true });
  } finally {
    await link.close();
  }
});
