/**
 * ZWS 2.0 over a byte stream: the WebSocket upgrade, then WebSocket frames
 * carrying a ZMTP connection with ZWS framing, as libzmq's ws transport
 * speaks it. Sans-I/O, like {@linkcode Connection}, and driven the same
 * way.
 *
 * @module
 */

import type { Verdict } from "./authentication.ts";
import { Connection, type ConnectionState } from "./connection.ts";
import type { ConnectionEvent } from "./connection_event.ts";
import type { ConnectionOptions } from "./connection_options.ts";
import { ProtocolError } from "./errors.ts";
import { Heartbeat } from "./heartbeat.ts";
import { joinChunks, takesZwsWithoutMechanism } from "./_zws.ts";
import { answerClose } from "./_websocket_close.ts";
import { readUpgradeRequest } from "./_websocket_upgrade.ts";
import { COMMAND_ALLOWANCE } from "./_limits.ts";
import {
  encodeHttpRefusal,
  encodeUpgradeRequest,
  encodeUpgradeResponse,
  type HttpHead,
  HttpHeadReader,
  websocketAccept,
  websocketKey,
} from "./websocket_handshake.ts";
import {
  encodeWebSocketFrame,
  OPCODE,
  randomMask,
  WebSocketDecoder,
  type WebSocketMessage,
} from "./websocket_frame.ts";

/** Options of a {@linkcode WebSocketConnection}. */
export interface WebSocketConnectionOptions extends ConnectionOptions {
  /** The client sends the upgrade request and masks its frames. */
  role: "client" | "server";
  /** The HTTP path a client asks for (a server serves any, as libzmq). */
  path: string;
  /** The client's `Host` header. */
  host?: string | undefined;
  /** The origins (lower case) whose pages a server serves; by default all. */
  origins?: readonly string[] | undefined;
}

/** The ZWS sub-protocol of a mechanism, as libzmq names it. */
export function zwsProtocol(mechanism: string): string {
  return `ZWS2.0/${mechanism}`;
}

/**
 * A ZMTP connection over WebSocket, from the first byte of the HTTP
 * upgrade: bytes and time in, events and bytes out.
 *
 * @example A ZWS handshake between a client and a server, without sockets
 * ```ts
 * import * as codec from "@zmtp/zmq/codec";
 *
 * const client = new codec.WebSocketConnection({ socketType: "PUSH", role: "client", path: "/", host: "x" });
 * const server = new codec.WebSocketConnection({ socketType: "PULL", role: "server", path: "/" });
 * const pump = (from: codec.WebSocketConnection, to: codec.WebSocketConnection) =>
 *   from.takeOutput().flatMap((chunk) => to.receive(chunk.slice()));
 * pump(client, server);
 * pump(server, client);
 * pump(client, server);
 * console.log(client.state, server.state); // "ready" "ready"
 * ```
 */
export class WebSocketConnection {
  #inner: Connection;
  #options: WebSocketConnectionOptions;
  #role: "client" | "server";
  #key = "";
  #protocol: string;
  #upgraded = false;
  #closing = false;
  #failed = false;
  /** Reads the HTTP head; let go once upgraded. */
  #head: HttpHeadReader | undefined = new HttpHeadReader();
  #decoder: WebSocketDecoder;
  #heartbeat: Heartbeat;
  #ready = false;
  /** The last time given, for a verdict that makes the connection ready. */
  #now: number;
  /** When the handshake's clock started (`options.now`, or the first time
   * given since): an inner connection re-made at the upgrade keeps it. */
  #start: number | undefined;
  #output: Uint8Array[] = [];
  #outputBytes = 0;
  /**
   * The pong owed for the latest ping, written with the next output: one
   * at most, as RFC 6455 allows, so a peer that pings and never reads
   * costs nothing that grows.
   */
  #pong: Uint8Array | undefined;

  /**
   * Makes a connection; a client queues its upgrade request.
   *
   * @param options The ZMTP options, the role, and the HTTP path and host.
   */
  constructor(options: WebSocketConnectionOptions) {
    this.#options = options;
    this.#role = options.role;
    this.#start = options.now;
    this.#now = options.now ?? 0;
    this.#inner = this.#connection(options.noMechanism === true);
    this.#protocol = options.noMechanism
      ? "ZWS2.0"
      : zwsProtocol(this.#inner.mechanism);
    this.#decoder = new WebSocketDecoder({
      masked: options.role === "server",
      maxMessageSize: options.maxMessageSize,
      // Commands pass the limit, as over tcp, and ZWS flags follow this
      // header: the inner connection holds messages to the limit itself.
      allowance: 1 + COMMAND_ALLOWANCE,
    });
    // libzmq heartbeats a WebSocket with its PING and PONG frames.
    this.#heartbeat = new Heartbeat({
      interval: options.heartbeatInterval,
      timeout: options.heartbeatTimeout,
      now: options.now,
      writtenLater: options.reuseOutput,
    });
    if (this.#role === "client") {
      this.#key = websocketKey();
      this.#write(encodeUpgradeRequest({
        path: options.path,
        host: options.host ?? "localhost",
        key: this.#key,
        // As libzmq's: NULL's name, then ZWS2.0, which RFC 45 has all speak.
        protocols: this.#bare() ? [this.#protocol, "ZWS2.0"] : [this.#protocol],
      }));
    }
  }

  /** Where the connection is: `greeting` until the upgrade is done. */
  get state(): ConnectionState {
    if (this.#failed) return "failed";
    return this.#upgraded ? this.#inner.state : "greeting";
  }

  /** When {@linkcode WebSocketConnection.tick} must next be called; `undefined` until a time is given. */
  get deadline(): number | undefined {
    if (this.#failed) return undefined;
    return this.#ready ? this.#heartbeat.deadline : this.#inner.deadline;
  }

  /** Bytes of output waiting. */
  get pendingOutputBytes(): number {
    return this.#outputBytes + (this.#pong ? this.#pong.length + 2 : 0) +
      (this.#upgraded ? this.#inner.pendingOutputBytes : 0);
  }

  /** The declared size of the WebSocket frame being read, 0 between frames. */
  get partialFrameSize(): number {
    return this.#decoder.partialFrameSize;
  }

  /**
   * Where the transport may read the rest of a large frame directly, then
   * pass it to `receive` as is; or `undefined`.
   */
  directReadTarget(): Uint8Array<ArrayBuffer> | undefined {
    return this.#upgraded && !this.#failed && !this.#closing
      ? this.#decoder.directReadTarget()
      : undefined;
  }

  /**
   * Takes the bytes to write: the HTTP head, then WebSocket frames.
   *
   * @param now The current time in ms, for the heartbeats (the first starts the handshake's clock).
   * @returns The chunks; empty when there is nothing to send.
   */
  takeOutput(now?: number): Uint8Array[] {
    if (now !== undefined) this.#time(now);
    if (this.#pong && !this.#closing) {
      this.#frame(OPCODE.pong, this.#pong);
      this.#pong = undefined;
    }
    const ours = this.#output;
    let output = ours;
    if (this.#upgraded && !this.#closing) {
      // The inner connection writes its frames as WebSocket frames already.
      const inner = this.#inner.takeOutput(now);
      output = ours.length === 0 ? inner : joinChunks(ours, inner);
    }
    // Ours, when empty and not handed out, serves again.
    if (ours.length > 0 || output === ours) this.#output = [];
    this.#outputBytes = 0;
    this.#heartbeat.onOutputTaken(this.#now, output);
    return output;
  }

  /**
   * Feeds bytes from the peer; the chunk is not to be modified afterwards,
   * and no longer holds all that was received (see `Connection.receive`).
   *
   * @returns What the bytes completed; after an `error`, write out the
   * output and close.
   */
  receive(chunk: Uint8Array, now?: number): ConnectionEvent[] {
    const events: ConnectionEvent[] = [];
    if (this.#failed || this.#closing) return events;
    if (now !== undefined) this.#time(now);
    this.#heartbeat.onTraffic(now);
    try {
      let rest = chunk;
      if (!this.#upgraded) {
        const whole = this.#head?.push(chunk);
        if (!whole) return events;
        this.#head = undefined;
        this.#upgrade(whole[0]);
        rest = whole[1];
      }
      const messages: WebSocketMessage[] = [];
      let decodeError: unknown;
      try {
        this.#decoder.decode(rest, messages);
      } catch (error) {
        decodeError = error;
      }
      // Nothing after the first error: one error event, then silence.
      for (const message of messages) {
        this.#onMessage(message, now, events);
        if (this.#failed) return events;
      }
      if (decodeError) throw decodeError;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#failed = true;
      events.push({ type: "error", error });
    }
    return events;
  }

  /** Tells the time: the handshake deadline, then WebSocket heartbeats. */
  tick(now: number): ConnectionEvent[] {
    if (this.#failed) return [];
    this.#now = now;
    this.#start ??= now;
    if (!this.#ready) return this.#fail(this.#inner.tick(now));
    const action = this.#heartbeat.tick(now);
    if (action?.type === "ping") this.#frame(OPCODE.ping, new Uint8Array(0));
    if (action?.type !== "timeout") return [];
    this.#failed = true;
    return [{
      type: "error",
      error: new ProtocolError("timeout", action.reason),
    }];
  }

  /** See {@linkcode Connection.authenticated}. */
  authenticated(verdict: Verdict): ConnectionEvent[] {
    // A verdict that comes after the WebSocket failed ends nothing more.
    if (this.#failed) return [];
    // A handshake that ends with the verdict (CURVE, NULL checked by ZAP)
    // is ready here, not on a message: the heartbeats start here too.
    const events = this.#inner.authenticated(verdict);
    if (events.some((event) => event.type === "ready")) {
      this.#onReady(this.#now);
    }
    return this.#fail(events);
  }

  /**
   * Takes the time given. The first, without `options.now`, starts the
   * handshake's clock, which a tick of the inner connection starts before
   * the upgrade (it has nothing else to do then); after, it is told.
   */
  #time(now: number): void {
    this.#now = now;
    if (this.#start !== undefined) return;
    this.#start = now;
    if (!this.#upgraded) this.#inner.tick(now);
  }

  #onReady(now: number): void {
    this.#ready = true;
    this.#heartbeat.onReady(now);
  }

  /** See {@linkcode Connection.sendMessage}. */
  sendMessage(frames: readonly Uint8Array[]): void {
    this.#inner.sendMessage(frames);
  }

  /** See {@linkcode Connection.sendSubscribe}. */
  sendSubscribe(topic: Uint8Array): void {
    this.#inner.sendSubscribe(topic);
  }

  /** See {@linkcode Connection.sendCancel}. */
  sendCancel(topic: Uint8Array): void {
    this.#inner.sendCancel(topic);
  }

  #fail(events: ConnectionEvent[]): ConnectionEvent[] {
    if (events.some((event) => event.type === "error")) this.#failed = true;
    return events;
  }

  #onMessage(
    message: WebSocketMessage,
    now: number | undefined,
    events: ConnectionEvent[],
  ): void {
    switch (message.opcode) {
      case OPCODE.binary:
        for (const event of this.#inner.receive(message.payload, now)) {
          if (event.type === "ready") this.#onReady(now ?? this.#now);
          if (event.type === "error") this.#failed = true;
          events.push(event);
        }
        // A ZMTP PING's TTL counts WebSocket pings and pongs as traffic too,
        // which the inner connection never sees: the outer heartbeat keeps it.
        if (this.#inner.peerTimeToLive !== this.#heartbeat.peerTimeToLive) {
          this.#heartbeat.onPing(this.#inner.peerTimeToLive / 100);
        }
        return;
      case OPCODE.ping:
        this.#pong = message.payload.slice();
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close: {
        // Answer, then close the stream (a server closes first), as libzmq.
        const { answer, error } = answerClose(message.payload);
        this.#frame(OPCODE.close, answer);
        this.#closing = true;
        throw error;
      }
      default:
        throw new ProtocolError(
          "protocol",
          "the peer sent a text WebSocket message; ZWS messages are binary",
        );
    }
  }

  #upgrade(head: HttpHead): void {
    if (this.#role === "client") {
      if (!/^HTTP\/1\.1 101\b/.test(head.line)) {
        // "Not now" (a server at maxConnections, a proxy without a backend)
        // is a goodbye to come back from; any other answer, a refusal.
        const later = /^HTTP\/1\.1 (429|502|503|504)\b/.test(head.line);
        throw new ProtocolError(
          later ? "peer" : "protocol",
          `the server refused the WebSocket upgrade: ${head.line}`,
        );
      }
      if (
        head.headers.get("sec-websocket-accept") !== websocketAccept(this.#key)
      ) {
        throw new ProtocolError(
          "protocol",
          "the server's WebSocket accept key is wrong",
        );
      }
      const protocol = head.headers.get("sec-websocket-protocol");
      if (protocol === "ZWS2.0" && this.#bare()) {
        // A server that speaks ZWS2.0 only: routing ids, then messages.
        this.#protocol = protocol;
        this.#inner = this.#connection(true);
      }
      if (protocol !== this.#protocol) {
        throw new ProtocolError(
          "mechanism",
          `the server chose ${
            protocol ?? "no sub-protocol"
          }, we speak ${this.#protocol}`,
        );
      }
    } else {
      this.#answer(head);
    }
    this.#upgraded = true;
    // An empty take, as libzmq's ws engine wants output once upgraded: a
    // client may have none (NULL holds its READY for its verdict), and the
    // first take asks for that verdict.
    if (this.#inner.pendingOutputBytes === 0) {
      this.#inner.takeOutput(this.#start === undefined ? undefined : this.#now);
    }
  }

  #answer(head: HttpHead): void {
    // Any path is served, as libzmq's ws engine never compares it.
    const request = readUpgradeRequest(head, this.#options.origins);
    if ("status" in request) {
      this.#write(encodeHttpRefusal(request.status, request.reason));
      const kind = request.status === 403 ? "auth" : "protocol";
      throw new ProtocolError(kind, request.reason);
    }
    const { key, offered } = request;
    if (
      !offered.includes(this.#protocol) && offered.includes("ZWS2.0") &&
      this.#bare()
    ) {
      // What a browser can ask ('/' is no token character): no mechanism.
      this.#protocol = "ZWS2.0";
      this.#inner = this.#connection(true);
    }
    if (!offered.includes(this.#protocol)) {
      // No answer, as libzmq's server gives none: a libzmq client takes an
      // HTTP refusal for a protocol error and stops for good, a hang-up it
      // retries (reaching a server restarted with its mechanism).
      throw new ProtocolError(
        "mechanism",
        `the client offers ${
          offered.join(", ") || "no sub-protocol"
        }; this endpoint speaks ${this.#protocol}`,
      );
    }
    this.#write(encodeUpgradeResponse(key, this.#protocol));
  }

  /** ZWS2.0 spoken too, not while NULL authenticates (asked where needed). */
  #bare(): boolean {
    return this.#protocol === "ZWS2.0/NULL" &&
      takesZwsWithoutMechanism(this.#options);
  }

  #connection(noMechanism: boolean): Connection {
    return new Connection({
      ...this.#options,
      now: this.#start,
      framing: "zws",
      websocket: this.#role,
      noMechanism,
    });
  }

  #frame(opcode: number, payload: Uint8Array): void {
    const mask = this.#role === "client" ? randomMask() : undefined;
    for (const part of encodeWebSocketFrame(opcode, payload, mask)) {
      this.#write(part);
    }
  }

  #write(bytes: Uint8Array): void {
    this.#output.push(bytes);
    this.#outputBytes += bytes.length;
  }
}
