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
import { ProtocolError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Metadata } from "./metadata.ts";

/** What a mechanism does with one handshake command. */
export interface MechanismStep {
  /** Command bodies to send to the peer, in order. */
  send: Uint8Array[];
  /** Set when the handshake is complete: the peer's properties. */
  peerMetadata?: Metadata;
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

  /**
   * Makes the mechanism.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   */
  constructor(metadata: Metadata) {
    this.#metadata = metadata;
  }

  /** Our READY. */
  start(): Uint8Array[] {
    return [encodeReady(this.#metadata)];
  }

  /** Accepts the peer's READY; an ERROR or anything else ends the handshake. */
  handle(command: Command): MechanismStep {
    if (command.name === "READY") {
      return { send: [], peerMetadata: parseReady(command.data) };
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
}
