/**
 * Where `inproc://` names meet across isolates: one hub (in the isolate
 * that first shared its context) keeps which node binds which name, and
 * joins a dialer to a binder by handing each one end of a new
 * `MessageChannel`. A node is a context's presence in one isolate.
 *
 * @module
 */

import {
  GONE_QUIET_MS,
  holdLock,
  type LinkLocks,
  lockName,
  watchLock,
} from "./_liveness.ts";
import { patientTimeout } from "./_deadlines.ts";

/** What a node asks of the hub. */
export type HubRequest =
  | { op: "bind"; name: string; id: number }
  | { op: "unbind"; name: string }
  /** Whether a name is bound, in any isolate (the ZAP handler's). */
  | { op: "lookup"; name: string; id: number }
  | { op: "dial"; name: string; id: number }
  | { op: "abandon"; id: number }
  /** A new node: the hub serves its other end. */
  | { op: "adopt"; port: MessagePort }
  /** The lock the node holds while its isolate lives. */
  | { op: "live"; lock: string }
  /**
   * The node's context is closing: its dials waiting for a name end now,
   * and later ones at once unless the name is bound.
   */
  | { op: "closing" }
  | { op: "leave" };

/** What the hub tells a node. */
export type HubReply =
  | { op: "bound"; id: number; ok: boolean }
  | { op: "found"; id: number; bound: boolean }
  /** A dial is answered: the port's other end is at the binder. */
  | { op: "dialed"; id: number; port: MessagePort; locks: LinkLocks }
  /** A dial is answered: the name is bound in the dialer's own isolate. */
  | { op: "local"; id: number }
  /** A dial ends: the dialer's context closed before the name was bound. */
  | { op: "ended"; id: number }
  /** A peer dialed one of our names: the port's other end is at it. */
  | { op: "accept"; name: string; port: MessagePort; locks: LinkLocks }
  /** The lock the hub holds while its isolate lives and it has nodes. */
  | { op: "hub"; lock: string };

interface _Dial {
  node: MessagePort;
  id: number;
  name: string;
}

/** The hub: it lives as long as its nodes' ports, in one isolate. */
export class InprocHub {
  #nodes = new Set<MessagePort>();
  /**
   * Held while the hub serves a node that lives: they watch it, as nothing
   * else tells them that the isolate it lives in ended. Not while it only
   * has handles that never joined: a held lock keeps a process alive.
   */
  #lock = lockName("hub");
  #hold: [held: Promise<boolean>, release: () => void] | undefined;
  /** The lock each node holds while its isolate lives, once it said. */
  #nodeLocks = new Map<MessagePort, string>();
  /**
   * Stops watching a node's lock: a node frees it as it leaves, most often
   * before its leave is read, so this only tidies up a watch left waiting.
   */
  #unwatchNodes = new Map<MessagePort, () => void>();
  #bound = new Map<string, MessagePort>();
  /** Requests heard from each node, to tell when a gone one's went quiet. */
  #heard = new Map<MessagePort, number>();
  #quietTimers = new Map<MessagePort, () => void>();
  /** Dials waiting for each name, in the order they came. */
  #waiting = new Map<string, Set<_Dial>>();
  /** Each node's waiting dials by id: an abandon or a leave finds its own. */
  #dialsOf = new Map<MessagePort, Map<number, _Dial>>();
  /** Nodes whose context is closing: no binder comes for them any more. */
  #closing = new Set<MessagePort>();

  /** Serves a node's port. */
  adopt(node: MessagePort): void {
    this.#nodes.add(node);
    node.onmessage = (event: MessageEvent<HubRequest>) => {
      this.#heard.set(node, (this.#heard.get(node) ?? 0) + 1);
      this.#onRequest(node, event.data);
    };
    // A handle never joined (its Worker crashed first, or it was never
    // posted) must not keep this process alive: a node that joined does,
    // once it says it lives (Deno's ports have ref and unref).
    _refable(node).unref?.();
  }

  #onRequest(node: MessagePort, request: HubRequest): void {
    switch (request.op) {
      case "bind": {
        const ok = !this.#bound.has(request.name);
        if (ok) this.#bound.set(request.name, node);
        this.#reply(node, { op: "bound", id: request.id, ok });
        const waiting = this.#waiting.get(request.name);
        if (!ok || !waiting) return;
        for (const dial of waiting) {
          this.#unwait(dial);
          this.#join(dial, node, request.name);
        }
        return;
      }
      case "lookup":
        return this.#reply(node, {
          op: "found",
          id: request.id,
          bound: this.#bound.has(request.name),
        });
      case "unbind":
        if (this.#bound.get(request.name) === node) {
          this.#bound.delete(request.name);
        }
        return;
      case "dial": {
        const dial = { node, id: request.id, name: request.name };
        const binder = this.#bound.get(request.name);
        if (binder) return this.#join(dial, binder, request.name);
        if (this.#closing.has(node)) {
          return this.#reply(node, { op: "ended", id: request.id });
        }
        return this.#wait(dial);
      }
      case "abandon": {
        const dial = this.#dialsOf.get(node)?.get(request.id);
        if (dial) this.#unwait(dial);
        return;
      }
      case "adopt":
        return this.adopt(request.port);
      case "live":
        _refable(node).ref?.();
        // A terminated Worker says nothing: its lock comes free.
        this.#nodeLocks.set(node, request.lock);
        this.#unwatchNodes.set(
          node,
          watchLock(request.lock, () => this.#whenQuiet(node)),
        );
        // Once held: a node asking for it earlier would be granted it.
        this.#hold ??= holdLock(this.#lock);
        this.#hold[0].then((held) => {
          if (held && this.#nodes.has(node)) {
            this.#reply(node, { op: "hub", lock: this.#lock });
          }
        });
        return;
      case "closing":
        this.#closing.add(node);
        for (const dial of this.#dialsOf.get(node)?.values() ?? []) {
          this.#reply(node, { op: "ended", id: dial.id });
          this.#unwait(dial);
        }
        return;
      case "leave":
        return this.#leave(node);
    }
  }

  /**
   * A node's lock came free: its isolate ended, or its context closed. It
   * leaves once its port has gone quiet: what it posted before (its leave,
   * ports it shared just before) may still be on the way, and the lock's
   * news can come first.
   */
  #whenQuiet(node: MessagePort): void {
    if (!this.#nodes.has(node)) return;
    const heard = this.#heard.get(node);
    this.#quietTimers.set(
      node,
      patientTimeout(() => {
        this.#quietTimers.delete(node);
        if (this.#heard.get(node) === heard) this.#leave(node);
        else this.#whenQuiet(node);
      }, GONE_QUIET_MS),
    );
  }

  /** A node left (its context closed): its names and dials go. */
  #leave(node: MessagePort): void {
    this.#quietTimers.get(node)?.();
    this.#quietTimers.delete(node);
    this.#heard.delete(node);
    if (!this.#nodes.delete(node)) return;
    this.#unwatchNodes.get(node)?.();
    this.#unwatchNodes.delete(node);
    this.#nodeLocks.delete(node);
    this.#closing.delete(node);
    for (const [name, binder] of this.#bound) {
      if (binder === node) this.#bound.delete(name);
    }
    for (const dial of this.#dialsOf.get(node)?.values() ?? []) {
      this.#unwait(dial);
    }
    node.onmessage = null;
    node.close();
    // No node lives to watch it (handles not joined yet may come later).
    if (this.#nodeLocks.size === 0) {
      this.#hold?.[1]();
      this.#hold = undefined;
    }
  }

  #wait(dial: _Dial): void {
    // (A node's ids only grow; one used again would replace its dial.)
    const earlier = this.#dialsOf.get(dial.node)?.get(dial.id);
    if (earlier) this.#unwait(earlier);
    const waiting = this.#waiting.get(dial.name);
    if (waiting) waiting.add(dial);
    else this.#waiting.set(dial.name, new Set([dial]));
    const own = this.#dialsOf.get(dial.node);
    if (own) own.set(dial.id, dial);
    else this.#dialsOf.set(dial.node, new Map([[dial.id, dial]]));
  }

  /** Forgets a waiting dial (deleted as its own lists are walked: safe). */
  #unwait(dial: _Dial): void {
    const waiting = this.#waiting.get(dial.name);
    if (waiting?.delete(dial) && waiting.size === 0) {
      this.#waiting.delete(dial.name);
    }
    const own = this.#dialsOf.get(dial.node);
    if (own?.delete(dial.id) && own.size === 0) this.#dialsOf.delete(dial.node);
  }

  #join(dial: _Dial, binder: MessagePort, name: string): void {
    // Within one isolate messages pass by reference, not through a port.
    if (dial.node === binder) {
      return this.#reply(binder, { op: "local", id: dial.id });
    }
    const channel = new MessageChannel();
    const dialer = lockName("link");
    const accepter = lockName("link");
    this.#reply(binder, {
      op: "accept",
      name,
      port: channel.port2,
      locks: {
        own: accepter,
        peer: dialer,
        peerIsolate: this.#nodeLocks.get(dial.node),
      },
    }, [channel.port2]);
    this.#reply(dial.node, {
      op: "dialed",
      id: dial.id,
      port: channel.port1,
      locks: {
        own: dialer,
        peer: accepter,
        peerIsolate: this.#nodeLocks.get(binder),
      },
    }, [channel.port1]);
  }

  #reply(node: MessagePort, reply: HubReply, transfer: Transferable[] = []) {
    node.postMessage(reply, transfer);
  }
}

function _refable(port: MessagePort): { ref?(): void; unref?(): void } {
  return port as { ref?(): void; unref?(): void };
}
