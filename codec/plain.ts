/**
 * The PLAIN mechanism (RFC 24): a username and password in clear text,
 * judged by the server's authenticator. For trusted networks only; it
 * encrypts nothing.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import { type Command, encodeCommand, parseReady } from "./command.ts";
import { libzmqPlainError, refusal, unexpectedCommand } from "./_refusal.ts";
import { ProtocolError, ZmqError } from "./errors.ts";
import type { MechanismName } from "./greeting.ts";
import type { Mechanism, MechanismStep } from "./mechanism.ts";
import { encodeMetadata, type Metadata } from "./metadata.ts";

const _encoder = new TextEncoder();
const _EMPTY = new Uint8Array();

/**
 * The client side of PLAIN: HELLO with the credentials, then INITIATE with
 * our properties once the server says WELCOME.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const client = new codec.PlainClientMechanism(
 *   new codec.Metadata([["Socket-Type", "REQ"]]),
 *   "admin",
 *   "secret",
 * );
 * console.log(codec.parseCommand(client.start()[0]).name); // "HELLO"
 * ```
 */
export class PlainClientMechanism implements Mechanism {
  /** Always `PLAIN`. */
  readonly name: MechanismName = "PLAIN";
  /** The client role. */
  readonly asServer: boolean = false;
  #metadata: Metadata;
  #username: Uint8Array;
  #password: Uint8Array;
  #state: "welcome" | "ready" | "done" = "welcome";

  /**
   * Makes the client side.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   * @param username At most 255 bytes as UTF-8.
   * @param password At most 255 bytes as UTF-8.
   * @throws {ZmqError} `EINVAL` for a username or password over 255 bytes.
   */
  constructor(metadata: Metadata, username: string, password: string) {
    this.#metadata = metadata;
    this.#username = _encoder.encode(username);
    this.#password = _encoder.encode(password);
    if (this.#username.length > 255 || this.#password.length > 255) {
      throw new ZmqError(
        "EINVAL",
        "PLAIN usernames and passwords are at most 255 bytes as UTF-8: shorten them",
      );
    }
  }

  /** HELLO with the username and password. */
  start(): Uint8Array[] {
    const data = new Uint8Array(
      2 + this.#username.length + this.#password.length,
    );
    data[0] = this.#username.length;
    data.set(this.#username, 1);
    data[1 + this.#username.length] = this.#password.length;
    data.set(this.#password, 2 + this.#username.length);
    return [encodeCommand("HELLO", data)];
  }

  /** WELCOME, then READY; an ERROR means the server refused us. */
  handle(command: Command): MechanismStep {
    if (this.#state === "welcome") {
      if (command.name !== "WELCOME") {
        throw unexpectedCommand(command, "PLAIN", "WELCOME");
      }
      // As libzmq's: a WELCOME is its name alone.
      if (command.data.length > 0) {
        throw new ProtocolError("protocol", "malformed PLAIN WELCOME");
      }
      this.#state = "ready";
      return {
        send: [encodeCommand("INITIATE", encodeMetadata(this.#metadata))],
      };
    }
    if (this.#state === "ready" && command.name === "READY") {
      this.#state = "done";
      return { send: [], peerMetadata: parseReady(command.data) };
    }
    throw unexpectedCommand(command, "PLAIN", "READY");
  }
}

/**
 * The server side of PLAIN: asks for a verdict on the client's HELLO, then
 * answers its INITIATE with READY.
 *
 * @example
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const server = new codec.PlainServerMechanism(new codec.Metadata([["Socket-Type", "REP"]]));
 * console.log(server.start().length); // 0: the client speaks first
 * ```
 */
export class PlainServerMechanism implements Mechanism {
  /** Always `PLAIN`. */
  readonly name: MechanismName = "PLAIN";
  /** The server role. */
  readonly asServer: boolean = true;
  #metadata: Metadata;
  #state: "hello" | "verdict" | "initiate" | "done" = "hello";

  /**
   * Makes the server side.
   *
   * @param metadata Our properties (Socket-Type, Identity).
   */
  constructor(metadata: Metadata) {
    this.#metadata = metadata;
  }

  /** Nothing: the client speaks first. */
  start(): Uint8Array[] {
    return [];
  }

  /**
   * HELLO (asks for a verdict), then INITIATE (answered with READY). The
   * password's bytes in the HELLO are zeroed once copied into the
   * credentials.
   */
  handle(command: Command): MechanismStep {
    if (this.#state === "hello" && command.name === "HELLO") {
      const data = command.data;
      const userLength = data[0];
      const passwordAt = 1 + userLength;
      if (
        data.length < 2 || passwordAt >= data.length ||
        data.length !== passwordAt + 1 + data[passwordAt]
      ) {
        throw new ProtocolError("protocol", "malformed PLAIN HELLO");
      }
      this.#state = "verdict";
      const credentials = [
        data.slice(1, passwordAt),
        data.slice(passwordAt + 1),
      ];
      // The password copied out is the verdict's; what came stays in a
      // read buffer, which a connection may hold while it lives.
      data.fill(0, passwordAt + 1);
      return {
        send: [],
        authenticate: { mechanism: "PLAIN", credentials },
      };
    }
    if (this.#state === "initiate" && command.name === "INITIATE") {
      this.#state = "done";
      return {
        send: [encodeCommand("READY", encodeMetadata(this.#metadata))],
        peerMetadata: parseReady(command.data),
      };
    }
    throw new ProtocolError(
      "protocol",
      `unexpected ${command.name} in the PLAIN handshake`,
    );
  }

  /** WELCOME for an allowed client; ERROR with the status code otherwise. */
  authenticated(verdict: Verdict): MechanismStep {
    if (this.#state !== "verdict") {
      throw new ProtocolError("protocol", "no PLAIN verdict was asked for");
    }
    if (verdict.statusCode === 200) {
      this.#state = "initiate";
      return { send: [encodeCommand("WELCOME", _EMPTY)] };
    }
    this.#state = "done";
    return refusal(verdict, "client", libzmqPlainError);
  }
}
