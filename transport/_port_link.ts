/**
 * A link over a `MessagePort`: `inproc://` between isolates (the main one
 * and Web Workers), moving whole messages, not bytes. Each burst of sends
 * is packed into one buffer that is transferred, not copied, to the other
 * side, where frames are views into it. The receiver grants credit as its
 * socket takes messages, so high-water marks hold across the boundary.
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import { ProtocolError } from "../codec/errors.ts";
import { Metadata } from "../codec/metadata.ts";
import { type SocketType, socketTypesMatch } from "../codec/socket_type.ts";
import {
  GONE_QUIET_MS,
  holdLock,
  type LinkLocks,
  watchLock,
} from "./_liveness.ts";
import {
  Batch,
  PACKING_VERSION,
  packingRefusal,
  unpackMessages,
} from "./_packing.ts";
import { creditSpent } from "./_port_credit.ts";
import { PortInbox } from "./_port_inbox.ts";
import { patientTimeout } from "./_deadlines.ts";
import type { PortSignal, SignalPort } from "./_port_signal.ts";
import { Settler } from "./_settle.ts";
import type { Link, LinkEnd, MessageWriter, Session } from "./transport.ts";

/** A packed batch is posted once it holds this many bytes. */
export const PORT_BATCH_BYTES = 1024 * 1024;
/**
 * Batches posted and not yet all taken by the peer's socket past which a
 * batch waits for credit, taking the sends made meanwhile: batches grow
 * with the load (a lone message still goes at once). Posting is cheap, so
 * without this each of a stream of sends went alone (47k messages/s, 16 B).
 */
export const PORT_BATCHES_IN_FLIGHT = 2;
/**
 * A batch this large goes at once all the same, up to the most in flight:
 * else a stream of awaited sends, a batch each time they yield, waited for
 * credit (1 KiB between two Workers: 2.9–3.1M messages/s with four in
 * flight at most, 3.3–3.8M so). Small ones still wait: at 32 for all, a
 * sender yielding after each send sent 16 B at 128–138k/s, 468–516k so.
 */
export const PORT_EAGER_MESSAGES = 256;
/** At 64 KiB, 1 KiB sends yielding after each went at 348–395k/s (407–446k). */
const EAGER_BYTES = 256 * 1024;
/** Batches in flight at most, however large. */
export const PORT_MOST_BATCHES_IN_FLIGHT = 32;

/**
 * One side of an inproc link between isolates.
 *
 * @example
 * ```ts ignore
 * const channel = new MessageChannel();
 * const ours = new PortLink(channel.port1, pushInfo);
 * const theirs = new PortLink(channel.port2, pullInfo); // usually in a Worker
 * ours.start(pushSession);
 * theirs.start(pullSession);
 * ```
 */
export class PortLink implements Link, MessageWriter {
  /** No address: the peer is in this process. */
  readonly remoteAddress = "";
  /** Settles once the link has ended. */
  readonly done: Promise<LinkEnd>;
  #port: SignalPort;
  #info: PeerInfo;
  #session: Session | undefined;
  /** Set once the peer's hello came: it may be sent to. */
  #ready = false;
  /**
   * Set once ours went: nothing may go before it (our lock may be granted
   * after the peer's hello came, and the peer takes no message before ours).
   */
  #saidHello = false;
  #closed = false;
  /** What the peer said before our session started. */
  #early: PortSignal[] = [];
  /** Messages sent but not yet credited back. */
  #inFlight = 0;
  /** Messages given to batches, and those the peer's batches brought. */
  #sent = 0;
  #got = 0;
  #socketClosing = false;
  #inFlightBytes = 0;
  #batchesInFlight = 0;
  /** What came and our session has not taken yet, and the credit owed. */
  #inbox = new PortInbox();
  #batch = new Batch();
  #scheduled = false;
  #settler = new Settler(() => this.#deliver());
  /** Set while our socket is full: the inbox waits for resume. */
  #paused = false;
  #whenFlushed: (() => void)[] = [];
  #resolveDone!: (end: LinkEnd) => void;
  #locks: LinkLocks | undefined;
  #releaseLock: (() => void) | undefined;
  #stopWatching: (() => void) | undefined;
  /** Set when the peer's lock came free: its isolate may be gone. */
  #goneTimer: (() => void) | undefined;
  #heardSinceGone = false;

  /**
   * Wraps one end of a channel whose other end is the peer's `PortLink`.
   *
   * @param port The port.
   * @param info What this side announces (its socket type and routing id).
   * @param locks The locks that tell each side the other's isolate is gone.
   */
  constructor(port: SignalPort, info: PeerInfo, locks?: LinkLocks) {
    this.#port = port;
    this.#info = info;
    this.#locks = locks;
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    port.onmessage = (event) => this.#onSignal(event.data);
  }

  /** Whether the link has been closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Says hello, then moves messages between the port and `session`. */
  start(session: Session): void {
    if (this.#session || this.#closed) return;
    this.#session = session;
    for (const signal of this.#early.splice(0)) this.#onSignal(signal);
    // Ended by what came before (a goodbye, a refused hello): a watch
    // started now would never be stopped.
    if (this.#closed) return;
    if (!this.#locks) return this.#sayHello();
    const isolate = this.#locks.peerIsolate;
    if (isolate !== undefined && !this.#ready) {
      this.#stopWatching = watchLock(isolate, this.#lockFreed);
    }
    // Hello only once our lock is held: the peer watches it from then on.
    const [held, release] = holdLock(this.#locks.own);
    this.#releaseLock = release;
    held.then(() => this.#sayHello());
  }

  #sayHello(): void {
    if (this.#closed) return this.#releaseLock?.();
    const info = this.#info;
    this.#port.postMessage({
      t: "h",
      v: PACKING_VERSION,
      type: info.socketType,
      id: info.routingId,
      meta: [...info.metadata],
    });
    this.#saidHello = true;
    // What our session queued once the peer's hello came goes now.
    this.wake();
  }

  /** The peer's lock (or its isolate's) came free. */
  #lockFreed = (): void => {
    if (this.#closed || this.#goneTimer !== undefined) return;
    this.#heardSinceGone = false;
    this.#goneTimer = patientTimeout(this.#peerGone, GONE_QUIET_MS);
  };

  /** The peer is gone: the link ends once its port has gone quiet. */
  #peerGone = (): void => {
    this.#goneTimer = undefined;
    if (this.#closed) return;
    if (this.#heardSinceGone) {
      this.#heardSinceGone = false;
      this.#goneTimer = patientTimeout(this.#peerGone, GONE_QUIET_MS);
      return;
    }
    this.#peerLeft({ closedByPeer: true });
  };

  /**
   * The peer closed or is gone: what it sent and our socket has not taken
   * goes into its queue past the high-water mark, as libzmq's pipe keeps
   * what a peer wrote before it left, and the link ends at once, so that
   * the socket routes nothing more to the peer (to others, or it waits).
   */
  #peerLeft(end: LinkEnd): void {
    const session = this.#session;
    if (session && session.keeps?.() !== false) {
      this.#inbox.handOverAll(session);
    }
    this.#end(end, false);
  }

  #onSignal(signal: PortSignal): void {
    if (this.#closed) return;
    this.#heardSinceGone = true;
    if (!this.#session) {
      this.#early.push(signal);
      return;
    }
    switch (signal.t) {
      case "h":
        return this.#hello(signal);
      case "m": {
        const messages = unpackMessages(signal.b, signal.x);
        this.#got += messages.length;
        this.#inbox.addBatch(messages, signal.n);
        if (!this.#paused) this.#handOver();
        return;
      }
      case "c":
        this.#inFlight -= signal.n;
        this.#inFlightBytes -= signal.bytes;
        this.#batchesInFlight -= signal.k;
        return this.wake();
      case "s":
      case "u":
        // In order with the messages, and waiting while our socket is full,
        // as a reader that stops reads subscriptions no more over tcp.
        this.#inbox.addSubscription({
          type: signal.t === "s" ? "subscribe" : "cancel",
          topic: signal.topic,
        });
        if (!this.#paused) this.#handOver();
        return;
      case "x": {
        if (signal.error === undefined) {
          // What the peer sent before it closed is the socket's to read;
          // what we sent and its batches had not brought is lost.
          const lost = this.#sent - (signal.got ?? this.#sent);
          const end = lost > 0 ? { closedByPeer: true, lost } : undefined;
          return this.#peerLeft(end ?? { closedByPeer: true });
        }
        // The peer refused us in its handshake: ours fails, as it does
        // when we refuse.
        const error = new ProtocolError("incompatible", signal.error);
        this.#session!.handle({ type: "error", error });
        return this.#end({ error }, false);
      }
    }
  }

  #hello(hello: Extract<PortSignal, { t: "h" }>): void {
    const ours = this.#info.socketType as SocketType;
    const refusal = packingRefusal(hello.v) ??
      (socketTypesMatch(ours, hello.type)
        ? undefined
        : `a ${ours} socket cannot talk to a ${hello.type}`);
    if (refusal) {
      const error = new ProtocolError("incompatible", refusal);
      this.#session!.handle({ type: "error", error });
      return this.#end({ error }, true);
    }
    this.#ready = true;
    if (this.#locks) {
      this.#stopWatching?.();
      this.#stopWatching = watchLock(this.#locks.peer, this.#lockFreed);
    }
    const peer: PeerInfo = {
      socketType: hello.type,
      minor: 1,
      metadata: new Metadata(hello.meta),
    };
    if (hello.id !== undefined && hello.id.length > 0) {
      peer.routingId = hello.id;
    }
    this.#session!.handle({ type: "ready", peer });
    this.wake();
  }

  /**
   * Gives the inbox to the session until it is full, and credits the peer
   * with what it took: messages, and bytes and batches once whole.
   */
  #handOver(): void {
    if (!this.#inbox.handOver(this.#session!)) this.#paused = true;
    const credit = this.#inbox.takeCredit();
    if (credit && !this.#closed) this.#port.postMessage({ t: "c", ...credit });
  }

  /** Messages that came and our socket has not taken: its unread too. */
  get unread(): number {
    return this.#inbox.unread;
  }

  // MessageWriter: the session writes our messages into the next batch.
  /** Infinity while the peer owes us credit: the session then waits. */
  get pendingOutputBytes(): number {
    if (creditSpent(this.#inFlight, this.#inFlightBytes)) return Infinity;
    const bytes = this.#batch.bytes;
    if (bytes === 0 && this.#batchesInFlight >= PORT_MOST_BATCHES_IN_FLIGHT) {
      return Infinity;
    }
    return bytes;
  }

  /**
   * Adds a message to the next batch: its frames are copied when packed,
   * but for those its sender gave up, whose buffers are transferred.
   */
  sendMessage(frames: readonly Uint8Array[]): void {
    this.#batch.add(frames);
    this.#inFlight++;
    this.#sent++;
  }

  /** Posts a subscription, after the messages sent before it. */
  sendSubscribe(topic: Uint8Array): void {
    this.#flush();
    this.#inFlight++;
    this.#port.postMessage({ t: "s", topic: topic.slice() });
  }

  /** Posts a cancellation, after the messages sent before it. */
  sendCancel(topic: Uint8Array): void {
    this.#flush();
    this.#inFlight++;
    this.#port.postMessage({ t: "u", topic: topic.slice() });
  }

  #flush(): void {
    if (this.#batch.length === 0) return;
    const { buffer, transfers, bytes, copied } = this.#batch.take();
    this.#inFlightBytes += bytes;
    this.#batchesInFlight++;
    try {
      this.#port.postMessage({ t: "m", b: buffer, x: transfers, n: bytes }, [
        buffer,
        ...transfers,
      ]);
    } catch {
      // A buffer that cannot be transferred (a WebAssembly memory's):
      // nothing went, and every frame is copied instead.
      const { buffer: b, transfers: x } = copied();
      this.#port.postMessage({ t: "m", b, x, n: bytes }, [b, ...x]);
    }
  }

  // Link
  /** The session has messages: they go out once its senders settle. */
  wake(): void {
    if (this.#closed || !this.#ready || !this.#saidHello) return;
    if (this.#scheduled) return this.#settler.sent();
    this.#scheduled = true;
    this.#settler.start();
  }

  #deliver(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    // Out of credit, the session's messages and subscriptions wait in its
    // pipe (the peer's credit wakes us), as over tcp when the peer stops
    // reading.
    if (this.pendingOutputBytes !== Infinity) {
      this.#session!.fill(this, PORT_BATCH_BYTES);
    }
    // A batch held back goes with the credit that wakes us, or at close.
    const batch = this.#batch;
    const inFlight = this.#batchesInFlight;
    if (
      this.#whenFlushed.length === 0 && inFlight >= PORT_BATCHES_IN_FLIGHT &&
      (inFlight >= PORT_MOST_BATCHES_IN_FLIGHT ||
        (batch.length < PORT_EAGER_MESSAGES && batch.bytes < EAGER_BYTES))
    ) return;
    const full = batch.bytes >= PORT_BATCH_BYTES;
    this.#flush();
    // A full batch: there may be more.
    if (full && this.pendingOutputBytes !== Infinity) return this.wake();
    // All the session gave is posted.
    for (const resolve of this.#whenFlushed.splice(0)) resolve();
  }

  /** Takes what arrived while the session was full. */
  resume(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    this.#handOver();
  }

  /** Settles once the session's queued messages have been posted. */
  whenFlushed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#scheduled) return Promise.resolve(this.#flush());
    return new Promise((resolve) => this.#whenFlushed.push(resolve));
  }

  /**
   * Closes both ends: the peer's link ends, closed by its peer. Closed
   * with its socket, it tells the peer how many messages came, all counted
   * by the socket (read or unread): the rest the peer counts as lost.
   */
  close(socketClosing = false): void {
    this.#socketClosing = socketClosing;
    this.#end({}, true);
  }

  #end(end: LinkEnd, tellPeer: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    // Before the goodbye: the peer frees its lock once it reads it, and a
    // watch of ours still waiting then would be granted the lock, which a
    // Worker terminated before taking the grant holds for good (Deno
    // 2.9.6).
    this.#stopWatching?.();
    if (tellPeer) {
      try {
        // A batch held back was sent, as far as our socket is concerned.
        if (!end.error) this.#flush();
      } catch {
        // Not to be posted (a frame detached meanwhile): the goodbye still is.
      }
      try {
        const error = end.error?.message;
        const got = this.#socketClosing ? this.#got : undefined;
        this.#port.postMessage({ t: "x", error, got });
      } catch {
        // The other side is gone.
      }
    }
    this.#port.onmessage = null;
    this.#port.close();
    this.#releaseLock?.();
    this.#goneTimer?.();
    for (const resolve of this.#whenFlushed.splice(0)) resolve();
    this.#resolveDone(end);
  }
}
