/**
 * The hub where `inproc://` names meet across isolates, over its own
 * message ports: which dials a bind answers, and which a node's closing
 * ends, once some were abandoned.
 */
import { assertEquals } from "@std/assert";
import {
  type HubReply,
  type HubRequest,
  InprocHub,
} from "../../transport/_inproc_hub.ts";

/** A node's end of its port to the hub, with the replies it got. */
function node(hub: InprocHub) {
  const channel = new MessageChannel();
  hub.adopt(channel.port2);
  const replies: HubReply[] = [];
  const waiting: [(reply: HubReply) => boolean, () => void][] = [];
  channel.port1.onmessage = (event: MessageEvent<HubReply>) => {
    replies.push(event.data);
    for (const [match, resolve] of waiting) if (match(event.data)) resolve();
  };
  return {
    replies,
    /** Handed to the hub's side of the port at once: asks are in order. */
    ask: (request: HubRequest) =>
      channel.port2.onmessage!(
        new MessageEvent<HubRequest>("message", { data: request }),
      ),
    /** Settles once a reply matches: the hub read all asked before it. */
    until: (match: (reply: HubReply) => boolean) =>
      new Promise<void>((resolve) => {
        if (replies.some(match)) return resolve();
        waiting.push([match, resolve]);
      }),
    close() {
      for (const reply of replies) {
        if ("port" in reply) reply.port.close();
      }
      channel.port1.close();
    },
  };
}

Deno.test("inproc hub: a bind answers the dials still waiting for its name, not those abandoned; a closing ends the node's other waiting dials", async () => {
  const hub = new InprocHub();
  const binder = node(hub);
  const dialer = node(hub);
  for (let id = 1; id <= 6; id++) {
    dialer.ask({ op: "dial", name: id <= 4 ? "x" : "y", id });
  }
  dialer.ask({ op: "abandon", id: 1 });
  dialer.ask({ op: "abandon", id: 3 });
  dialer.ask({ op: "abandon", id: 5 });
  dialer.ask({ op: "lookup", name: "x", id: 100 });
  await dialer.until((reply) => reply.op === "found");
  binder.ask({ op: "bind", name: "x", id: 200 });
  await dialer.until((reply) => reply.op === "dialed" && reply.id === 4);
  dialer.ask({ op: "closing" });
  await dialer.until((reply) => reply.op === "ended");
  assertEquals(
    dialer.replies.map((reply) =>
      "id" in reply ? `${reply.op} ${reply.id}` : reply.op
    ),
    ["found 100", "dialed 2", "dialed 4", "ended 6"],
  );
  await binder.until(() =>
    binder.replies.filter((reply) => reply.op === "accept").length === 2
  );
  assertEquals(binder.replies.map((reply) => reply.op), [
    "bound",
    "accept",
    "accept",
  ]);
  // Nothing of the dials ended or of a node that left stays to be joined.
  const leaver = node(hub);
  leaver.ask({ op: "dial", name: "z", id: 1 });
  leaver.ask({ op: "leave" });
  binder.ask({ op: "bind", name: "y", id: 201 });
  binder.ask({ op: "bind", name: "z", id: 202 });
  binder.ask({ op: "lookup", name: "z", id: 203 });
  await binder.until((reply) => reply.op === "found");
  assertEquals(binder.replies.map((reply) => reply.op), [
    "bound",
    "accept",
    "accept",
    "bound",
    "bound",
    "found",
  ]);
  binder.ask({ op: "leave" });
  dialer.ask({ op: "leave" });
  for (const each of [binder, dialer, leaver]) each.close();
});
