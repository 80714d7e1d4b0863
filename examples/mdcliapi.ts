/**
 * Majordomo client API (the guide's mdcliapi.c): MDP/0.1 requests (RFC 7)
 * to a named service through a broker, over a REQ socket, with the C
 * original's recovery: when no reply comes in time the socket is thrown
 * away and the request sent again on a new one (so a late reply to an
 * abandoned try can never pass for the answer), up to a number of tries.
 *
 * @module
 */
import {
  type Message,
  type MessageLike,
  type OperationOptions,
  Request,
  toFrames,
  ZmqError,
} from "@zmtp/zmq";
import { bytes, MDPC_CLIENT, sameBytes } from "./_mdp.ts";

/** Options of a {@linkcode MajordomoClient}. */
export interface MajordomoClientOptions {
  /** How long to wait for each reply, in ms. Default 2500, as mdcliapi.c. */
  timeout?: number | undefined;
  /** Tries before giving up. Default 3. */
  retries?: number | undefined;
  /** Print what the client does, as the C original's verbose mode. */
  verbose?: boolean | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/**
 * A Majordomo client: sends a request to a service and waits for its
 * reply, one request at a time.
 *
 * @example Asking the broker whether an "echo" service has workers (RFC 8)
 * ```ts
 * import { MajordomoClient } from "./mdcliapi.ts";
 * import { majordomoBroker } from "./mdbroker.ts";
 *
 * const stop = new AbortController();
 * const bound = Promise.withResolvers<string>();
 * const broker = majordomoBroker({
 *   endpoint: "tcp://127.0.0.1:0",
 *   onBound: bound.resolve,
 *   signal: stop.signal,
 *   print: () => {},
 * });
 * {
 *   await using client = new MajordomoClient(await bound.promise);
 *   const [code] = await client.send("mmi.service", "echo");
 *   console.log(new TextDecoder().decode(code)); // "404": no worker yet
 * }
 * stop.abort();
 * await broker;
 * ```
 */
export class MajordomoClient implements AsyncDisposable {
  /** The broker's endpoint. */
  readonly broker: string;
  /** See {@linkcode MajordomoClientOptions.timeout}. */
  readonly timeout: number;
  /** See {@linkcode MajordomoClientOptions.retries}. */
  readonly retries: number;
  #verbose: boolean;
  #print: (line: string) => void;
  #socket: Request;
  #busy = false;
  #closed = false;

  /**
   * Connects to a broker (the connection is made in the background).
   *
   * @param broker The broker's endpoint, such as `tcp://127.0.0.1:5555`.
   * @param options Timeout, tries and output.
   */
  constructor(broker: string, options: MajordomoClientOptions = {}) {
    this.broker = broker;
    this.timeout = options.timeout ?? 2500;
    this.retries = options.retries ?? 3;
    this.#verbose = options.verbose ?? false;
    this.#print = options.print ?? console.log;
    this.#socket = this.#connect();
  }

  #connect(): Request {
    const socket = new Request({ receiveTimeout: this.timeout, linger: 0 });
    socket.connect(this.broker);
    if (this.#verbose) {
      this.#print(`I: connecting to broker at ${this.broker}...`);
    }
    return socket;
  }

  async #reconnect(): Promise<void> {
    this.#check();
    const old = this.#socket;
    this.#socket = this.#connect();
    await old.close();
  }

  /**
   * Sends a request to a service and waits for the reply, trying again on
   * a new connection after each timeout.
   *
   * @param service The service's name, such as "echo" or "mmi.service".
   * @param request The request's body: a string, bytes, or frames.
   * @param options A signal that abandons the request.
   * @returns The reply's body.
   * @throws {ZmqError} `EAGAIN` when no reply came after every try,
   * `EFSM` while another request is in progress, `ETERM` once closed.
   */
  async send(
    service: string,
    request: MessageLike,
    options: OperationOptions = {},
  ): Promise<Message> {
    this.#check();
    if (this.#busy) {
      throw new ZmqError(
        "EFSM",
        "a Majordomo client sends one request at a time: await the reply to the previous one first",
      );
    }
    this.#busy = true;
    try {
      return await this.#send(service, toFrames(request), options.signal);
    } finally {
      this.#busy = false;
    }
  }

  async #send(
    service: string,
    body: Uint8Array[],
    signal?: AbortSignal,
  ): Promise<Message> {
    const serviceFrame = bytes(service);
    const message = [MDPC_CLIENT, serviceFrame, ...body];
    if (this.#verbose) this.#print(`I: send request to '${service}' service`);
    for (let retriesLeft = this.retries; retriesLeft > 0; retriesLeft--) {
      try {
        await this.#socket.send(message, { signal });
        const reply = await this.#socket.receive({ signal });
        const [header, replyService, ...replyBody] = reply;
        if (
          reply.length >= 3 && sameBytes(header, MDPC_CLIENT) &&
          sameBytes(replyService, serviceFrame)
        ) return replyBody;
        this.#print("E: malformed reply from broker");
      } catch (error) {
        if (signal?.aborted) {
          // The REQ waits for a reply that no longer matters: start afresh.
          if (!this.#closed) await this.#reconnect();
          throw error;
        }
        if (!(error instanceof ZmqError && error.code === "EAGAIN")) {
          throw error;
        }
      }
      if (retriesLeft > 1) {
        if (this.#verbose) this.#print("W: no reply, reconnecting...");
        await this.#reconnect();
      }
    }
    if (this.#verbose) this.#print("W: permanent error, abandoning");
    await this.#reconnect();
    throw new ZmqError(
      "EAGAIN",
      `no reply from the Majordomo broker at ${this.broker} after ${this.retries} tries of ${this.timeout} ms: is it running, and does '${service}' have workers?`,
    );
  }

  #check(): void {
    if (this.#closed) {
      throw new ZmqError("ETERM", "the Majordomo client is closed");
    }
  }

  /** Closes the connection; a request in progress rejects with `ETERM`. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#socket.close();
  }

  /** Closes the connection. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
