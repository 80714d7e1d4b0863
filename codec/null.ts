/**
 * The NULL mechanism (RFC 23/37): no security, and optionally a verdict on
 * the peer (ZAP with a domain, as libzmq).
 *
 * @module
 */

import type { Credentials, Verdict } from "./authentication.ts";
import {
  type Command,
  encodeReady,
  parseError,
  parseReady,
} from "./command.ts";
import { ProtocolError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Mechanism, MechanismStep } from "./mechanism.ts";
import type { Metadata } from "./metadata.ts";
import { refusal, zapStatus } from "./_refusal.ts";

/**
 * READY bodies by the metadata they carry, encoded once: a socket's
 * connections share their metadata, and a server that thousands of peers
 * connect to encoded the same READY for each (a mechanism and its READY
 * took 1.8 µs, now 0.5 µs with the copy each mechanism gets, measured
 * here).
 */
const _readyBodies = new WeakMap<Metadata, Uint8Array>();

/**
 * The NULL mechanism (RFC 23/37): no security, each side sends READY with
 * its properties.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
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
  /**
   * Our READY goes out with our greeting: it is the same whatever the
   * peer's greeting says (with a ZAP verdict to wait for, `start` sends
   * nothing and the verdict sends it).
   */
  readonly startsWithGreeting: boolean = true;
  #metadata: Metadata;
  #authenticate: boolean;
  #peerMetadata: Metadata | undefined;
  /** Whether the verdict was asked for, and whether it allowed the peer or
   * refused it. */
  #asked = false;
  #allowed = false;
  #refused = false;

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

  /**
   * Whether it asks for a verdict on the peer (a ZAP domain is set).
   *
   * @example
   * ```ts
   * import * as codec from "@zmtp/zmq/codec";
   *
   * const mechanism = new codec.NullMechanism(new codec.Metadata(), { authenticate: true });
   * console.log(mechanism.authenticates); // true
   * ```
   */
  get authenticates(): boolean {
    return this.#authenticate;
  }

  /** Our READY, unless it waits for a verdict. */
  start(): Uint8Array[] {
    return this.#authenticate ? [] : [this.#ready()];
  }

  /**
   * The verdict's question, once the peer's greeting is in: it carries
   * nothing of the peer's READY (libzmq's does not either), so the verdict
   * and the READY may come in either order.
   */
  authenticateNow(): Credentials | undefined {
    if (!this.#authenticate || this.#asked) return undefined;
    this.#asked = true;
    return { mechanism: "NULL", credentials: [] };
  }

  #ready(): Uint8Array {
    let body = _readyBodies.get(this.#metadata);
    if (!body) {
      body = encodeReady(this.#metadata);
      _readyBodies.set(this.#metadata, body);
    }
    return body.slice();
  }

  /** Accepts the peer's READY; an ERROR or anything else ends the handshake. */
  handle(command: Command): MechanismStep {
    if (command.name === "READY" && !this.#peerMetadata) {
      const peerMetadata = parseReady(command.data);
      if (!this.#authenticate || this.#allowed) {
        return { send: [], peerMetadata };
      }
      this.#peerMetadata = peerMetadata;
      // Over ZWS nobody asked at the greeting: the READY asks.
      const authenticate = this.authenticateNow();
      if (authenticate) return { send: [], peerMetadata, authenticate };
      // Refused (a 300 waits for the deadline): nothing more is looked at.
      return this.#refused ? { send: [] } : { send: [], peerMetadata };
    }
    if (command.name === "ERROR") {
      const reason = parseError(command.data);
      // A ZAP status (300, 400, 500) is an authentication failure, as
      // libzmq's mechanism_base_t::handle_error_reason reports it.
      const status = zapStatus(reason);
      throw new ProtocolError(
        status === undefined ? "peer" : "auth",
        `the peer refused the handshake: ${reason}`,
        status,
      );
    }
    throw new ProtocolError(
      "protocol",
      `unexpected ${command.name} command during the NULL handshake`,
    );
  }

  /** Our READY for an allowed peer; ERROR with the status code otherwise. */
  authenticated(verdict: Verdict): MechanismStep {
    if (!this.#asked || this.#allowed || this.#refused) {
      throw new ProtocolError("protocol", "no NULL verdict was asked for");
    }
    if (verdict.statusCode !== 200) {
      this.#refused = true;
      return refusal(verdict, "peer");
    }
    this.#allowed = true;
    // Ready now if the peer's READY came first; else when it comes.
    return { send: [this.#ready()], peerMetadata: this.#peerMetadata };
  }
}
