/**
 * The WebSocket link over a fake platform WebSocket, with a ZWS codec of
 * our own as the peer on the other end.
 */
import { assert, assertEquals, assertLessOrEqual } from "@std/assert";
import { Connection, type ConnectionEvent } from "../../codec/connection.ts";
import { WebSocketLink } from "../../transport/websocket_link.ts";
import {
  FakeSession,
  loneThenBurst,
  messagePortTurns,
  text,
  texts,
  within,
} from "../_fakes.ts";

/**
 * An open WebSocket whose messages go to a peer codec, and whose peer's
 * output arrives as message events. Counts the flushes: runs of `send`
 * calls with no microtask between them.
 */
class FakeWebSocket {
  readonly readyState: number = WebSocket.OPEN;
  readonly bufferedAmount = 0;
  binaryType = "blob";
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  flushes = 0;
  readonly peerEvents: ConnectionEvent[] = [];
  #inFlush = false;

  constructor(readonly peer: Connection) {}

  send(message: Uint8Array): void {
    if (!this.#inFlush) {
      this.flushes++;
      this.#inFlush = true;
      queueMicrotask(() => this.#inFlush = false);
    }
    this.peerEvents.push(...this.peer.receive(message.slice()));
    this.deliverPeerOutput();
  }

  /** Hands what the peer codec queued to the link, a message each. */
  deliverPeerOutput(): void {
    for (const chunk of this.peer.takeOutput()) {
      this.onmessage?.({ data: chunk.slice().buffer });
    }
  }

  close(): void {
    this.onclose?.();
  }

  peerMessages(): string[][] {
    return this.peerEvents.flatMap((event) =>
      event.type === "message" ? [texts(event.frames)] : []
    );
  }
}

/** A PUSH link over a fake WebSocket to a PULL codec, not started. */
function unstarted() {
  const peer = new Connection({ socketType: "PULL", framing: "zws" });
  const socket = new FakeWebSocket(peer);
  const link = new WebSocketLink(
    socket as unknown as WebSocket,
    new Connection({ socketType: "PUSH", framing: "zws", now: 0 }),
  );
  return { socket, link };
}

/** A PUSH link over a fake WebSocket to a PULL codec, through its handshake. */
async function connected() {
  const { socket, link } = unstarted();
  const session = new FakeSession();
  link.start(session);
  socket.deliverPeerOutput();
  await session.until(() => session.of("ready").length === 1, "our ready");
  await within(link.whenFlushed(), "the handshake's flush");
  return { socket, link, session };
}

/** Closes the link and checks it ended without an error. */
async function closeCleanly(link: WebSocketLink): Promise<void> {
  link.close();
  assertEquals(await within(link.done, "the link to end"), {
    error: undefined,
    closedByPeer: false,
  });
}

Deno.test("websocket link: a lone message goes out before the turn ends; sends a microtask apart share a flush", async () => {
  const { socket, link, session } = await connected();
  const flushes = await loneThenBurst(session, link, {
    sends: () => socket.flushes,
    arrived: () => within(link.whenFlushed(), "the burst's flush"),
  });
  assertEquals(socket.peerMessages().length, 101);
  assertEquals(socket.peerMessages()[100], ["m99"]);
  assertLessOrEqual(flushes, 2, `100 sends took ${flushes} flushes`);
  await closeCleanly(link);
});

Deno.test("websocket link: a program turning its loop with MessagePort messages still gets a flush per turn", async () => {
  const { socket, link, session } = await connected();
  const TURNS = 50;
  const before = socket.flushes;
  await messagePortTurns(TURNS, (turn) => {
    for (let i = 0; i < 20; i++) {
      session.outgoing.push(text(`t${turn}m${i}`));
      link.wake();
    }
  });
  const flushes = socket.flushes - before;
  assert(flushes >= TURNS / 2, `${flushes} flushes in ${TURNS} turns`);
  await within(link.whenFlushed(), "the last flush");
  assertEquals(socket.peerMessages().length, 20 * TURNS);
  await closeCleanly(link);
});

/** An open WebSocket whose peer reads nothing: its buffer stays full. */
class StalledWebSocket {
  readonly readyState: number = WebSocket.OPEN;
  bufferedAmount = 2 * 1024 * 1024;
  binaryType = "blob";
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  send(): void {}
  close(): void {}
}

Deno.test("websocket link: a peer that takes nothing is looked at half as often each time, down to 4 times a second, and soon again once it takes some", async () => {
  const realSetTimeout = globalThis.setTimeout;
  const delays: number[] = [];
  // The link's looks, recorded and run at the next turn instead of waited.
  globalThis.setTimeout = ((callback: () => void, ms = 0) => {
    if (ms >= 1000) return realSetTimeout(callback, ms);
    delays.push(ms);
    return realSetTimeout(callback, 0);
  }) as typeof setTimeout;
  const socket = new StalledWebSocket();
  const link = new WebSocketLink(
    socket as unknown as WebSocket,
    new Connection({ socketType: "PUSH", framing: "zws", now: 0 }),
  );
  const looks = async (count: number) => {
    const until = delays.length + count;
    while (delays.length < until) {
      await new Promise((resolve) => realSetTimeout(resolve, 1));
    }
  };
  try {
    link.start(new FakeSession());
    await looks(10);
    assertEquals(delays.slice(0, 10), [
      2,
      4,
      8,
      16,
      32,
      64,
      128,
      250,
      250,
      250,
    ]);
    // It took a byte: the next look comes soon, then they space out again.
    socket.bufferedAmount--;
    const from = delays.length;
    await looks(3);
    assertEquals(delays.slice(from, from + 3), [2, 4, 8]);
  } finally {
    link.close();
    globalThis.setTimeout = realSetTimeout;
  }
  await within(link.done, "the link to end");
});

Deno.test("websocket link: a peer's message that comes before start (a server's first, in the turn the dial opened) is kept for it, not lost", async () => {
  const { socket, link } = unstarted();
  socket.deliverPeerOutput();
  const session = new FakeSession();
  link.start(session);
  await session.until(() => session.of("ready").length === 1, "our ready");
  link.close();
  await within(link.done, "the link's end");
});

Deno.test("websocket link: what comes before start is bounded as a paused link's backlog: past 16 MiB the link closes", async () => {
  const { socket, link } = unstarted();
  for (let i = 0; i < 16 && !link.closed; i++) {
    socket.onmessage?.({ data: new ArrayBuffer(1024 * 1024) });
  }
  assertEquals(link.closed, false);
  socket.onmessage?.({ data: new ArrayBuffer(1024 * 1024) });
  assertEquals(link.closed, true);
  await within(link.done, "the link's end");
});

/** A PULL link over a fake WebSocket from a PUSH codec, through its handshake. */
async function pulling() {
  const peer = new Connection({ socketType: "PUSH", framing: "zws" });
  const socket = new FakeWebSocket(peer);
  const link = new WebSocketLink(
    socket as unknown as WebSocket,
    new Connection({ socketType: "PULL", framing: "zws", now: 0 }),
  );
  const session = new FakeSession();
  link.start(session);
  socket.deliverPeerOutput();
  await session.until(() => session.of("ready").length === 1, "our ready");
  /** The peer sends `m<from>` to `m<to - 1>`, which arrive at once. */
  const sendFromPeer = (from: number, to: number) => {
    for (let i = from; i < to; i++) peer.sendMessage(text(`m${i}`));
    socket.deliverPeerOutput();
  };
  const bodies = () => session.messages().map(([body]) => body);
  return { socket, link, session, sendFromPeer, bodies };
}

const numbered = (count: number) =>
  Array.from({ length: count }, (_, i) => `m${i}`);

Deno.test("websocket link: a backlog read a message at a time, paused again after each, and grown while read, comes out whole and in order", async () => {
  const { link, session, sendFromPeer, bodies } = await pulling();
  // Each message pauses the reader: the rest wait in the link's backlog.
  session.acceptMessages = false;
  sendFromPeer(0, 3000);
  for (let i = 1; i < 2000; i++) link.resume();
  sendFromPeer(3000, 4000);
  for (let i = 0; i < 500; i++) link.resume();
  session.acceptMessages = true;
  link.resume();
  assertEquals(bodies(), numbered(4000));
  await closeCleanly(link);
});

Deno.test("websocket link: a peer that closes while a backlog is part read has the rest read once, in order", async () => {
  const { socket, link, session, sendFromPeer, bodies } = await pulling();
  session.acceptMessages = false;
  sendFromPeer(0, 3000);
  for (let i = 1; i < 100; i++) link.resume();
  socket.close();
  assertEquals(bodies(), numbered(3000));
  assertEquals(session.of("error"), []);
  assertEquals((await within(link.done, "the link's end")).closedByPeer, true);
});

Deno.test("websocket link: a backlog never emptied, 61,500 messages through it, counts only what it holds (no false overrun of its 16 MiB)", async () => {
  const { link, session, sendFromPeer, bodies } = await pulling();
  session.acceptMessages = false;
  sendFromPeer(0, 1500);
  let next = 1500;
  for (let round = 0; round < 60; round++) {
    sendFromPeer(next, next += 1000);
    for (let i = 0; i < 1000; i++) link.resume();
  }
  assertEquals(session.of("error"), []);
  session.acceptMessages = true;
  link.resume();
  assertEquals(bodies(), numbered(next));
  await closeCleanly(link);
});
