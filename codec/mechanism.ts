/**
 * The interface every security mechanism implements (NULL, PLAIN, CURVE),
 * and the types it speaks in. Types only: the mechanisms live in their
 * own files.
 *
 * @module
 */

import type { Command } from "./command.ts";
import type { Credentials, Verdict } from "./authentication.ts";
import type { ProtocolError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Metadata } from "./metadata.ts";

/** What a mechanism does with one handshake command. */
export interface MechanismStep {
  /** Command bodies to send to the peer, in order. */
  send: Uint8Array[];
  /**
   * The peer's properties, once they are known: the handshake is complete
   * once they have come and no verdict asked for is pending. They may come
   * before the verdict, so that the peer's socket type is checked first (a
   * peer of the wrong type is refused without asking, where libzmq asks
   * and then refuses).
   */
  peerMetadata?: Metadata | undefined;
  /**
   * Set when the mechanism needs a verdict on the client before going on;
   * give it to {@linkcode Mechanism.authenticated}.
   */
  authenticate?: Credentials | undefined;
  /** Set when the handshake failed after `send` (an ERROR) is written. */
  error?: ProtocolError | undefined;
  /**
   * Set when a verdict refused the peer for now (300) and the handshake
   * waits on, silent, for its deadline: reported, not ended.
   */
  refused?: ProtocolError | undefined;
}

/** A frame as it travels inside an encrypting mechanism's envelope. */
export interface SealedFrame {
  /** Whether more frames of the message follow. */
  more: boolean;
  /** Whether the frame is a command (PING, SUBSCRIBE…). */
  command: boolean;
  /** The frame body. */
  body: Uint8Array;
}

/**
 * A ZMTP security mechanism as a sans-I/O state machine: it emits the
 * commands of its handshake and consumes the peer's.
 */
export interface Mechanism {
  /** The name announced in the greeting. */
  readonly name: MechanismName;
  /** Whether we take the server role (announced in the greeting). */
  readonly asServer: boolean;
  /**
   * The commands to send once the peer's greeting is accepted (or with our
   * greeting, given {@linkcode Mechanism.startsWithGreeting}).
   */
  start(): Uint8Array[];
  /**
   * Whether {@linkcode Mechanism.start}'s commands may go out with our
   * greeting, before the peer's has come: nothing in the peer's greeting
   * would change them or make us keep them back (NULL's READY, a CURVE
   * client's HELLO). The connection then makes one write where it made
   * two, and the handshake ends a round trip sooner.
   */
  readonly startsWithGreeting?: boolean | undefined;
  /**
   * Handles one handshake command from the peer.
   *
   * @throws {ProtocolError} When the handshake fails.
   */
  handle(command: Command): MechanismStep;
  /**
   * Asks for the verdict on the peer as soon as its greeting is accepted,
   * before any command of the peer's, for a mechanism whose question needs
   * nothing the peer sends (NULL with ZAP: libzmq asks at once, and a peer
   * that holds its READY until it has ours is not kept waiting). Called
   * once; `undefined` when there is nothing to ask yet. What it returns is
   * what a later step's `authenticate` would have asked.
   */
  authenticateNow?: (() => Credentials | undefined) | undefined;
  /**
   * Continues a server's handshake with the verdict on the client's
   * credentials. Only for mechanisms that ask (`authenticate`).
   */
  authenticated?: ((verdict: Verdict) => MechanismStep) | undefined;
  /** Bytes a sealed frame adds to its body (CURVE: 33). */
  readonly overhead?: number | undefined;
  /**
   * Seals a frame for the wire once the handshake is done (CURVE's
   * MESSAGE). Mechanisms without `seal` send frames as they are.
   */
  seal?: ((frame: SealedFrame) => Uint8Array) | undefined;
  /**
   * Seals a frame into `target`, exactly `overhead` bytes longer than the
   * body: where the connection's output lets it, the box is written
   * straight into the write batch instead of memory of its own.
   */
  sealInto?: ((frame: SealedFrame, target: Uint8Array) => void) | undefined;
  /**
   * Opens a frame the peer sealed, in place if it likes: `body` is the
   * frame's own, and the frame returned may be a view into it.
   *
   * @throws {ProtocolError} For a malformed, replayed or forged frame.
   */
  open?: ((body: Uint8Array) => SealedFrame) | undefined;
}
