/**
 * The interface every security mechanism implements, and NULL.
 *
 * @module
 */

import {
  type Command,
  encodeReady,
  parseError,
  parseReady,
} from "./command.ts";
import type { Credentials, Verdict } from "./authentication.ts";
import { ProtocolError } from "./errors.ts";
import { refusal } from "./_refusal.ts";
import type { MechanismName } from "./greeting.ts";
import type { Metadata } from "./metadata.ts";

/** What a mechanism does with one handshake command. */
export interface MechanismStep {
  /** Command bodies to send to the peer, in order. */
  send: Uint8Array[];
  /** Set when the handshake is complete: the peer's properties. */
  peerMetadata?: Metadata;
  /**
   * Set when the mechanism needs a verdict on the client before going on;
   * give it to {@linkcode Mechanism.authenticated}.
   */
  authenticate?: Credentials;
  /** Set when the handshake failed after `send` (an ERROR) is written. */
  error?: ProtocolError;
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
  /** The commands to send once the peer's greeting is accepted. */
  start(): Uint8Array[];
  /**
   * Handles one handshake command from the peer.
   *
   * @throws {ProtocolError} When the handshake fails.
   */
  handle(command: Command): MechanismStep;
  /**
   * Continues a server's handshake with the verdict on the client's
   * credentials. Only for mechanisms that ask (`authenticate`).
   */
  authenticated?(verdict: Verdict): MechanismStep;
  /** Bytes a sealed frame adds to its body (CURVE: 33). */
  readonly overhead?: number;
  /**
   * Seals a frame for the wire once the handshake is done (CURVE's
   * MESSAGE). Mechanisms without `seal` send frames as they are.
   */
  seal?(frame: SealedFrame): Uint8Array;
  /**
   * Opens a frame the peer sealed.
   *
   * @throws {ProtocolError} For a malformed, replayed or forged frame.
   */
  open?(body: Uint8Array): SealedFrame;
}

/**
 * The NULL mechanism (RFC 23/37): no security, each side sends READY with
 * its properties.
 *
 * @example
 * ```ts
 * import { codec } from "@zmtp/zmq";
 *
 * const mechanism = new codec.NullMechanism(new codec.Metadata([["Socket-Type", "REQ"]]));
 * const [ready] = mechanism.start();
 * console.log(codec.parseCommand(ready).name); // "READY"
 * ```
 */
export class NullMechanism implements Mechanism {
  /** Always `NULL`. */
  readonly name: MechanismName = "NULL";
  /** NULL has no roles. */
  readonly asServer: boolean = false;
  #metadata: Metadata;
  #authenticate: boolean;
  #peerMetadata: Metadata | undefined;

  /**
   * Makes the mechanism.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   * @param options `authenticate`: ask for a verdict on the peer (ZAP with
   * a domain, as libzmq) before sending our READY.
   */
  constructor(metadata: Metadata, options: { authenticate?: boolean } = {}) {
    this.#metadata = metadata;
    this.#authenticate = options.authenticate ?? false;
  }

  /** Our READY, unless it waits for a verdict. */
  start(): Uint8Array[] {
    return this.#authenticate ? [] : [encodeReady(this.#metadata)];
  }

  /** Accepts the peer's READY; an ERROR or anything else ends the handshake. */
  handle(command: Command): MechanismStep {
    if (command.name === "READY" && !this.#peerMetadata) {
      const peerMetadata = parseReady(command.data);
      if (!this.#authenticate) return { send: [], peerMetadata };
      this.#peerMetadata = peerMetadata;
      return { send: [], authenticate: { mechanism: "NULL", credentials: [] } };
    }
    if (command.name === "ERROR") {
      throw new ProtocolError(
        "peer",
        `the peer refused the handshake: ${parseError(command.data)}`,
      );
    }
    throw new ProtocolError(
      "protocol",
      `unexpected ${command.name} command during the NULL handshake`,
    );
  }

  /** Our READY for an allowed peer; ERROR with the status code otherwise. */
  authenticated(verdict: Verdict): MechanismStep {
    if (!this.#peerMetadata) {
      throw new ProtocolError("protocol", "no NULL verdict was asked for");
    }
    if (verdict.statusCode === 200) {
      return {
        send: [encodeReady(this.#metadata)],
        peerMetadata: this.#peerMetadata,
      };
    }
    return refusal(verdict, "peer");
  }
}
