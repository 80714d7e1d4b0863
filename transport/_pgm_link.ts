/**
 * The PGM link: one `epgm` endpoint as the socket's one peer. A publisher's
 * link is a PGM source (its TSDUs paced to the rate, NAKs answered from
 * its window); a subscriber's link follows every source in the group.
 * The protocol lives in `codec/`; this file moves its datagrams and keeps
 * its clock.
 *
 * @module
 */

import { Metadata } from "../codec/metadata.ts";
import { ProtocolError } from "../codec/errors.ts";
import { PgmFrameEncoder } from "../codec/_pgm_framing.ts";
import type { PgmReceiver } from "../codec/_pgm_receiver.ts";
import type { PgmSender } from "../codec/_pgm_sender.ts";
import type { DatagramAddress } from "../codec/_datagram.ts";
import { type DatagramSocket, receiveFailure } from "./_datagram_socket.ts";
import { Settler } from "./_settle.ts";
import type { Link, LinkEnd, MessageWriter, Session } from "./transport.ts";

/**
 * Hooks for tests of repair against a real peer: `dropReceived` discards
 * data we read, `skipSent` data we would send (it is kept for repair).
 * Each gets the packet's sequence number.
 */
export const pgmTestHooks: {
  dropReceived?: ((sqn: number) => boolean) | undefined;
  skipSent?: ((sqn: number) => boolean) | undefined;
} = {};

/** What the link is: a source or a receiver, with its sockets. */
export type PgmRole =
  | {
    kind: "source";
    sender: PgmSender;
    /** Bound to the interface and the port: sends, and hears NAKs. */
    socket: DatagramSocket;
    group: DatagramAddress;
    /** Settles when the socket may send (its TTL set); none: at once. */
    prepared?: Promise<unknown> | undefined;
  }
  | {
    kind: "receiver";
    receiver: PgmReceiver;
    /** Bound to the group and port: hears the sources. */
    groupSocket: DatagramSocket;
    /** Sends NAKs. */
    socket: DatagramSocket;
    port: number;
  };

/** Messages taken from the session per fill, in bytes. */
const FILL_BYTES = 64 * 1024;
const READ_BUFFER_SIZE = 65_536;

/** A {@linkcode Link} over PGM datagrams. */
export class PgmLink implements Link, MessageWriter {
  readonly remoteAddress = "";
  readonly done: Promise<LinkEnd>;
  #role: PgmRole;
  #encoder: PgmFrameEncoder | undefined;
  #session: Session | undefined;
  #closed = false;
  #ended!: (end: LinkEnd) => void;
  #reading: Promise<void>[] = [];
  #resumeReader: (() => void) | undefined;
  #outgoing: { datagram: Uint8Array; to: DatagramAddress }[] = [];
  #writing: Promise<void> | undefined;
  /** The socket's preparation, and why it failed. */
  #prepared: Promise<Error | undefined> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #idleWaiters: (() => void)[] = [];
  #pumpScheduled = false;
  #settler = new Settler(() => {
    this.#pumpScheduled = false;
    this.#guarded(() => this.#pump());
  });

  /**
   * Wraps the sockets of an endpoint; nothing moves until started.
   *
   * @param role A source or a receiver, owning its sockets from now on.
   */
  constructor(role: PgmRole) {
    this.#role = role;
    if (role.kind === "source") {
      this.#encoder = new PgmFrameEncoder(role.sender.maxTsdu);
      this.#prepared = role.prepared?.then(
        () => undefined,
        (error) => error instanceof Error ? error : new Error(String(error)),
      );
    }
    this.done = new Promise((resolve) => this.#ended = resolve);
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(session: Session): void {
    if (this.#session || this.#closed) return;
    this.#session = session;
    const role = this.#role;
    // Ready within the call: a publisher's link made within `connect`
    // has its pipe take everything before the next send (libzmq's
    // subscribe_to_all), as no handshake stands in the way.
    const peer = {
      socketType: role.kind === "source" ? "SUB" : "PUB",
      minor: 1,
      metadata: new Metadata(),
      // No subscription travels over PGM: a source sends everything.
      ...(role.kind === "source" && { subscribesToAll: true }),
    };
    if (!session.handle({ type: "ready", peer }) || this.#closed) return;
    if (role.kind === "source") {
      this.#reading.push(this.#readLoop(role.socket));
    } else {
      this.#reading.push(this.#readLoop(role.groupSocket));
    }
    // The first SPMs, and what was queued meanwhile, once the senders
    // settle (as any send).
    this.wake();
  }

  wake(): void {
    if (this.#closed || !this.#session) return;
    if (this.#pumpScheduled) return this.#settler.sent();
    this.#pumpScheduled = true;
    // A burst of sends fills TSDUs together once its senders settle, not
    // a packet (and its headers' share of the rate) per message.
    this.#settler.start();
  }

  resume(): void {
    const resume = this.#resumeReader;
    this.#resumeReader = undefined;
    resume?.();
  }

  whenFlushed(): Promise<void> {
    if (this.#closed || this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const role = this.#role;
    this.resume();
    if (role.kind === "source" && this.#session) {
      // Receivers learn the session is over (OPT_FIN).
      for (const datagram of role.sender.finish()) {
        this.#queue(datagram, role.group);
      }
    }
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    const writing = this.#writing ?? Promise.resolve();
    writing.then(() => {
      role.socket.close();
      if (role.kind === "receiver") role.groupSocket.close();
      return Promise.all(this.#reading);
    }).then(() => this.#ended({}));
  }

  // MessageWriter: what the session fills.
  get pendingOutputBytes(): number {
    return this.#encoder?.pendingBytes ?? 0;
  }

  sendMessage(frames: readonly Uint8Array[]): void {
    this.#encoder?.encode(frames);
  }

  sendSubscribe(_topic: Uint8Array): void {}

  sendCancel(_topic: Uint8Array): void {}

  #idle(): boolean {
    return !this.#pumpScheduled && !this.#writing &&
      (this.#encoder?.pendingBytes ?? 0) === 0;
  }

  /** Sends what the rate allows now, and waits for the rest. */
  #pump(): void {
    const role = this.#role;
    if (this.#closed) return;
    if (role.kind === "receiver") {
      // Nothing a receiver's socket queues travels over PGM (its
      // subscriptions, an XSUB's messages): dropped, as libzmq's
      // pgm_receiver drops them, so that closing has nothing to wait for.
      this.#session!.fill(this, Infinity);
      if (this.#idle()) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
      }
      return;
    }
    const encoder = this.#encoder!;
    const sender = role.sender;
    for (;;) {
      if (encoder.pendingBytes === 0) {
        this.#session!.fill(this, FILL_BYTES);
        encoder.flush();
        if (encoder.pendingBytes === 0) break;
      }
      const now = performance.now();
      const delay = sender.delay(encoder.peek()!.length, now);
      if (delay > 0) {
        this.#arm(now + delay);
        break;
      }
      const tsdu = encoder.take()!;
      const sqn = sender.nextSqn;
      const packet = sender.send(tsdu, now);
      if (!pgmTestHooks.skipSent?.(sqn)) this.#queue(packet, role.group);
    }
    this.#service();
    if (this.#idle()) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** Runs the protocol's timers and sends what they produce. */
  #service(): void {
    if (this.#closed) return;
    const role = this.#role;
    const now = performance.now();
    if (role.kind === "source") {
      for (const datagram of role.sender.poll(now)) {
        this.#queue(datagram, role.group);
      }
      this.#arm(role.sender.deadline);
    } else {
      this.#take(role.receiver.poll(now));
      this.#arm(role.receiver.deadline);
    }
  }

  #arm(at: number): void {
    if (this.#closed || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    if (at === Infinity) return;
    const delay = Math.max(0, Math.ceil(at - performance.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#guarded(() =>
        this.#role.kind === "source" ? this.#pump() : this.#service()
      );
    }, delay);
  }

  /**
   * Runs work outside any caller that could catch it (a timer, a
   * microtask): a failure is reported and ends the link, not the process.
   */
  #guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (this.#closed) return;
      this.#session?.handle({
        type: "error",
        error: new ProtocolError(
          "local",
          `the epgm link failed: ${(error as Error).message}`,
        ),
      });
      this.close();
    }
  }

  /** What the receiver made of a datagram or of time passing. */
  #take(
    events: ReturnType<PgmReceiver["poll"]>,
  ): boolean {
    const role = this.#role;
    const session = this.#session!;
    let room = true;
    for (const event of events) {
      if (event.type === "message") {
        // Views of the datagrams this link read, or copies: ArrayBuffers.
        const frames = event.frames as Uint8Array<ArrayBuffer>[];
        room = session.handle({ type: "message", frames }) && room;
      } else if (event.type === "transmit") {
        if (role.kind === "receiver") {
          this.#queue(event.datagram, { hostname: event.to, port: role.port });
        }
      } else {
        session.handle({ type: "error", error: event.error });
      }
    }
    return room;
  }

  async #readLoop(socket: DatagramSocket): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    const role = this.#role;
    while (!this.#closed) {
      let datagram: Uint8Array;
      let from: DatagramAddress;
      try {
        [datagram, from] = await socket.receive(buffer);
      } catch (error) {
        if (this.#closed) return;
        const failure = receiveFailure(error, "epgm");
        if (!failure) continue;
        this.#session!.handle({ type: "error", error: failure });
        this.close();
        return;
      }
      if (this.#closed) return;
      const now = performance.now();
      if (role.kind === "source") {
        const error = role.sender.receive(datagram, now);
        if (error) this.#session!.handle({ type: "error", error });
        this.#service();
        continue;
      }
      if (_dropped(datagram)) continue;
      // A copy: frames handed up are views into it.
      const events = role.receiver.receive(
        datagram.slice(),
        from.hostname,
        now,
      );
      const room = this.#take(events);
      this.#arm(role.receiver.deadline);
      if (!room && !this.#closed) {
        await new Promise<void>((resolve) => this.#resumeReader = resolve);
      }
    }
  }

  #queue(datagram: Uint8Array, to: DatagramAddress): void {
    this.#outgoing.push({ datagram, to });
    if (!this.#writing) {
      this.#writing = this.#writeLoop().finally(() => {
        this.#writing = undefined;
        if (this.#idle()) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  async #writeLoop(): Promise<void> {
    const socket = this.#role.socket;
    const failed = await this.#prepared;
    if (failed) {
      this.#outgoing = [];
      if (this.#closed) return;
      this.#session?.handle({
        type: "error",
        error: new ProtocolError(
          "local",
          `the epgm socket could not be set up: ${failed.message}`,
        ),
      });
      this.close();
      return;
    }
    while (this.#outgoing.length > 0) {
      const batch = this.#outgoing;
      this.#outgoing = [];
      for (const { datagram, to } of batch) {
        try {
          await socket.send(datagram, to);
        } catch {
          // Lost, as a datagram may be; PGM repairs it.
        }
      }
    }
  }
}

/** The test hook's verdict on a data packet read. */
function _dropped(datagram: Uint8Array): boolean {
  const drop = pgmTestHooks.dropReceived;
  if (!drop || datagram.length < 24) return false;
  if (datagram[4] !== 0x04) return false; // Only ODATA: repairs get through.
  const sqn = ((datagram[16] << 24) | (datagram[17] << 16) |
    (datagram[18] << 8) | datagram[19]) >>> 0;
  return drop(sqn);
}
