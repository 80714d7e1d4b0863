/**
 * The first part of a connection's life: the greetings, then the security
 * mechanism's commands, up to the peer's properties.
 *
 * @module
 */

import type { Credentials, Verdict } from "./authentication.ts";
import type { ConnectionEvent } from "./connection_event.ts";
import { ProtocolError } from "./errors.ts";
import { FLAG_COMMAND, FLAG_MORE } from "./frame.ts";
import {
  checkGreetingPrefix,
  GREETING_SIZE,
  GREETING_VERSION_SIZE,
  parseGreeting,
} from "./greeting.ts";
import type { Mechanism, MechanismStep } from "./mechanism.ts";
import { isErrorCommand, parseHandshakeCommand } from "./_refusal.ts";
import type { Metadata } from "./metadata.ts";
import { metadataViews } from "./_metadata_views.ts";
import { checkSocketTypes, readyWithRoutingId } from "./_peer_checks.ts";
import { NullMechanism } from "./null.ts";
import type { FrameOutput } from "./_output_buffer.ts";
import { ourGreeting, ourMetadata } from "./_shared_handshake.ts";
import type { SocketType } from "./socket_type.ts";

/**
 * How long at most (a quarter of a shorter handshake's time) a connect
 * holds back its signature, its greeting's rest, or NULL's READY to a peer
 * not of libzmq's kind: a server that waits for ours has it then.
 */
const READY_HOLD_MS = 20;

/** What the handshake needs of a connection's options. */
export interface HandshakeOptions {
  /** Our socket type, sent as Socket-Type and checked against the peer's. */
  socketType: SocketType;
  /** Our routing id, sent as Identity (REQ, DEALER, ROUTER only, as libzmq). */
  routingId?: Uint8Array | undefined;
  /** Properties of our own sent after those (libzmq's ZMQ_METADATA). */
  properties?: readonly (readonly [string, string | Uint8Array])[] | undefined;
  /** Makes the security mechanism, given our READY properties; NULL if unset. */
  mechanism?: ((metadata: Metadata) => Mechanism) | undefined;
  /** ZMTP's own framing (default), or ZWS 2.0's (WebSocket, no greeting). */
  framing?: "zmtp" | "zws" | undefined;
  /** ZWS 2.0 without a mechanism: the routing id each way, nothing else. */
  noMechanism?: boolean | undefined;
  /** Our greeting in libzmq's steps (ConnectionOptions.greetingInSteps). */
  greetingInSteps?: boolean | undefined;
  /** How long the handshake may take, in ms (0: no limit): bounds the holds. */
  handshakeInterval?: number | undefined;
  /** The time at the start, in ms, on the clock of the `now`s that follow. */
  now?: number | undefined;
}

/**
 * A connection's handshake: it queues our greeting and the mechanism's
 * commands on the connection's output, and says when the peer is ready.
 */
export class Handshake {
  /** The security mechanism, which goes on sealing frames once ready. */
  readonly mechanism: Mechanism;
  #socketType: SocketType;
  #output: FrameOutput;
  #greeting = new Uint8Array(GREETING_SIZE);
  #greetingLength = 0;
  #peerMinor = 1;
  #verdict: Verdict | undefined;
  #routingIdOnly: boolean;
  #routingId: Uint8Array | undefined;
  #started = false;
  /** Our greeting, and how much of it has gone (in steps, or all at once). */
  #ours: Uint8Array;
  #sent: number;
  /** Whether our greeting goes in libzmq's steps (a connect's). */
  #stepped = false;
  /** How long our signature, greeting's rest, or NULL's READY to a peer
   * not of libzmq's kind is held: READY_HOLD_MS, or a quarter of a shorter
   * handshake's time. */
  #hold = READY_HOLD_MS;
  /** How long NULL's READY is held from a libzmq server: the handshake's
   * time (30 s with no limit), as its READY waits for its ZAP verdict. */
  #readyHold = 30_000;
  /** Set when the peer's greeting came in pieces, as a libzmq peer's does. */
  #inPieces = false;
  /**
   * Set when the peer's signature came alone: it waits for ours before its
   * version, as libzmq (and its ports) do; a peer that sends its signature
   * and version at once (Kzmq) may wait for our READY before its own.
   */
  #signatureAlone = false;
  /** Until when our signature, greeting's rest or first command is held (see #sendStep, afterGreeting). */
  #heldUntil: number | undefined;
  /** When the handshake's time is up; both relative to the clock's start until it has started. */
  #deadline: number | undefined;
  /** Whether a time was given: `options.now`, or the first given since. */
  #clockStarted: boolean;
  /** Set while a verdict asked for has not come, and for good once one
   * refused (300): the peer is not made ready then, whatever comes. */
  #withheld = false;
  /** Over ZWS: a verdict the mechanism can ask for is asked at the first output. */
  #asksAtOutput: boolean;
  /** That verdict, asked for, not told yet. */
  #asking: Credentials | undefined;
  /** Set while an `authenticate` event told has had no verdict. */
  #verdictDue = false;

  constructor(options: HandshakeOptions, output: FrameOutput) {
    this.#clockStarted = options.now !== undefined;
    const interval = options.handshakeInterval ?? 30_000;
    if (interval > 0) this.#deadline = (options.now ?? 0) + interval;
    this.#routingIdOnly = options.noMechanism === true;
    this.#routingId = options.routingId;
    this.#socketType = options.socketType;
    this.#output = output;
    // libzmq speaks to a ZWS peer as to ZMTP 3.0: subscriptions as messages.
    if (options.framing === "zws") this.#peerMinor = 0;
    this.#asksAtOutput = options.framing === "zws" && !this.#routingIdOnly;
    const metadata = ourMetadata(
      options.socketType,
      options.routingId,
      options.properties,
    );
    this.mechanism = options.mechanism?.(metadata) ??
      new NullMechanism(metadata);
    this.#ours = ourGreeting(this.mechanism.name, this.mechanism.asServer);
    if (options.greetingInSteps && options.framing !== "zws") {
      this.#stepped = true;
      if (interval > 0) this.#hold = Math.min(READY_HOLD_MS, interval / 4);
      if (interval > 0) this.#readyHold = interval;
      this.#sent = 0;
      this.#heldUntil = (options.now ?? 0) + this.#hold;
      return;
    }
    this.#sent = GREETING_SIZE;
    output.writeRaw(this.#ours);
    // In the same write as the greeting: a round of writes less for each
    // connection, and the peer has our READY (or CURVE's HELLO) as soon as
    // our greeting, a round trip sooner.
    if (this.mechanism.startsWithGreeting) this.#startWithGreeting();
  }

  /**
   * Takes the time given. The first, without `options.now`, starts the
   * clock: the handshake's time runs from there, whatever the clock's
   * origin (from 0, a connection made after 30 s of uptime timed out).
   */
  time(now: number): void {
    if (this.#clockStarted) return;
    this.#clockStarted = true;
    if (this.#deadline !== undefined) this.#deadline += now;
    if (this.#heldUntil !== undefined) this.#heldUntil += now;
  }

  /**
   * When `tick` is due: once what is held may go, or the time is up;
   * nothing is due on a clock that has not started.
   */
  get deadline(): number | undefined {
    if (!this.#clockStarted) return undefined;
    const held = this.#heldUntil ?? Infinity;
    return held < (this.#deadline ?? Infinity) ? held : this.#deadline;
  }

  /**
   * Sends what of our greeting is due, in libzmq's steps: the signature
   * once the peer's signature is in (or after {@linkcode READY_HOLD_MS}),
   * so that a libzmq server's, which sends its version only once it has
   * ours, comes alone; the major version once the peer's signature is in;
   * and the rest once the peer's whole greeting is (libzmq sends its rest
   * once it has our version): a libzmq server that read our version and
   * rest at once would hang up on a mechanism it refuses before its own
   * rest leaves. {@linkcode READY_HOLD_MS} after the peer's version, our
   * rest goes all the same, for a peer that waits for it.
   */
  #sendStep(now: number): void {
    const received = this.#greetingLength;
    if (received >= GREETING_SIZE) return this.#send(GREETING_SIZE);
    if (received < GREETING_VERSION_SIZE - 1) return;
    if (this.#sent === 0) this.#heldUntil = undefined;
    this.#send(GREETING_VERSION_SIZE);
    if (received >= GREETING_VERSION_SIZE) {
      this.#heldUntil ??= now + this.#hold;
    }
  }

  /** Sends our greeting up to `due` bytes. */
  #send(due: number): void {
    if (due <= this.#sent) return;
    this.#output.writeRaw(this.#ours.subarray(this.#sent, due));
    this.#sent = due;
  }

  /**
   * A mechanism that cannot start (a CURVE server key that is no usable
   * point) fails as before: over ZMTP once the peer's greeting is whole, as
   * an error of the connection (over ZWS the connection's constructor
   * starts it, and throws, as it did).
   */
  #startWithGreeting(): void {
    try {
      this.start();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#started = false;
    }
  }

  /** The ZMTP minor version the peer speaks, from its greeting. */
  get peerMinor(): number {
    return this.#peerMinor;
  }

  /**
   * Takes bytes of the peer's greeting.
   *
   * @returns What follows the greeting once it is whole (the mechanism's
   * first commands are then queued); `undefined` while it is not.
   */
  receiveGreeting(chunk: Uint8Array, now = 0): Uint8Array | undefined {
    this.#inPieces = this.#greetingLength > 0;
    const take = Math.min(GREETING_SIZE - this.#greetingLength, chunk.length);
    const received = this.#greeting;
    // 64 bytes at most: copied in a loop, not through a view per connection.
    for (let i = 0, at = this.#greetingLength; i < take; i++) {
      received[at + i] = chunk[i];
    }
    this.#greetingLength += take;
    // Its version did not come with it: a libzmq server sends its version
    // only once it has our signature, which waits for its own (or, on a
    // link slower than that wait, reaches it after its signature left).
    if (this.#greetingLength === GREETING_VERSION_SIZE - 1) {
      this.#signatureAlone = true;
    }
    checkGreetingPrefix(
      this.#greetingLength === GREETING_SIZE
        ? received
        : received.subarray(0, this.#greetingLength),
    );
    if (this.#sent < GREETING_SIZE) this.#sendStep(now);
    if (this.#greetingLength < GREETING_SIZE) return undefined;
    const greeting = parseGreeting(received);
    if (greeting.mechanism !== this.mechanism.name) {
      // A name with bytes after its padding shows them escaped.
      const theirs = /[^\x20-\x7e]/.test(greeting.mechanism)
        ? JSON.stringify(greeting.mechanism)
        : greeting.mechanism || "(empty)";
      throw new ProtocolError(
        "mechanism",
        `the peer uses the ${theirs} mechanism, we use ${this.mechanism.name}`,
      );
    }
    this.#peerMinor = greeting.minor;
    return chunk.subarray(take);
  }

  /**
   * The mechanism's first commands, once the peer's greeting is whole. A
   * connect's NULL READY waits for the peer's first frame when the peer's
   * greeting came in pieces, as a libzmq server's does: it sends its READY
   * once it has read our greeting (and had its ZAP verdict, if it asks for
   * one), and one that read our rest and READY at once would hang up on a
   * socket type it refuses before its own READY leaves. From a peer whose
   * signature came alone (libzmq's kind) it waits all the handshake's time
   * (30 s with no limit): one whose verdict was 300 (try later) says
   * nothing, and takes a READY that comes after the verdict for a protocol
   * error (so a client would be hung up on and dial again at once), where
   * one that came before waits with it for the handshake's end; libzmq's
   * client, whose READY goes at once, waits so. From other peers in pieces
   * (Kzmq's server waits for our READY) it goes after
   * {@linkcode READY_HOLD_MS}. A greeting that comes whole (ours, most
   * others) is answered at once. A verdict the mechanism can ask for
   * already is asked for here (an `authenticate` event).
   */
  afterGreeting(now: number, events: ConnectionEvent[]): void {
    this.#heldUntil = undefined;
    const authenticate = this.mechanism.authenticateNow?.();
    if (authenticate) {
      this.#withheld = true;
      this.#ask(authenticate, events);
    }
    if (!this.#stepped || !this.#inPieces || this.mechanism.name !== "NULL") {
      return this.start();
    }
    this.#heldUntil = now +
      (this.#signatureAlone ? this.#readyHold : this.#hold);
  }

  /**
   * Output was taken. Over ZWS, which has no greeting, the first take asks
   * for the verdict the mechanism can ask for already, as libzmq's NULL
   * asks before any READY once its engine first wants output (held until
   * the verdict, ours waits for it: two such peers would each wait for the
   * other's READY). Told at the next tick, due at once, or frame: a take
   * has no events to give. Over ZMTP, the greeting asks.
   */
  outputTaken(now: number): void {
    if (!this.#asksAtOutput) return;
    this.#asksAtOutput = false;
    this.#asking = this.mechanism.authenticateNow?.();
    if (!this.#asking) return;
    this.#withheld = true;
    this.#heldUntil = now;
  }

  /** Tells the verdict asked for at the first output, if not yet told. */
  #tellAsking(events: ConnectionEvent[]): void {
    if (!this.#asking) return;
    this.#ask(this.#asking, events);
    this.#asking = undefined;
    this.#heldUntil = undefined;
  }

  /**
   * Sends what was held, once its time has come, unless the handshake's
   * time is up: nothing more goes then, no verdict is asked for.
   *
   * @returns The error that ends the connection when its time is up.
   */
  tick(now: number, events: ConnectionEvent[]): ProtocolError | undefined {
    if (now >= (this.#deadline ?? Infinity)) {
      return new ProtocolError(
        "timeout",
        "the handshake did not finish in time",
      );
    }
    this.#tellAsking(events);
    if (this.#heldUntil === undefined || now < this.#heldUntil) return;
    if (this.#sent === GREETING_SIZE) return void this.start();
    this.#heldUntil = undefined;
    // Our signature, to a peer that waits for it; or our rest.
    this.#send(this.#sent === 0 ? GREETING_VERSION_SIZE - 1 : GREETING_SIZE);
    return undefined;
  }

  /**
   * Queues the mechanism's first commands, once the greeting is whole (or
   * with our greeting, for a mechanism that starts with it); only once.
   */
  start(): void {
    this.#heldUntil = undefined;
    if (this.#started) return;
    this.#started = true;
    if (this.#routingIdOnly) {
      this.#output.writeFrame(this.#routingId ?? new Uint8Array(), 0);
      return;
    }
    for (const body of this.mechanism.start()) {
      this.#output.writeFrame(body, FLAG_COMMAND);
    }
  }

  /**
   * Takes a frame of the handshake.
   *
   * @returns Whether the handshake is done (a `ready` event was pushed).
   */
  receiveFrame(
    flags: number,
    body: Uint8Array,
    events: ConnectionEvent[],
  ): boolean {
    // A frame before any output: the READY asks, if it must (see NULL's).
    this.#asksAtOutput = false;
    this.#tellAsking(events);
    // What was held goes before the peer's first frame is taken, unless
    // that is an ERROR: the peer ends it, and a READY would be for nothing.
    if (this.#heldUntil !== undefined) {
      if (isErrorCommand(flags, body)) this.#heldUntil = undefined;
      else this.start();
    }
    if (this.#routingIdOnly && !(flags & (FLAG_COMMAND | FLAG_MORE))) {
      events.push(readyWithRoutingId(body, this.#peerMinor));
      return true;
    }
    if (!(flags & FLAG_COMMAND) || this.#routingIdOnly) {
      throw new ProtocolError(
        "protocol",
        this.#routingIdOnly
          ? "the peer's first ZWS2.0 message was not a routing id"
          : "the peer sent a message before finishing its handshake",
      );
    }
    return this.#applyStep(
      this.mechanism.handle(parseHandshakeCommand(body)),
      events,
    );
  }

  /** Asks the caller for a verdict: the one `authenticated` then takes. */
  #ask(credentials: Credentials, events: ConnectionEvent[]): void {
    this.#verdictDue = true;
    events.push({ type: "authenticate", credentials });
  }

  /**
   * Goes on with the verdict a server mechanism asked for; one not asked
   * for, or given already, is the caller's and ignored.
   *
   * @returns Whether the handshake is done (a `ready` event was pushed).
   */
  authenticated(verdict: Verdict, events: ConnectionEvent[]): boolean {
    if (!this.#verdictDue) return false;
    this.#verdictDue = false;
    this.#verdict = verdict;
    this.#withheld = false;
    return this.#applyStep(this.mechanism.authenticated!(verdict), events);
  }

  #applyStep(step: MechanismStep, events: ConnectionEvent[]): boolean {
    // Checked before a READY or a verdict answers a peer we refuse.
    const metadata = step.peerMetadata;
    // A peer that names none is taken, as libzmq's (RFC 37: it SHOULD).
    const socketType = metadata?.getString("Socket-Type");
    if (socketType !== undefined) {
      checkSocketTypes(this.#socketType, metadata!, this.#output);
    }
    for (const command of step.send) {
      this.#output.writeFrame(command, FLAG_COMMAND);
    }
    if (step.error) throw step.error;
    if (step.refused) {
      this.#withheld = true;
      events.push({ type: "refused", error: step.refused });
    }
    if (step.authenticate) {
      this.#withheld = true;
      this.#ask(step.authenticate, events);
    }
    if (!metadata || this.#withheld) return false;
    // The last, as libzmq; copied, as the peer's bytes may be shared.
    const identity = metadataViews(metadata, "Identity").pop();
    events.push({
      type: "ready",
      peer: {
        socketType: socketType ?? "",
        routingId: identity?.length ? identity.slice() : undefined,
        minor: this.#peerMinor,
        metadata,
        userId: this.#verdict?.userId,
        authMetadata: this.#verdict?.metadata,
        // Set by the socket: here, so that it lives in the object itself.
        address: undefined,
      },
    });
    return true;
  }
}
