/**
 * Group fan-out: RADIO's outgoing strategy.
 *
 * @module
 */

import type { OutboundMessage } from "./message.ts";
import { bytesKey } from "./_bytes_key.ts";
import type { Pipe } from "./_pipe.ts";
import type { Routing, RoutingHost } from "./_routing.ts";
import { checkSingleFrame } from "./_single_frame.ts";

/**
 * Sends each `[group, body]` message (the group checked by the RADIO's
 * `send`) to every peer that joined the group (an exact match, not a
 * prefix; a `connect` peer keeps its groups while its link is down, and
 * what it would get queues), and to every `udp://` destination,
 * which gets every group (libzmq's `subscribe_to_all`: the dishes there
 * filter for themselves). A peer at its high-water mark misses the
 * message, or with `xpubNoDrop` the send waits for it.
 */
export class GroupFanOut implements Routing {
  readonly fansOut = true;
  #settings: { readonly xpubNoDrop: boolean };
  #host: Pick<RoutingHost, "retrySends">;
  /** The peers that joined each group. */
  #members = new Map<string, Set<Pipe>>();
  /** The groups each peer joined. */
  #joined = new Map<Pipe, Set<string>>();
  /** The udp destinations: every group goes to them, ready or not yet. */
  #everyGroup = new Set<Pipe>();

  /**
   * @param settings The RADIO's switch, read live.
   * @param host Told when a leave may let a waiting send go.
   */
  constructor(
    settings: { readonly xpubNoDrop: boolean },
    host: Pick<RoutingHost, "retrySends">,
  ) {
    this.#settings = settings;
    this.#host = host;
  }

  check(frames: OutboundMessage): void {
    checkSingleFrame("RADIO", frames, 1);
  }

  send(frames: OutboundMessage): boolean {
    const members = this.#members.get(bytesKey(frames[0]));
    if (this.#settings.xpubNoDrop && this.#blocked(members)) return false;
    for (const pipe of members ?? []) {
      if (pipe.attached && !pipe.full) pipe.write(frames);
    }
    for (const pipe of this.#everyGroup) {
      if (!pipe.full) pipe.write(frames);
    }
    return true;
  }

  /** Whether a peer the message goes to is at its high-water mark. */
  #blocked(members: Set<Pipe> | undefined): boolean {
    for (const pipe of members ?? []) {
      if (pipe.attached && pipe.full) return true;
    }
    for (const pipe of this.#everyGroup) if (pipe.full) return true;
    return false;
  }

  attach(pipe: Pipe): void {
    // By its transport: a udp pipe is attached at `connect`, before any link
    // could say what it is, and takes every group from then on, as libzmq's.
    if (pipe.transport?.subscribesToAll) this.#everyGroup.add(pipe);
  }

  detach(pipe: Pipe): void {
    this.#everyGroup.delete(pipe);
    this.#forget(pipe);
  }

  subscription(pipe: Pipe, group: Uint8Array, join: boolean): void {
    const key = bytesKey(group);
    let joined = this.#joined.get(pipe);
    if (join) {
      if (!joined) this.#joined.set(pipe, joined = new Set());
      joined.add(key);
      let members = this.#members.get(key);
      if (!members) this.#members.set(key, members = new Set());
      members.add(pipe);
      return;
    }
    if (!joined?.delete(key)) return;
    this.#leave(pipe, key);
    // A full member out of a waiting send's way (xpubNoDrop).
    this.#host.retrySends();
  }

  arrived(pipe: Pipe): void {
    // A RADIO receives nothing: drop what a peer sends anyway.
    pipe.inbound.clear();
  }

  #forget(pipe: Pipe): void {
    for (const key of this.#joined.get(pipe) ?? []) this.#leave(pipe, key);
    this.#joined.delete(pipe);
  }

  #leave(pipe: Pipe, key: string): void {
    const members = this.#members.get(key);
    members?.delete(pipe);
    if (members?.size === 0) this.#members.delete(key);
  }
}
