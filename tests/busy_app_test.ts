/**
 * An app's own synchronous work holds the event loop, and with it our reads:
 * libzmq reads in its I/O thread meanwhile. A timer that comes late after
 * such work must not judge before the reads that wait behind it: what a
 * peer sent in time counts as in time (the handshake and heartbeats: see
 * heartbeat_test.ts and tests/transport/deadlines_test.ts).
 */
import { assertEquals } from "@std/assert";
import { Pull, Push } from "../mod.ts";
import { busyFor, decode, handshakeAs, timeout } from "./_helpers.ts";

Deno.test("a receive whose message came within its timeout, while the app was busy past it, gets the message, not EAGAIN", async () => {
  await using pull = new Pull({ receiveTimeout: 50 });
  await pull.bind("tcp://127.0.0.1:0");
  const port = Number(pull.lastEndpoint!.split(":").at(-1));
  using raw = await Deno.connect({ hostname: "127.0.0.1", port });
  const shaken = pull.events.wait("handshake-succeeded", timeout().signal);
  const peer = await handshakeAs(raw, "PUSH");
  await shaken;
  const received = pull.receive();
  peer.sendMessage([new TextEncoder().encode("in time")]);
  for (const chunk of peer.takeOutput()) await raw.write(chunk);
  // The message is in our socket's buffer; the app works past the timeout.
  busyFor(200);
  assertEquals((await received).map(decode), ["in time"]);
});

Deno.test("a tcp connect made while the app was busy past connectTimeout is taken, not given up and retried", async () => {
  await using pull = new Pull();
  await pull.bind("tcp://127.0.0.1:0");
  await using push = new Push({ connectTimeout: 100 });
  const events: string[] = [];
  for (const type of ["connect-retried", "connected"] as const) {
    push.events.on(type, () => events.push(type));
  }
  push.connect(pull.lastEndpoint!);
  // The dial's connect op is issued within a few microtasks.
  for (let i = 0; i < 50; i++) await null;
  busyFor(300);
  await push.events.wait("handshake-succeeded", timeout().signal);
  assertEquals(events, ["connected"]);
});
