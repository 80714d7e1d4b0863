/**
 * A pipe: the socket's queue pair for one peer.
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import type { Link, MessageWriter, Transport } from "../transport/transport.ts";
import type { Message, OutboundMessage } from "./message.ts";
import { Queue } from "../transport/_queue.ts";
import { SubscriptionTrie } from "./_subscription_trie.ts";

/**
 * Messages read ahead of the reader with no receive high-water mark: past
 * this, a queue that only grows costs memory and garbage collection (whose
 * work grows with what is live) and buys nothing.
 */
export const READ_AHEAD = 8192;

/**
 * Where a pipe is in its life:
 * - `new`: made, not routed yet (an accepted peer, or an `immediate`
 *   connect, before its handshake);
 * - `attached`: routed, no link with a finished handshake serves it now
 *   (messages queue);
 * - `ready`: routed, and a link with a finished handshake serves it;
 * - `removed`: gone from the socket.
 */
export type PipeState = "new" | "attached" | "ready" | "removed";

/** How a pipe was made, and its limits. */
export interface PipeOptions {
  /** The endpoint it belongs to. */
  endpoint: string;
  /** Whether it came from a bound endpoint (an accepted peer). */
  accepted: boolean;
  /** Whether it ends with its link (accepted, or `immediate`) rather than outliving it. */
  transient: boolean;
  /** Outbound limit in messages; 0 for none. */
  sendHighWaterMark: number;
  /** Inbound limit in messages; 0 for none. */
  receiveHighWaterMark: number;
  /** Keep only the newest message each way, ignoring the limits. */
  conflate: boolean;
}

/**
 * The socket's view of one peer: messages waiting to go out (bounded by the
 * send high-water mark), messages received and not yet read (bounded by the
 * receive high-water mark), and the link currently serving it.
 *
 * A pipe made by `connect` outlives its links: messages queue in it
 * before the first link and across reconnects, as in libzmq.
 */
export class Pipe {
  /**
   * The endpoint this pipe belongs to, as its events name it: an accepted
   * peer's is where it reached us (see {@linkcode boundAt}).
   */
  readonly endpoint: string;
  /** For an accepted peer, the endpoint of the listener it came by (none for `upgrade()`'s). */
  boundAt: string | undefined = undefined;
  /** Whether the pipe came from a bound endpoint. */
  readonly accepted: boolean;
  /** Whether the pipe ends with its link. */
  readonly transient: boolean;
  /** Whether each queue keeps only its newest message (ZMQ_CONFLATE). */
  readonly conflate: boolean;
  /** Messages waiting to be written. */
  readonly outbound: Queue<OutboundMessage> = new Queue();
  /** Messages received and not yet read. */
  readonly inbound: Queue<Message> = new Queue();
  /** Where the pipe is in its life. */
  state: PipeState = "new";
  /**
   * Whether the pipe holds a turn in its socket's fair queue, so that it
   * never holds two: a flag rather than a set there, as it changes with
   * each message a quiet peer sends.
   */
  inTurn = false;
  /** The current link, while there is one. */
  link: Link | undefined;
  /**
   * Set when this socket itself ends the pipe's link (`unbind`,
   * `disconnect`): no peer-gone notice then (STREAM's `[id, ""]`).
   */
  closedHere = false;
  /** What the peer said in its last handshake. */
  peer: PeerInfo | undefined;
  /** The routing id a ROUTER knows this peer by. */
  routingId: Uint8Array<ArrayBuffer> | undefined;
  /**
   * Its bytes as the key of the routing table, kept: a routing id handed
   * out in a message can have its buffer transferred away (emptied), and
   * the table must still let go of the peer.
   */
  routingKey: string | undefined;
  /** The transport the pipe's peer comes by. */
  transport: Transport | undefined = undefined;
  /** The routing id a ROUTER gives this peer whatever it announces (`connect` with `routingId`). */
  assignedRoutingId: Uint8Array | undefined;
  /**
   * A ROUTER peer connected but not heard, as libzmq keeps it rather than
   * have it reconnect every interval: `anonymous`, a newcomer whose routing
   * id another has (no handover); `handedOver`, the old holder of an id a
   * newcomer took, what it sent and was not read dropped, and nothing sent
   * to it. Either is read no more (backpressure), as libzmq's session without
   * a pipe stops its engine. A field, not a set: a ROUTER looks at it for
   * each message sent.
   */
  unheard: "anonymous" | "handedOver" | undefined;
  /**
   * Set when a verdict refused the peer of the current link for now (a ZAP
   * 300): told once, so its end is told no more (as libzmq's
   * HANDSHAKE_FAILED_AUTH, then only DISCONNECTED).
   */
  refused = false;
  /**
   * Set once ZMQ_PROBE_ROUTER's empty message was written: once per pipe,
   * as libzmq writes it when the pipe is made, not on each reconnect.
   */
  probed = false;
  /** Messages read from this link of an anonymous ROUTER peer (dropped). */
  anonymousRead = 0;
  #sendHighWaterMark: number;
  #receiveHighWaterMark: number;
  #subscriptions: SubscriptionTrie | undefined;
  /**
   * Control actions to write in line with the messages (an XSUB's
   * subscriptions, as libzmq's go down its pipe with the data), each after
   * the message it followed: due once `after` messages have been taken.
   */
  #inLine: Queue<{ after: number; action: _Control }> | undefined;
  /**
   * Control actions to write before messages: a new link's subscriptions.
   * This queue and the one in line are made at first use: most pipes never
   * hold an action, and thousands of peers each have a pipe.
   */
  #control: Queue<_Control> | undefined;
  /** Messages taken off the outbound queue while in-line actions wait. */
  #taken = 0;

  /**
   * Makes an empty pipe.
   *
   * @param options Its endpoint, origin and limits.
   */
  constructor(options: PipeOptions) {
    this.endpoint = options.endpoint;
    this.accepted = options.accepted;
    this.transient = options.transient;
    this.conflate = options.conflate;
    this.#sendHighWaterMark = options.sendHighWaterMark;
    this.#receiveHighWaterMark = options.receiveHighWaterMark;
  }

  /**
   * The prefixes the peer subscribed to (publisher side), made at first
   * use: most pipes never hold one, and each costs a map.
   */
  get subscriptions(): SubscriptionTrie {
    return this.#subscriptions ??= new SubscriptionTrie({ counted: false });
  }

  /** Whether a link with a finished handshake serves the pipe now. */
  get ready(): boolean {
    return this.state === "ready";
  }

  /** Whether the socket routes messages to this pipe. */
  get attached(): boolean {
    return this.state === "attached" || this.state === "ready";
  }

  /**
   * Changes both marks, as the socket's options changed: what is queued
   * stays, a lower mark only stops more from coming.
   */
  setHighWaterMarks(send: number, receive: number): void {
    this.#sendHighWaterMark = send;
    this.#receiveHighWaterMark = receive;
  }

  /**
   * Whether the outbound queue is at its high-water mark, once a link
   * that can hands the peer what it has room for (inproc: the peer's mark
   * counts too, as in libzmq's one pipe, even within a burst). So reading
   * it may move messages to the peer; the routing hears of the room made
   * only after the decision it reads it in.
   */
  get full(): boolean {
    const mark = this.#sendHighWaterMark;
    if (this.conflate || mark <= 0 || this.outbound.length < mark) {
      return false;
    }
    this.link?.deliverNow?.();
    return this.outbound.length >= mark;
  }

  /**
   * Whether reading from the peer pauses: the inbound queue is at its
   * high-water mark or, with none, as long as {@linkcode READ_AHEAD}. What
   * is not read waits in the kernel and the sender, lost by no one.
   */
  get inboundFull(): boolean {
    return !this.conflate && this.inbound.length >= this.receiveLimit;
  }

  /** The receive high-water mark or, with none, {@linkcode READ_AHEAD}. */
  get receiveLimit(): number {
    return this.#receiveHighWaterMark > 0
      ? this.#receiveHighWaterMark
      : READ_AHEAD;
  }

  /** Queues a message for the peer and wakes the link. */
  write(message: OutboundMessage): void {
    if (this.conflate) this.dropOutbound();
    this.outbound.push(message);
    this.link?.wake();
  }

  /**
   * Queues a control action, to go before any message, and wakes the link;
   * an inproc peer has it at once, as libzmq's reads its pipe's commands
   * before its next send (a subscription, then the PUB's next message).
   */
  writeControl(action: _Control): void {
    (this.#control ??= new Queue()).push(action);
    this.link?.wake();
    this.link?.deliverNow?.();
  }

  /** Queues a control action after the messages queued, and wakes the link. */
  writeInLine(action: _Control): void {
    if (this.outbound.length === 0 && this.inLineLength === 0) {
      return this.writeControl(action);
    }
    const after = this.#taken + this.outbound.length;
    (this.#inLine ??= new Queue()).push({ after, action });
    this.link?.wake();
    this.link?.deliverNow?.();
  }

  /** How many control actions wait to go before any message. */
  get controlLength(): number {
    return this.#control?.length ?? 0;
  }

  /** The first of the control actions to go before any message. */
  get firstControl(): _Control | undefined {
    return this.#control?.peek();
  }

  /** How many control actions wait in line with the messages. */
  get inLineLength(): number {
    return this.#inLine?.length ?? 0;
  }

  /** Whether control actions wait to be written. */
  get controlPending(): boolean {
    return this.controlLength > 0 || this.inLineLength > 0;
  }

  /**
   * Writes the control actions, then messages while the writer holds less
   * than `batchBytes`, each in-line action after the messages before it.
   * Without control actions a session writes the messages itself: the
   * round trip's path, a call shorter.
   */
  writeWithControl(writer: MessageWriter, batchBytes: number): void {
    // Read afresh each time: an action may make the queues.
    for (
      let control = this.#control;
      control?.length;
      control = this.#control
    ) {
      control.shift()!(writer);
    }
    const outbound = this.outbound;
    for (;;) {
      const inLine = this.#inLine;
      while (inLine?.length && inLine.peek()!.after <= this.#taken) {
        inLine.shift()!.action(writer);
      }
      const waiting = (inLine?.length ?? 0) > 0;
      if (!waiting) this.#taken = 0;
      if (outbound.length === 0 || writer.pendingOutputBytes >= batchBytes) {
        return;
      }
      writer.sendMessage(outbound.shift()!);
      if (waiting) this.#taken++;
    }
  }

  /**
   * Drops the messages queued outbound (the in-line actions behind them
   * are due at once).
   *
   * @returns How many were dropped.
   */
  dropOutbound(): number {
    const dropped = this.outbound.clear().length;
    if (this.inLineLength > 0) this.#taken += dropped;
    return dropped;
  }

  /**
   * Drops the control actions queued, in line too: a link that ends takes
   * them with it, as the next one is told every subscription afresh (and a
   * SUB's snapshot replaces those it no longer needs).
   */
  dropControl(): void {
    this.#control = undefined;
    this.#inLine = undefined;
    this.#taken = 0;
  }
}

/** A control action: what it writes to the link (a subscription). */
type _Control = (writer: MessageWriter) => void;
