/**
 * The datagram link: one UDP socket as the socket's one peer. There is no
 * handshake and no connection: the link is ready at once, each datagram
 * read is one message, each message written is one datagram.
 *
 * @module
 */

import {
  type DatagramAddress,
  MAX_DATAGRAM_BYTES,
} from "../codec/_datagram.ts";
import type { ProtocolError } from "../codec/errors.ts";
import type { PeerInfo } from "../codec/connection.ts";
import { Settler } from "./_settle.ts";
import { type DatagramSocket, receiveFailure } from "./_datagram_socket.ts";
import type { Link, LinkEnd, MessageWriter, Session } from "./transport.ts";

/**
 * Holds any UDP datagram, so that each system reads a long one alike (some
 * fail the read of a datagram longer than the buffer); it is then cut to
 * {@linkcode MAX_DATAGRAM_BYTES}.
 */
const READ_BUFFER_SIZE = 65_536;
/** Datagrams taken from the session per batch of writes. */
const WRITE_BATCH_BYTES = 64 * 1024;

/** What a datagram means to the socket type on this link. */
export interface DatagramRole {
  /** What the link announces as its peer in the `ready` event. */
  readonly peer: PeerInfo;
  /**
   * Turns a datagram read into a message's frames; left out, the link does
   * not read (a RADIO only sends).
   *
   * @throws {ProtocolError} For a datagram to drop (with an event).
   */
  decode?(
    datagram: Uint8Array<ArrayBuffer>,
    from: DatagramAddress,
  ): Uint8Array<ArrayBuffer>[];
  /**
   * Turns a message into a datagram and where it goes, or `undefined` to
   * drop it (too long for a datagram). Left out, messages are dropped.
   */
  encode?(
    frames: readonly Uint8Array[],
  ): { datagram: Uint8Array; to: DatagramAddress } | undefined;
}

/**
 * A {@linkcode Link} over one UDP socket. Reading pauses while the session
 * is full (the kernel then drops what does not fit, as libzmq's udp engine
 * lets it); a datagram longer than {@linkcode MAX_DATAGRAM_BYTES} is cut
 * to its first 8192 bytes, as libzmq reads it; a datagram that does not
 * decode is dropped with an `error` event, and reading goes on. Subscriptions are not sent: over udp a DISH
 * filters what it reads itself.
 */
export class DatagramLink implements Link, MessageWriter {
  readonly remoteAddress = "";
  readonly done: Promise<LinkEnd>;
  #socket: DatagramSocket;
  #role: DatagramRole;
  #session: Session | undefined;
  #closed = false;
  #ended!: (end: LinkEnd) => void;
  #reading: Promise<void> = Promise.resolve();
  #resumeReader: (() => void) | undefined;
  #outgoing: { datagram: Uint8Array; to: DatagramAddress }[] = [];
  #outgoingBytes = 0;
  #writing: Promise<void> | undefined;
  #wakeScheduled = false;
  #settler = new Settler(() => this.#flush());
  #idleWaiters: (() => void)[] = [];

  /**
   * Wraps a bound UDP socket; nothing moves until started.
   *
   * @param socket The socket, owned by the link from now on.
   * @param role How datagrams map to messages.
   */
  constructor(socket: DatagramSocket, role: DatagramRole) {
    this.#socket = socket;
    this.#role = role;
    this.done = new Promise((resolve) => this.#ended = resolve);
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(session: Session): void {
    if (this.#session || this.#closed) return;
    this.#session = session;
    // Ready on the next microtask: the socket has finished serving the
    // link by then (inproc's peers are ready within the second start).
    queueMicrotask(() => {
      if (
        this.#closed ||
        !session.handle({ type: "ready", peer: this.#role.peer })
      ) return;
      if (this.#role.decode) this.#reading = this.#readLoop();
    });
  }

  wake(): void {
    if (this.#closed || !this.#session) return;
    if (this.#wakeScheduled) return this.#settler.sent();
    this.#wakeScheduled = true;
    // A burst of sends goes out together once its senders settle.
    this.#settler.start();
  }

  #flush(): void {
    this.#wakeScheduled = false;
    // A loop still sending fills again once its batch is out.
    if (this.#writing || this.#closed) return;
    this.#writing = this.#writeLoop().finally(() => {
      this.#writing = undefined;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    });
  }

  resume(): void {
    const resume = this.#resumeReader;
    this.#resumeReader = undefined;
    resume?.();
  }

  whenFlushed(): Promise<void> {
    if (this.#closed || (!this.#writing && !this.#wakeScheduled)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
    this.resume();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    // Every pending operation settles before `done`, so none outlives the link.
    Promise.all([this.#reading, this.#writing]).then(() => this.#ended({}));
  }

  // MessageWriter: what the session fills, one datagram per message.
  get pendingOutputBytes(): number {
    return this.#outgoingBytes;
  }

  sendMessage(frames: readonly Uint8Array[]): void {
    const outgoing = this.#role.encode?.(frames);
    if (!outgoing) return;
    this.#outgoing.push(outgoing);
    this.#outgoingBytes += outgoing.datagram.length;
  }

  sendSubscribe(_group: Uint8Array): void {}

  sendCancel(_group: Uint8Array): void {}

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    const decode = this.#role.decode!;
    const session = this.#session!;
    while (!this.#closed) {
      let datagram: Uint8Array;
      let from: DatagramAddress;
      try {
        [datagram, from] = await this.#socket.receive(buffer);
      } catch (error) {
        if (this.#closed) return;
        const failure = receiveFailure(error, "udp");
        if (!failure) continue;
        session.handle({ type: "error", error: failure });
        this.close();
        return;
      }
      if (this.#closed) return;
      let frames: Uint8Array<ArrayBuffer>[];
      try {
        // Frames are views into this copy; the buffer is read into again.
        // Cut as libzmq's recvfrom into its 8192-byte buffer cuts it.
        frames = decode(datagram.slice(0, MAX_DATAGRAM_BYTES), from);
      } catch (error) {
        session.handle({ type: "error", error: error as ProtocolError });
        continue;
      }
      if (!session.handle({ type: "message", frames }) && !this.#closed) {
        await new Promise<void>((resolve) => this.#resumeReader = resolve);
      }
    }
  }

  async #writeLoop(): Promise<void> {
    const session = this.#session!;
    while (!this.#closed) {
      session.fill(this, WRITE_BATCH_BYTES);
      const batch = this.#outgoing;
      if (batch.length === 0) break;
      this.#outgoing = [];
      this.#outgoingBytes = 0;
      for (const { datagram, to } of batch) {
        if (this.#closed) break;
        try {
          await this.#socket.send(datagram, to);
        } catch {
          // Lost, as a datagram may be (no route, a full buffer); the
          // next one may go.
        }
      }
    }
  }
}
