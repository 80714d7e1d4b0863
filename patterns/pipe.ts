/**
 * A pipe: the socket's queue pair for one peer.
 *
 * @module
 */

import type { PeerInfo } from "../codec/connection.ts";
import type { Link, MessageWriter } from "../transport/pump.ts";
import type { Message } from "./message.ts";
import { Queue } from "./_queue.ts";
import { SubscriptionTrie } from "./subscription_trie.ts";

let _nextPipeId = 1;

/**
 * The socket's view of one peer: messages waiting to go out (bounded by the
 * send high-water mark), messages received and not yet read (bounded by the
 * receive high-water mark), and the connection currently serving it.
 *
 * A pipe made by `connect` outlives its connections: messages queue in it
 * before the first connection and across reconnects, as in libzmq.
 */
export class Pipe {
  /** A number unique in this process, for fair ordering and logs. */
  readonly id: number = _nextPipeId++;
  /** The endpoint this pipe belongs to. */
  readonly endpoint: string;
  /** Messages waiting to be written. */
  readonly outbound: Queue<Message> = new Queue();
  /** Messages received and not yet read. */
  readonly inbound: Queue<Message> = new Queue();
  /** Control actions (subscriptions) to write before messages. */
  readonly control: Queue<(writer: MessageWriter) => void> = new Queue();
  /** The prefixes the peer subscribed to (publisher side). */
  readonly subscriptions: SubscriptionTrie = new SubscriptionTrie({
    counted: false,
  });
  /** The current connection, while there is one. */
  pump: Link | undefined;
  /** What the peer said in its last handshake. */
  peer: PeerInfo | undefined;
  /** The routing id a ROUTER knows this peer by. */
  routingId: Uint8Array | undefined;
  /** Whether the pipe came from a bound endpoint (an accepted peer). */
  accepted = false;
  /** Whether the pipe ends with its connection (accepted, or `immediate`) rather than outliving it. */
  transient = false;
  /** Whether the socket routes messages to this pipe. */
  attached = false;
  /** Whether a connection with a completed handshake serves the pipe now. */
  ready = false;
  /** The routing id a ROUTER gives this peer whatever it announces (`connect` with `routingId`). */
  assignedRoutingId: Uint8Array | undefined;
  /** Whether each queue keeps only its newest message (ZMQ_CONFLATE). */
  readonly conflate: boolean;
  readonly #sendHighWaterMark: number;
  readonly #receiveHighWaterMark: number;

  /**
   * Makes an empty pipe.
   *
   * @param endpoint The endpoint it belongs to.
   * @param sendHighWaterMark Outbound limit in messages; 0 for none.
   * @param receiveHighWaterMark Inbound limit in messages; 0 for none.
   * @param conflate Keep only the newest message each way, ignoring the limits.
   */
  constructor(
    endpoint: string,
    sendHighWaterMark: number,
    receiveHighWaterMark: number,
    conflate = false,
  ) {
    this.endpoint = endpoint;
    this.conflate = conflate;
    this.#sendHighWaterMark = sendHighWaterMark;
    this.#receiveHighWaterMark = receiveHighWaterMark;
  }

  /** Whether the outbound queue is at its high-water mark. */
  get full(): boolean {
    return !this.conflate && this.#sendHighWaterMark > 0 &&
      this.outbound.length >= this.#sendHighWaterMark;
  }

  /** Whether the inbound queue is at its high-water mark. */
  get inboundFull(): boolean {
    return !this.conflate && this.#receiveHighWaterMark > 0 &&
      this.inbound.length >= this.#receiveHighWaterMark;
  }

  /** Queues a message for the peer and wakes the connection. */
  write(message: Message): void {
    if (this.conflate) this.outbound.clear();
    this.outbound.push(message);
    this.pump?.wake();
  }

  /** Queues a control action and wakes the connection. */
  writeControl(action: (writer: MessageWriter) => void): void {
    this.control.push(action);
    this.pump?.wake();
  }
}
