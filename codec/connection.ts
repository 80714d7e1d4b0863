/**
 * One ZMTP connection as a sans-I/O state machine: bytes and time in,
 * events and bytes out. No sockets, no timers: the transport feeds it.
 *
 * @module
 */

import {
  type Command,
  encodeCommand,
  encodeError,
  encodePing,
  encodePong,
  parseCommand,
  parseError,
} from "./command.ts";
import type { Credentials, Verdict } from "./authentication.ts";
import { ProtocolError } from "./errors.ts";
import { FLAG_COMMAND, FLAG_MORE, type Frame, FrameDecoder } from "./frame.ts";
import {
  checkGreetingPrefix,
  encodeGreeting,
  GREETING_SIZE,
  parseGreeting,
} from "./greeting.ts";
import {
  type Mechanism,
  type MechanismStep,
  NullMechanism,
} from "./mechanism.ts";
import { Metadata } from "./metadata.ts";
import { OutputBuffer } from "./_output_buffer.ts";
import { type SocketType, socketTypesMatch } from "./socket_type.ts";

/** Options of a {@linkcode Connection}. */
export interface ConnectionOptions {
  /** Our socket type, sent as Socket-Type and checked against the peer's. */
  socketType: SocketType;
  /** Our routing id, sent as Identity (REQ, DEALER, ROUTER only, as libzmq). */
  routingId?: Uint8Array;
  /**
   * Makes the security mechanism, given our READY properties.
   * Default: NULL.
   */
  mechanism?: (metadata: Metadata) => Mechanism;
  /** The largest message accepted, in bytes; -1 for no limit (default). */
  maxMessageSize?: number;
  /** How long the greeting and handshake may take, in ms; 0 for no limit. Default 30000. */
  handshakeInterval?: number;
  /** The current time in ms, for the handshake deadline. Default 0. */
  now?: number;
  /** Send a PING this often once ready, in ms; 0 (default) sends none. */
  heartbeatInterval?: number;
  /** How long to wait for any traffic after a PING before giving up, in ms; -1 (default) means `heartbeatInterval`. */
  heartbeatTimeout?: number;
  /** The TTL our PINGs ask the peer to apply (ms, sent in deciseconds); 0 (default) asks for none. */
  heartbeatTimeToLive?: number;
}

/** What the connection learnt about its peer in the handshake. */
export interface PeerInfo {
  /** The peer's Socket-Type. */
  socketType: string;
  /** The peer's Identity property, if it sent a non-empty one. */
  routingId?: Uint8Array;
  /** ZMTP minor version the peer speaks: 0 or 1. */
  minor: number;
  /** All the peer's properties. */
  metadata: Metadata;
  /** Who the authenticator said the peer is (PLAIN, CURVE, or NULL with ZAP). */
  userId?: string;
  /** Properties the authenticator attached to the peer. */
  authMetadata?: Metadata;
}

/** What happened on a connection. */
export type ConnectionEvent =
  /** The handshake is complete: messages may flow. */
  | { type: "ready"; peer: PeerInfo }
  /**
   * The server mechanism needs a verdict on the client's credentials;
   * answer with {@linkcode Connection.authenticated}.
   */
  | { type: "authenticate"; credentials: Credentials }
  /** A whole message: its frames, views into the bytes received. */
  | { type: "message"; frames: Uint8Array[] }
  /** The peer subscribed to a prefix (SUBSCRIBE command or a 0x01 message). */
  | { type: "subscribe"; topic: Uint8Array }
  /** The peer cancelled a subscription. */
  | { type: "cancel"; topic: Uint8Array }
  /** The connection failed and must be closed once its output is written. */
  | { type: "error"; error: ProtocolError };

/** Where the connection is in its life. */
export type ConnectionState = "greeting" | "handshake" | "ready" | "failed";

/**
 * libzmq 4.3's PLAIN server writes its ERROR name as the C string
 * "\x05ERROR", which C reads as "\x5E" "RROR": the length byte is lost
 * and the name is "^RROR". Read that as the ERROR it means.
 */
const _LIBZMQ_PLAIN_ERROR = [0x5e, 0x52, 0x52, 0x4f, 0x52];

function _parseHandshakeCommand(body: Uint8Array): Command {
  if (
    body.length >= 6 && _LIBZMQ_PLAIN_ERROR.every((byte, i) => body[i] === byte)
  ) {
    return { name: "ERROR", data: body.subarray(5) };
  }
  return parseCommand(body);
}

const _IDENTITY_SENDERS: ReadonlySet<SocketType> = new Set([
  "REQ",
  "DEALER",
  "ROUTER",
]);

/**
 * A ZMTP 3.1 connection (speaking 3.0 framing to a 3.0 peer).
 *
 * @example A NULL handshake between two connections, without sockets
 * ```ts
 * import { codec } from "@zmtp/zmq";
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
  #socketType: SocketType;
  #mechanism: Mechanism;
  #maxMessageSize: number;
  #decoder: FrameDecoder;
  #output = new OutputBuffer();
  #state: ConnectionState = "greeting";
  #greeting = new Uint8Array(GREETING_SIZE);
  #greetingLength = 0;
  #peerMinor = 1;
  #deadline: number | undefined;
  #heartbeatInterval: number;
  #heartbeatTimeout: number;
  #heartbeatTtl: number;
  #now = 0;
  #lastReceived = 0;
  #nextPing: number | undefined;
  #pingSentAt: number | undefined;
  #peerTtl = 0;
  #frames: Uint8Array[] = [];
  #messageSize = 0;
  #subscriptionsAsMessages: boolean;
  /** Set once ready when the mechanism seals every frame (CURVE). */
  #sealing = false;
  #verdict: Verdict | undefined;

  /**
   * Makes a connection and queues our greeting for output.
   *
   * @param options Our socket's type, identity and limits.
   */
  constructor(options: ConnectionOptions) {
    this.#socketType = options.socketType;
    const properties: [string, string | Uint8Array][] = [[
      "Socket-Type",
      options.socketType,
    ]];
    if (_IDENTITY_SENDERS.has(options.socketType)) {
      properties.push(["Identity", options.routingId ?? new Uint8Array()]);
    }
    const metadata = new Metadata(properties);
    this.#mechanism = options.mechanism?.(metadata) ??
      new NullMechanism(metadata);
    this.#maxMessageSize = options.maxMessageSize ?? -1;
    this.#decoder = new FrameDecoder({
      maxFrameSize: this.#maxMessageSize >= 0
        ? this.#maxMessageSize + (this.#mechanism.overhead ?? 0)
        : undefined,
    });
    this.#now = this.#lastReceived = options.now ?? 0;
    const interval = options.handshakeInterval ?? 30_000;
    if (interval > 0) this.#deadline = this.#now + interval;
    this.#heartbeatInterval = options.heartbeatInterval ?? 0;
    this.#heartbeatTimeout = options.heartbeatTimeout !== undefined &&
        options.heartbeatTimeout >= 0
      ? options.heartbeatTimeout
      : this.#heartbeatInterval;
    this.#heartbeatTtl = options.heartbeatTimeToLive ?? 0;
    this.#subscriptionsAsMessages = options.socketType === "PUB" ||
      options.socketType === "XPUB";
    this.#output.writeRaw(
      encodeGreeting({
        mechanism: this.#mechanism.name,
        asServer: this.#mechanism.asServer,
      }),
    );
  }

  /** Where the connection is in its life. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * When {@linkcode Connection.tick} must next be called (ms, on the clock
   * given as `now`): the handshake deadline, then the heartbeat timers.
   */
  get deadline(): number | undefined {
    if (this.#state === "failed") return undefined;
    if (this.#state !== "ready") return this.#deadline;
    let next = this.#nextPing;
    const earliest = (time: number) => {
      if (next === undefined || time < next) next = time;
    };
    if (
      this.#pingSentAt !== undefined && this.#lastReceived <= this.#pingSentAt
    ) {
      earliest(this.#pingSentAt + this.#heartbeatTimeout);
    }
    if (this.#peerTtl > 0) earliest(this.#lastReceived + this.#peerTtl);
    return next;
  }

  /** Bytes of output waiting for {@linkcode Connection.takeOutput}. */
  get pendingOutputBytes(): number {
    return this.#output.pendingBytes;
  }

  /**
   * The declared size of the frame being received, 0 between frames: a
   * hint for the transport's read buffer size.
   */
  get partialFrameSize(): number {
    return this.#decoder.partialFrameSize;
  }

  /**
   * Where the transport may read the next bytes directly: the rest of a
   * large frame body in progress (see {@linkcode FrameDecoder.directBodyTarget}).
   *
   * @returns A buffer to read into, then pass to `receive` as is; or `undefined`.
   */
  directReadTarget(): Uint8Array | undefined {
    return this.#state === "handshake" || this.#state === "ready"
      ? this.#decoder.directBodyTarget()
      : undefined;
  }

  /**
   * Takes the bytes to write to the peer, in order. Small frames come
   * coalesced in one chunk; large bodies come as their own chunks, uncopied.
   *
   * @returns The chunks; empty when there is nothing to send.
   */
  takeOutput(): Uint8Array[] {
    return this.#output.take();
  }

  /**
   * Feeds bytes received from the peer.
   *
   * @param chunk The bytes, in order. Not to be modified afterwards: message
   * frames are views into it.
   * @param now The current time, for the heartbeats (any traffic is life).
   * @returns What the bytes completed. After an `error` event the connection
   * ignores further input; write out its output (it may hold an ERROR
   * command), then close.
   */
  receive(chunk: Uint8Array, now?: number): ConnectionEvent[] {
    const events: ConnectionEvent[] = [];
    if (this.#state === "failed") return events;
    // Any traffic counts as life for the heartbeats.
    if (now !== undefined) this.#now = this.#lastReceived = now;
    try {
      let rest = chunk;
      if (this.#state === "greeting") {
        rest = this.#receiveGreeting(chunk);
        if (this.#state === "greeting") return events;
      }
      if (rest.length === 0) return events;
      // Frames decoded before a malformed one are still delivered.
      const frames: Frame[] = [];
      let decodeError: unknown;
      try {
        this.#decoder.decode(rest, frames);
      } catch (error) {
        decodeError = error;
      }
      for (const frame of frames) {
        if (this.#state === "ready") {
          this.#onTrafficFrame(frame.flags, frame.body, events);
        } else {
          this.#onHandshakeFrame(frame.flags, frame.body, events);
        }
      }
      if (decodeError) throw decodeError;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#fail(error, events);
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
    this.#now = now;
    const events: ConnectionEvent[] = [];
    if (this.#state === "failed") return events;
    if (this.#state !== "ready") {
      if (this.#deadline !== undefined && now >= this.#deadline) {
        this.#fail(
          new ProtocolError("timeout", "the handshake did not finish in time"),
          events,
        );
      }
      return events;
    }
    const silentSincePing = this.#pingSentAt !== undefined &&
      this.#lastReceived <= this.#pingSentAt;
    if (silentSincePing && now >= this.#pingSentAt! + this.#heartbeatTimeout) {
      this.#fail(
        new ProtocolError(
          "timeout",
          "the peer did not answer our heartbeat in time",
        ),
        events,
      );
      return events;
    }
    if (this.#peerTtl > 0 && now >= this.#lastReceived + this.#peerTtl) {
      this.#fail(
        new ProtocolError(
          "timeout",
          "no traffic from the peer within the TTL it asked for",
        ),
        events,
      );
      return events;
    }
    if (this.#nextPing !== undefined && now >= this.#nextPing) {
      const ttl = Math.min(Math.round(this.#heartbeatTtl / 100), 0xffff);
      this.#emit(encodePing(ttl, new Uint8Array()), FLAG_COMMAND);
      if (!silentSincePing) this.#pingSentAt = now;
      this.#nextPing = now + this.#heartbeatInterval;
    }
    return events;
  }

  /**
   * Queues a message for the peer. Only valid once `ready`.
   *
   * @param frames The message's frames (at least one).
   */
  sendMessage(frames: readonly Uint8Array[]): void {
    this.#assertReady();
    const last = frames.length - 1;
    if (this.#sealing) {
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
   * to a 3.0 peer, as a message starting with 0x01.
   *
   * @param topic The prefix.
   */
  sendSubscribe(topic: Uint8Array): void {
    this.#sendSubscription(1, "SUBSCRIBE", topic);
  }

  /**
   * Queues the cancellation of a subscription (CANCEL, or 0x00 to a 3.0 peer).
   *
   * @param topic The prefix.
   */
  sendCancel(topic: Uint8Array): void {
    this.#sendSubscription(0, "CANCEL", topic);
  }

  /**
   * Queues a command frame (such as PING).
   *
   * @param body The command body from one of the `encode…` functions.
   */
  sendCommand(body: Uint8Array): void {
    this.#assertReady();
    this.#emit(body, FLAG_COMMAND);
  }

  /**
   * Gives a server mechanism the verdict it asked for with an
   * `authenticate` event, and goes on with the handshake.
   *
   * @param verdict What the authenticator said.
   * @returns `ready` if the client was allowed and the handshake is done,
   * `error` if it was refused (write out the output, which holds an ERROR,
   * then close).
   */
  authenticated(verdict: Verdict): ConnectionEvent[] {
    const events: ConnectionEvent[] = [];
    if (this.#state !== "handshake" || !this.#mechanism.authenticated) {
      return events;
    }
    this.#verdict = verdict;
    try {
      this.#applyStep(this.#mechanism.authenticated(verdict), events);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#fail(error, events);
    }
    return events;
  }

  /** Queues a frame, sealed when the mechanism seals (CURVE). */
  #emit(body: Uint8Array, flags: number): void {
    if (!this.#sealing) {
      this.#output.writeFrame(body, flags);
      return;
    }
    const sealed = this.#mechanism.seal!({
      more: (flags & FLAG_MORE) !== 0,
      command: (flags & FLAG_COMMAND) !== 0,
      body,
    });
    // libzmq sends MESSAGE as a plain frame: its flags are inside the box.
    this.#output.writeFrame(sealed, 0);
  }

  #sendSubscription(flag: number, name: string, topic: Uint8Array): void {
    this.#assertReady();
    if (this.#peerMinor >= 1) {
      this.#emit(encodeCommand(name, topic), FLAG_COMMAND);
    } else {
      const body = new Uint8Array(topic.length + 1);
      body[0] = flag;
      body.set(topic, 1);
      this.#emit(body, 0);
    }
  }

  #assertReady(): void {
    if (this.#state !== "ready") {
      throw new Error(`cannot send on a connection in state ${this.#state}`);
    }
  }

  #receiveGreeting(chunk: Uint8Array): Uint8Array {
    const take = Math.min(GREETING_SIZE - this.#greetingLength, chunk.length);
    this.#greeting.set(chunk.subarray(0, take), this.#greetingLength);
    this.#greetingLength += take;
    checkGreetingPrefix(this.#greeting.subarray(0, this.#greetingLength));
    if (this.#greetingLength < GREETING_SIZE) return chunk.subarray(take);
    const greeting = parseGreeting(this.#greeting);
    if (greeting.mechanism !== this.#mechanism.name) {
      throw new ProtocolError(
        "mechanism",
        `the peer uses the ${
          greeting.mechanism || "(empty)"
        } mechanism, we use ${this.#mechanism.name}`,
      );
    }
    this.#peerMinor = greeting.minor;
    this.#state = "handshake";
    for (const body of this.#mechanism.start()) {
      this.#output.writeFrame(body, FLAG_COMMAND);
    }
    return chunk.subarray(take);
  }

  #onHandshakeFrame(
    flags: number,
    body: Uint8Array,
    events: ConnectionEvent[],
  ): void {
    if (!(flags & FLAG_COMMAND)) {
      throw new ProtocolError(
        "protocol",
        "the peer sent a message before finishing its handshake",
      );
    }
    this.#applyStep(
      this.#mechanism.handle(_parseHandshakeCommand(body)),
      events,
    );
  }

  #applyStep(step: MechanismStep, events: ConnectionEvent[]): void {
    for (const command of step.send) {
      this.#output.writeFrame(command, FLAG_COMMAND);
    }
    if (step.error) throw step.error;
    if (step.authenticate) {
      events.push({ type: "authenticate", credentials: step.authenticate });
    }
    if (!step.peerMetadata) return;
    const metadata = step.peerMetadata;
    const socketType = metadata.getString("Socket-Type") ?? "";
    if (!socketTypesMatch(this.#socketType, socketType)) {
      this.#output.writeFrame(encodeError("Invalid socket type"), FLAG_COMMAND);
      throw new ProtocolError(
        "incompatible",
        `a ${this.#socketType} socket cannot talk to a ${
          socketType || "peer with no Socket-Type"
        }`,
      );
    }
    const identity = metadata.get("Identity");
    this.#state = "ready";
    this.#sealing = this.#mechanism.seal !== undefined;
    if (this.#heartbeatInterval > 0) {
      this.#nextPing = this.#now + this.#heartbeatInterval;
    }
    events.push({
      type: "ready",
      peer: {
        socketType,
        routingId: identity?.length ? identity.slice() : undefined,
        minor: this.#peerMinor,
        metadata,
        userId: this.#verdict?.userId,
        authMetadata: this.#verdict?.metadata,
      },
    });
  }

  #onTrafficFrame(
    flags: number,
    body: Uint8Array,
    events: ConnectionEvent[],
  ): void {
    if (this.#sealing) {
      const frame = this.#mechanism.open!(body);
      body = frame.body;
      flags = (frame.more ? FLAG_MORE : 0) | (frame.command ? FLAG_COMMAND : 0);
    }
    if (flags & FLAG_COMMAND) {
      if (this.#frames.length > 0) {
        throw new ProtocolError(
          "protocol",
          "the peer sent a command in the middle of a multipart message",
        );
      }
      this.#onCommand(parseCommand(body), events);
      return;
    }
    this.#messageSize += body.length;
    if (this.#maxMessageSize >= 0 && this.#messageSize > this.#maxMessageSize) {
      throw new ProtocolError(
        "protocol",
        `the peer sent a message over the limit of ${this.#maxMessageSize} bytes`,
      );
    }
    if (flags & FLAG_MORE) {
      this.#frames.push(body);
      return;
    }
    let frames: Uint8Array[];
    if (this.#frames.length === 0) {
      frames = [body];
    } else {
      frames = this.#frames;
      frames.push(body);
      this.#frames = [];
    }
    this.#messageSize = 0;
    if (
      this.#subscriptionsAsMessages && frames.length === 1 &&
      body.length > 0 && body[0] <= 1
    ) {
      events.push({
        type: body[0] === 1 ? "subscribe" : "cancel",
        topic: body.subarray(1),
      });
      return;
    }
    events.push({ type: "message", frames });
  }

  #onCommand(command: Command, events: ConnectionEvent[]): void {
    switch (command.name) {
      case "PING":
        this.#emit(encodePong(command.data), FLAG_COMMAND);
        // The peer's TTL: how long it may stay silent before we give up.
        this.#peerTtl = ((command.data[0] << 8) | command.data[1]) * 100;
        return;
      case "PONG":
        return;
      case "SUBSCRIBE":
      case "CANCEL":
        if (this.#subscriptionsAsMessages) {
          events.push({
            type: command.name === "SUBSCRIBE" ? "subscribe" : "cancel",
            topic: command.data,
          });
        }
        return;
      case "ERROR":
        throw new ProtocolError(
          "peer",
          `the peer closed with ERROR: ${parseError(command.data)}`,
        );
      default:
        throw new ProtocolError(
          "protocol",
          `the peer sent an unknown command: ${command.name}`,
        );
    }
  }

  #fail(error: ProtocolError, events: ConnectionEvent[]): void {
    this.#state = "failed";
    this.#frames = [];
    events.push({ type: "error", error });
  }
}
