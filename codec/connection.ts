/**
 * One ZMTP connection as a sans-I/O state machine: bytes and time in,
 * events and bytes out. No sockets, no timers: the transport feeds it.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import {
  type Command,
  encodePing,
  encodePong,
  parseCommand,
} from "./command.ts";
import type { ConnectionEvent, ConnectionState } from "./connection_event.ts";
import type { ConnectionOptions } from "./connection_options.ts";
import { ProtocolError, ZmqError } from "./errors.ts";
import { FLAG_COMMAND, FLAG_MORE, FrameDecoder } from "./frame.ts";
import type { Heartbeat, HeartbeatOptions } from "./heartbeat.ts";
import * as heartbeats from "./_heartbeats.ts";
import type { MechanismName } from "./greeting.ts";
import type { Mechanism } from "./mechanism.ts";
import { Handshake } from "./_handshake.ts";
import { MessageAssembler } from "./_message_assembler.ts";
import { checkGroupMessage, SubscriptionCodec } from "./_subscriptions.ts";
import { checkReply } from "./_reply_rule.ts";
import { type FrameOutput, writeSealed } from "./_output_buffer.ts";
import { assertReady } from "./_send_state.ts";
import { frameOutput, parseZwsFrame } from "./_zws.ts";

/** Where events go between calls of `receive`: nowhere (none come then). */
const _NO_EVENTS: ConnectionEvent[] = [];

export type {
  ConnectionEvent,
  ConnectionState,
  PeerInfo,
} from "./connection_event.ts";
export type { ConnectionOptions } from "./connection_options.ts";

/**
 * A ZMTP 3.1 connection (speaking 3.0 framing to a 3.0 peer).
 *
 * @example A NULL handshake between two connections, without sockets
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const client = new codec.Connection({ socketType: "REQ" });
 * const server = new codec.Connection({ socketType: "REP" });
 * const pump = (from: codec.Connection, to: codec.Connection) =>
 *   from.takeOutput().flatMap((chunk) => to.receive(chunk));
 * pump(client, server);
 * pump(server, client);
 * pump(client, server);
 * console.log(client.state, server.state); // "ready" "ready"
 * client.sendMessage([new Uint8Array(), new TextEncoder().encode("Hello")]);
 * const [event] = pump(client, server);
 * console.log(event.type); // "message"
 * ```
 */
export class Connection {
  /** Until ready: an idle connection keeps none of it. */
  #handshake: Handshake | undefined;
  #mechanismName: MechanismName;
  #assembler: MessageAssembler;
  #decoder: FrameDecoder;
  /** Where `receive` collects the events of the chunk it was given. */
  #events: ConnectionEvent[] = _NO_EVENTS;
  #output: FrameOutput;
  #zws: boolean;
  #state: ConnectionState = "greeting";
  /** Ours to PING with, else made at the peer's first PING, if any. */
  #heartbeat: Heartbeat | undefined;
  #heartbeatOptions: Readonly<HeartbeatOptions>;
  /** Whether the chunk being received came with the time. */
  #timed = false;
  #now = 0;
  #subscriptions: SubscriptionCodec;
  /** Cached from `#subscriptions`: read for every message. */
  #subscriptionsAsMessages: boolean;
  /** The shape the socket type takes messages in (DISH, REQ), if any. */
  #checkMessage: ((frames: Uint8Array[]) => void) | undefined;
  /** Set once ready when the mechanism seals every frame (CURVE). */
  #sealer: Mechanism | undefined;

  /**
   * Makes a connection and queues our greeting (and READY or HELLO) for output.
   *
   * @param options Our socket's type, identity and limits.
   */
  constructor(options: ConnectionOptions) {
    this.#zws = options.framing === "zws";
    this.#output = frameOutput(options);
    this.#handshake = new Handshake(options, this.#output);
    const mechanism = this.#handshake.mechanism;
    this.#mechanismName = mechanism.name;
    const maxMessageSize = options.maxMessageSize ?? -1;
    this.#assembler = new MessageAssembler(maxMessageSize);
    this.#decoder = new FrameDecoder({
      maxFrameSize: maxMessageSize >= 0
        ? maxMessageSize + (mechanism.overhead ?? 0)
        : undefined,
    });
    this.#now = options.now ?? 0;
    this.#heartbeatOptions = heartbeats.optionsFor(options, this.#zws);
    this.#heartbeat = heartbeats.own(this.#heartbeatOptions, this.#now);
    this.#subscriptions = new SubscriptionCodec(
      options.socketType,
      maxMessageSize,
    );
    this.#subscriptionsAsMessages = this.#subscriptions.asMessages;
    this.#checkMessage = this.#subscriptions.joins
      ? checkGroupMessage
      : options.socketType === "REQ"
      ? checkReply
      : undefined;
    if (this.#zws) {
      this.#state = "handshake";
      this.#handshake.start();
    }
  }

  /** The security mechanism's name, as the greeting (or ZWS sub-protocol) says. */
  get mechanism(): MechanismName {
    return this.#mechanismName;
  }

  /** Where the connection is in its life. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * When {@linkcode Connection.tick} must next be called (ms, on the clock
   * given as `now`): the handshake deadline, then the heartbeat timers;
   * `undefined` until a time is given (see `ConnectionOptions.now`).
   */
  get deadline(): number | undefined {
    if (this.#state === "failed") return undefined;
    if (this.#state === "ready") return this.#heartbeat?.deadline;
    return this.#handshake!.deadline;
  }

  /** The TTL (ms) of the peer's last PING: how long it may stay silent; 0 for none. */
  get peerTimeToLive(): number {
    return this.#heartbeat?.peerTimeToLive ?? 0;
  }

  /** Bytes of output waiting for {@linkcode Connection.takeOutput}. */
  get pendingOutputBytes(): number {
    return this.#output.pendingBytes;
  }

  /** The declared size of the frame in progress (0 between frames), to size reads. */
  get partialFrameSize(): number {
    return this.#decoder.partialFrameSize;
  }

  /**
   * Where the transport may read the next bytes directly: the rest of a
   * large frame body in progress (see {@linkcode FrameDecoder.directReadTarget}).
   *
   * @returns A buffer to read into, then pass to `receive` as is; or `undefined`.
   */
  directReadTarget(): Uint8Array<ArrayBuffer> | undefined {
    return this.#state === "handshake" || this.#state === "ready"
      ? this.#decoder.directReadTarget()
      : undefined;
  }

  /**
   * Takes the bytes to write to the peer, in order. Small frames come
   * coalesced in one chunk; large bodies come as their own chunks, uncopied.
   *
   * @param now The time in ms (else the last given), for the heartbeats;
   * the first time given starts the handshake's clock.
   * @returns The chunks; empty when there is nothing to send.
   */
  takeOutput(now?: number): Uint8Array[] {
    if (now !== undefined) this.#time(now);
    const chunks = this.#output.take();
    if (this.#state === "handshake") this.#handshake!.outputTaken(this.#now);
    this.#heartbeat?.onOutputTaken(this.#now, chunks);
    return chunks;
  }

  /**
   * Feeds bytes received from the peer.
   *
   * @param chunk The bytes, in order. Not to be modified afterwards: message
   * frames are views into it, CURVE decrypts each MESSAGE in place in it
   * and a PLAIN server zeroes the password of the HELLO in it, so it no
   * longer holds what was received.
   * @param now The current time, for the heartbeats (any traffic is life);
   * may be left out while the connection is ready and has no deadline.
   * @returns What the bytes completed. After an `error` event (or a send
   * that failed) the connection ignores further input; write out its output
   * (it may hold an ERROR command), then close.
   */
  receive(chunk: Uint8Array, now?: number): ConnectionEvent[] {
    let events: ConnectionEvent[] = [];
    if (this.#state === "failed") return events;
    if (now !== undefined) this.#time(now);
    this.#timed = now !== undefined;
    this.#heartbeat?.onTraffic(now);
    try {
      let rest = chunk;
      if (this.#state === "greeting") {
        const after = this.#handshake!.receiveGreeting(chunk, this.#now);
        if (after === undefined) return events;
        rest = after;
        this.#state = "handshake";
        this.#handshake!.afterGreeting(this.#now, events);
      }
      // Over ZWS an empty message is a malformed frame, not an empty read.
      if (rest.length === 0 && !this.#zws) return events;
      // Frames decoded before a malformed one are still delivered.
      this.#events = events;
      if (this.#zws) {
        const frame = parseZwsFrame(rest);
        this.#onFrame(frame.flags, frame.body);
      } else {
        this.#decoder.decodeEach(rest, Connection.#frameOf, this);
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#fail(error, this.#events === _NO_EVENTS ? events : this.#events);
    } finally {
      if (this.#events !== _NO_EVENTS) events = this.#events;
      this.#events = _NO_EVENTS; // its frames would pin their read buffer
    }
    return events;
  }

  /**
   * Tells the connection the time: it enforces the handshake deadline,
   * queues heartbeat PINGs and gives up on a peer silent for too long.
   *
   * @param now The current time in ms, on the same clock as `options.now`.
   * @returns An `error` event (kind `timeout`) if time ran out.
   */
  tick(now: number): ConnectionEvent[] {
    this.#time(now);
    const events: ConnectionEvent[] = [];
    if (this.#state === "failed") return events;
    if (this.#state !== "ready") {
      const timeout = this.#handshake!.tick(now, events);
      if (timeout) this.#fail(timeout, events);
      return events;
    }
    const action = this.#heartbeat?.tick(now);
    if (action?.type === "timeout") {
      this.#fail(new ProtocolError("timeout", action.reason), events);
    } else if (action?.type === "ping") {
      try {
        this.#emit(encodePing(action.ttl, new Uint8Array()), FLAG_COMMAND);
      } catch (error) {
        // A PING it cannot seal ends it, as a PONG does within `receive`.
        if (!(error instanceof ProtocolError)) throw error;
        this.#fail(error, events);
      }
    }
    return events;
  }

  /**
   * Queues a message for the peer. Only valid once `ready`.
   *
   * @param frames The message's frames (at least one).
   * @throws {ZmqError} `EFSM` before `ready` or once failed, `EINVAL` for no
   * frames; a `ProtocolError` if the mechanism cannot seal: then it failed.
   */
  sendMessage(frames: readonly Uint8Array[]): void {
    assertReady(this.#state);
    const last = frames.length - 1;
    if (last < 0) throw new ZmqError("EINVAL", "no frames to send");
    if (this.#sealer) {
      for (let i = 0; i <= last; i++) {
        this.#emit(frames[i], i < last ? FLAG_MORE : 0);
      }
      return;
    }
    for (let i = 0; i < last; i++) {
      this.#output.writeFrame(frames[i], FLAG_MORE);
    }
    this.#output.writeFrame(frames[last], 0);
  }

  /**
   * Queues a subscription for the peer, as ZMTP 3.1's SUBSCRIBE command or,
   * to a 3.0 peer, as a message starting with 0x01; a DISH joins a group
   * with libzmq's JOIN command instead.
   *
   * @param topic The prefix.
   * @throws {ZmqError} As {@linkcode Connection.sendMessage}.
   */
  sendSubscribe(topic: Uint8Array): void {
    this.#sendSubscription(true, topic);
  }

  /**
   * Queues the cancellation of a subscription (CANCEL, or 0x00 to a 3.0
   * peer; a DISH leaves a group with LEAVE).
   *
   * @param topic The prefix.
   * @throws {ZmqError} As {@linkcode Connection.sendMessage}.
   */
  sendCancel(topic: Uint8Array): void {
    this.#sendSubscription(false, topic);
  }

  /**
   * Queues a command frame (such as PING).
   *
   * @param body The command body from one of the `encode…` functions.
   * @throws {ZmqError} As {@linkcode Connection.sendMessage}.
   */
  sendCommand(body: Uint8Array): void {
    assertReady(this.#state);
    this.#emit(body, FLAG_COMMAND);
  }

  /**
   * Gives a server mechanism the verdict it asked for with an
   * `authenticate` event, and goes on with the handshake.
   *
   * @param verdict What the authenticator said.
   * @returns `ready` if the client was allowed and the handshake is done,
   * `error` if it was refused (write out the output, which holds an ERROR,
   * then close). None for a verdict not asked for, or given already: it is
   * ignored.
   */
  authenticated(verdict: Verdict): ConnectionEvent[] {
    const events: ConnectionEvent[] = [];
    const mechanism = this.#handshake?.mechanism;
    if (this.#state !== "handshake" || !mechanism!.authenticated) return events;
    try {
      if (this.#handshake!.authenticated(verdict, events)) this.#onReady();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#fail(error, events);
    }
    return events;
  }

  /** Takes the time given; the first starts the handshake's clock. */
  #time(now: number): void {
    this.#now = now;
    this.#handshake?.time(now);
  }

  /** Queues a frame, sealed when the mechanism seals (CURVE). */
  #emit(body: Uint8Array, flags: number): void {
    if (!this.#sealer) return this.#output.writeFrame(body, flags);
    try {
      writeSealed(this.#output, this.#sealer, body, flags);
    } catch (error) {
      this.#state = "failed";
      this.#assembler.clear();
      throw error;
    }
  }

  #sendSubscription(subscribe: boolean, topic: Uint8Array): void {
    assertReady(this.#state);
    const [body, flags] = this.#subscriptions.frame(subscribe, topic);
    this.#emit(body, flags);
  }

  /** Each frame, as the decoder completes it: one function, no closure each. */
  static #frameOf(flags: number, body: Uint8Array, self: Connection): void {
    self.#onFrame(flags, body);
  }

  #onFrame(flags: number, body: Uint8Array): void {
    if (this.#state === "ready") {
      this.#onTrafficFrame(flags, body, this.#events);
    } else if (this.#handshake!.receiveFrame(flags, body, this.#events)) {
      this.#onReady();
    }
  }

  #onReady(): void {
    const { peerMinor, mechanism } = this.#handshake!;
    this.#subscriptions.peerMinor = peerMinor;
    this.#heartbeat?.onReady(this.#now, peerMinor);
    // Kept past the handshake only to seal and open (CURVE), if it does.
    if (mechanism.seal) this.#sealer = mechanism;
    this.#handshake = undefined;
    this.#state = "ready";
  }

  #onTrafficFrame(
    flags: number,
    body: Uint8Array,
    events: ConnectionEvent[],
  ): void {
    if (this.#sealer) {
      const frame = this.#sealer.open!(body);
      body = frame.body;
      flags = (frame.more ? FLAG_MORE : 0) | (frame.command ? FLAG_COMMAND : 0);
    }
    if (flags & FLAG_COMMAND) {
      // Between the frames of a message too: libzmq's heartbeats go out
      // wherever its encoder stands, and the message goes on after them.
      this.#onCommand(parseCommand(body), events);
      return;
    }
    let frames = this.#assembler.add(body, (flags & FLAG_MORE) !== 0);
    if (!frames) return;
    if (this.#subscriptionsAsMessages) {
      frames = this.#subscriptions.readMessage(frames, events);
      if (frames.length === 0) return;
    }
    if (this.#checkMessage) this.#checkMessage(frames);
    // A list of one: `[]` grows room for 17 at a first store.
    if (events.length === 0) this.#events = [{ type: "message", frames }];
    else events[events.length] = { type: "message", frames };
  }

  #onCommand(command: Command, events: ConnectionEvent[]): void {
    switch (command.name) {
      case "PING":
        // One PONG waits at most (see Heartbeat.onPing), as libzmq's one.
        this.#heartbeat ??= heartbeats.late(
          this.#heartbeatOptions,
          this.#now,
          this.#timed,
        );
        if (this.#heartbeat.onPing((command.data[0] << 8) | command.data[1])) {
          this.#emit(encodePong(command.data), FLAG_COMMAND);
        }
        return;
      case "PONG":
        return;
    }
    // Any other command (ERROR too, which RFC 37 has only in the handshake)
    // is ignored, as libzmq's session ignores it: a peer speaking a later
    // ZMTP is not cut off for what it adds.
    const subscription = this.#subscriptions.event(command);
    if (subscription) events.push(subscription);
  }

  #fail(error: ProtocolError, events: ConnectionEvent[]): void {
    this.#state = "failed";
    this.#assembler.clear();
    events.push({ type: "error", error });
  }
}
