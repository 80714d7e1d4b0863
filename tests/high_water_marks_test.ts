/**
 * A high-water mark set after `connect` or `bind` applies to the peers the
 * socket has, as libzmq's setsockopt applies it to every existing pipe
 * (libzmq 4.3.4 and 4.3.5, in the same scenarios: 5 sends after 1000 → 5,
 * 50 after 5 → 50, no limit after 5 → 0).
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { Pull, Push, ZmqError } from "../mod.ts";
import { coreOf } from "../patterns/_core.ts";
import { freePort, timeout, until } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** Sends until EAGAIN (at most `most`), with a send timeout of 0: how many went. */
async function sendsUntilFull(
  push: Push,
  most: number,
  body: string | Uint8Array = "m",
): Promise<number> {
  for (let sent = 0; sent < most; sent++) {
    try {
      await push.send(body);
    } catch (error) {
      if (error instanceof ZmqError && error.code === "EAGAIN") return sent;
      throw error;
    }
  }
  return most;
}

Deno.test("sendHighWaterMark set after connect applies to the peer's queue already made, as libzmq's (1000 → 5, 5 → 50, 5 → 0)", async () => {
  for (
    const [before, after, expected] of [
      [1000, 5, 5],
      [5, 50, 50],
      [5, 0, 3000],
    ]
  ) {
    await using push = new Push({
      sendHighWaterMark: before,
      sendTimeout: 0,
      linger: 0,
    });
    // Nobody listens there: every message waits in the pipe.
    push.connect(`tcp://127.0.0.1:${freePort()}`);
    push.sendHighWaterMark = after;
    assertEquals(
      await sendsUntilFull(push, 3000),
      expected,
      `${before} → ${after}`,
    );
  }
});

Deno.test("a send waiting at the send mark goes through once the mark is raised", async () => {
  await using push = new Push({ sendHighWaterMark: 1, linger: 0 });
  push.connect(`tcp://127.0.0.1:${freePort()}`);
  await push.send("first", timeout());
  let waited = true;
  const second = push.send("second", timeout()).then(() => waited = false);
  await new Promise((resolve) => setTimeout(resolve));
  assertEquals(waited, true, "sent past the mark");
  push.sendHighWaterMark = 2;
  await second;
  push.sendTimeout = 0;
  await assertRejects(() => push.send("third"), ZmqError);
});

Deno.test("a raised receiveHighWaterMark lets a link paused at the old mark read on, from a libzmq PUSH", async () => {
  await using peer = new LibzmqPeer();
  await using pull = new Pull({ receiveHighWaterMark: 1 });
  await pull.bind("tcp://127.0.0.1:0");
  const push = await peer.open("Push");
  await push.connect(pull.lastEndpoint!);
  // More than a read takes: the link pauses with the rest unread.
  const count = 20_000;
  await push.sendSequence("m", count);
  const queued = () =>
    [...coreOf(pull).pipes].reduce((sum, pipe) => sum + pipe.inbound.length, 0);
  await until(() => queued() > 0, "a first message");
  pull.receiveHighWaterMark = 30_000;
  // Nothing is received meanwhile: the link reads on by itself.
  await until(() => queued() === count, "the other messages read in");
  for (let i = 1; i <= count; i++) {
    assertEquals(new TextDecoder().decode((await pull.receive())[0]), `m${i}`);
  }
});

Deno.test("a mark set while an immediate connect waits for its peer applies once the peer comes, a libzmq PULL that reads nothing", async () => {
  await using peer = new LibzmqPeer();
  const port = freePort();
  await using push = new Push({
    immediate: true,
    sendHighWaterMark: 1000,
    linger: 0,
  });
  push.connect(`tcp://127.0.0.1:${port}`);
  push.sendHighWaterMark = 5;
  const pull = await peer.open("Pull", { receiveHighWaterMark: 1 });
  await pull.bind(`tcp://127.0.0.1:${port}`);
  await push.events.wait("handshake-succeeded", timeout().signal);
  push.sendTimeout = 0;
  // The kernel's buffers take a few 64 KiB messages whatever the mark; at
  // the old mark of 1000, over a thousand went.
  const sent = await sendsUntilFull(push, 3000, new Uint8Array(64 * 1024));
  assert(sent < 100, `${sent} sends before EAGAIN`);
});
