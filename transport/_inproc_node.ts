/**
 * A context's presence in one isolate, for `inproc://` across isolates: it
 * asks the hub to bind and dial names, and takes the ports of peers that
 * dialed its names.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { HubReply, HubRequest } from "./_inproc_hub.ts";
import { holdLock, type LinkLocks, lockName, watchLock } from "./_liveness.ts";

/** One end of a channel to a peer, and the locks that watch both ends. */
export interface Joined {
  /** Ours; the other end is the peer's. */
  port: MessagePort;
  /** What each side holds while it lives. */
  locks: LinkLocks;
}

/** A node's port to the hub, with the requests it has in flight. */
export class InprocNode {
  #hub: MessagePort;
  #nextId = 1;
  #binds = new Map<number, (answer: boolean | ZmqError) => void>();
  #dials = new Map<number, (joined: Joined | "local" | ZmqError) => void>();
  #lookups = new Map<number, (bound: boolean | ZmqError) => void>();
  #accept: (name: string, joined: Joined) => void;
  #left = false;
  #hubClosed = false;
  #releaseLock: () => void;
  #unwatchHub: (() => void) | undefined;
  /** Why names cannot be bound or dialed any more: the hub's isolate ended. */
  #hubLost: ZmqError | undefined;
  /**
   * Requests made before the hub knows our lock: a Worker that ended after
   * binding, before the hub could watch it, would keep its names forever.
   */
  #beforeLive: [HubRequest, Transferable[]][] | undefined = [];

  /**
   * @param hub The port whose other end the hub serves.
   * @param accept Takes the port of a peer that dialed one of our names.
   */
  constructor(
    hub: MessagePort,
    accept: (name: string, joined: Joined) => void,
  ) {
    this.#hub = hub;
    this.#accept = accept;
    hub.onmessage = (event: MessageEvent<HubReply>) =>
      this.#onReply(event.data);
    // The hub frees our names once this lock is (our isolate ended).
    const lock = lockName("node");
    const [held, release] = holdLock(lock);
    this.#releaseLock = release;
    held.then((isHeld) => {
      const queued = this.#beforeLive ?? [];
      this.#beforeLive = undefined;
      if (isHeld) this.#hub.postMessage({ op: "live", lock });
      for (const [request, transfer] of queued) {
        this.#hub.postMessage(request, transfer);
      }
      // Left meanwhile: its leave was the last of them.
      if (this.#left) this.#closeHub();
    });
  }

  #onReply(reply: HubReply): void {
    switch (reply.op) {
      case "bound": {
        const resolve = this.#binds.get(reply.id);
        this.#binds.delete(reply.id);
        return resolve?.(reply.ok);
      }
      case "dialed": {
        const resolve = this.#dials.get(reply.id);
        this.#dials.delete(reply.id);
        if (resolve) return resolve(reply);
        // Abandoned meanwhile: the binder's link ends at once.
        reply.port.postMessage({ t: "x" });
        return reply.port.close();
      }
      case "found": {
        const resolve = this.#lookups.get(reply.id);
        this.#lookups.delete(reply.id);
        return resolve?.(reply.bound);
      }
      case "local": {
        const resolve = this.#dials.get(reply.id);
        this.#dials.delete(reply.id);
        return resolve?.("local");
      }
      case "ended": {
        const resolve = this.#dials.get(reply.id);
        this.#dials.delete(reply.id);
        return resolve?.(contextClosed());
      }
      case "accept":
        return this.#accept(reply.name, reply);
      case "hub":
        this.#unwatchHub = watchLock(reply.lock, () => this.#lose());
        return;
    }
  }

  /**
   * The isolate of the hub ended (a Worker that shared its context first,
   * then was terminated or crashed): links made stay, as they are ports
   * between the isolates themselves, but no name can be bound or dialed
   * across isolates any more, so what waits on the hub fails now.
   */
  #lose(): void {
    if (this.#left) return;
    this.#hubLost = new ZmqError(
      "ETERM",
      "the isolate that first shared this context has ended, and with it the register of inproc:// names across isolates",
    );
    const waiting = [...this.#binds.values(), ...this.#dials.values()];
    this.#binds.clear();
    this.#dials.clear();
    for (const answer of waiting) answer(this.#hubLost);
    this.#endLookups();
  }

  /**
   * Lookups left unanswered: with the register lost, whether a name is
   * bound elsewhere cannot be known (an error, so that a ZAP lookup fails
   * closed); with the context left, none is.
   */
  #endLookups(): void {
    for (const answer of this.#lookups.values()) answer(this.#hubLost ?? false);
    this.#lookups.clear();
  }

  #send(request: HubRequest, transfer: Transferable[] = []): void {
    if (this.#left) return;
    if (this.#beforeLive) this.#beforeLive.push([request, transfer]);
    else this.#hub.postMessage(request, transfer);
  }

  /** Claims a name for every isolate of the context. */
  bind(name: string): Promise<void> {
    if (this.#hubLost) return Promise.reject(this.#hubLost);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#binds.set(id, (answer) => {
        if (answer === true) return resolve();
        reject(
          answer || new ZmqError(
            "EADDRINUSE",
            `inproc://${name} is already bound (in another isolate)`,
          ),
        );
      });
      this.#send({ op: "bind", name, id });
    });
  }

  /** Whether `name` is bound in any isolate of the context. */
  isBound(name: string): Promise<boolean> {
    if (this.#hubLost) return Promise.reject(this.#hubLost);
    if (this.#left) return Promise.resolve(false);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#lookups.set(id, (bound) => {
        if (bound instanceof ZmqError) reject(bound);
        else resolve(bound);
      });
      this.#send({ op: "lookup", name, id });
    });
  }

  /** Gives a name back. */
  unbind(name: string): void {
    this.#send({ op: "unbind", name });
  }

  /**
   * Asks for a channel to the isolate that binds `name`, waiting for it to
   * be bound, as libzmq lets connect come first; `"local"` when that is
   * this isolate.
   */
  dial(name: string, signal: AbortSignal): Promise<Joined | "local"> {
    if (this.#hubLost) return Promise.reject(this.#hubLost);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const abandon = () => {
        this.#dials.delete(id);
        this.#send({ op: "abandon", id });
        reject(signal.reason);
      };
      this.#dials.set(id, (joined) => {
        signal.removeEventListener("abort", abandon);
        if (joined instanceof ZmqError) reject(joined);
        else resolve(joined);
      });
      signal.addEventListener("abort", abandon, { once: true });
      this.#send({ op: "dial", name, id });
    });
  }

  /** A new port into the hub, to hand to another isolate. */
  share(): MessagePort {
    if (this.#hubLost) throw this.#hubLost;
    const channel = new MessageChannel();
    this.#send({ op: "adopt", port: channel.port2 }, [channel.port2]);
    return channel.port1;
  }

  #closeHub(): void {
    if (this.#hubClosed) return;
    this.#hubClosed = true;
    this.#hub.onmessage = null;
    this.#hub.close();
    this.#releaseLock();
  }

  /**
   * The context is closing: the hub ends the dials waiting for a name no
   * one bound (none can come now), and those made later unless bound.
   */
  closing(): void {
    this.#send({ op: "closing" });
  }

  /** Leaves the hub: the context closed. */
  leave(): void {
    if (this.#left) return;
    // Before the hub can see us go and free its lock: a watch still
    // waiting then is granted it, and a Worker terminated before it takes
    // the grant holds it for good (Deno 2.9.6).
    this.#unwatchHub?.();
    // After what is queued: ports shared just before still reach the hub
    // (which reads what a node posted before letting it go).
    this.#send({ op: "leave" });
    this.#left = true;
    if (!this.#beforeLive) this.#closeHub();
    const gone = new ZmqError("ETERM", "the context closed");
    for (const answer of this.#binds.values()) answer(gone);
    this.#binds.clear();
    this.#endLookups();
  }
}

/** Why a connect waiting for a name ends when its context closes. */
export function contextClosed(): ZmqError {
  return new ZmqError(
    "ETERM",
    "the context closed before the inproc:// name was bound",
  );
}
