/** The cross-isolate link on its own: two fake sessions over a MessageChannel. */
import { assertEquals } from "@std/assert";
import type { PeerInfo } from "../../codec/connection.ts";
import { Metadata } from "../../codec/metadata.ts";
import { PortLink } from "../../transport/_port_link.ts";
import { FakeSession } from "../_fakes.ts";

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
