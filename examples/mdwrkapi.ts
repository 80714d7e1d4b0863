/**
 * Majordomo worker API (the guide's mdwrkapi.c): serves one named service
 * through a broker over a DEALER, speaking MDP/0.1 (RFC 7). It registers
 * with READY, exchanges heartbeats while it waits for requests, and starts
 * a new session on a new socket when the broker says DISCONNECT or falls
 * silent; closing it says DISCONNECT to the broker.
 *
 * As in the C original, the worker does its protocol work while waiting in
 * {@linkcode MajordomoWorker.receive}: during a request it is silent, and
 * the broker, which heartbeats only idle workers, expects nothing from it.
 *
 * @module
 */
import { delay } from "@std/async/delay";
import {
  Dealer,
  type Message,
  type MessageLike,
  type OperationOptions,
  toFrames,
  ZmqError,
} from "@zmtp/zmq";
import {
  bytes,
  Command,
  commandName,
  EMPTY,
  parseWorkerCommand,
  receiveBefore,
  unwrap,
  workerCommand,
} from "./_mdp.ts";

/** Options of a {@linkcode MajordomoWorker}. */
export interface MajordomoWorkerOptions {
  /** Heartbeat interval in ms; the broker must use the same. Default 2500. */
  heartbeatInterval?: number | undefined;
  /** Missed heartbeats before the broker is dead. Default 3. */
  heartbeatLiveness?: number | undefined;
  /** How long to wait before reconnecting to a dead broker, in ms. Default 2500. */
  reconnectInterval?: number | undefined;
  /** Print what the worker does, as the C original's verbose mode. */
  verbose?: boolean | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** What a request handler given to {@linkcode MajordomoWorker.serve} returns. */
export type MajordomoHandler = (
  request: Message,
) => MessageLike | Promise<MessageLike>;

/**
 * A Majordomo worker for one service: `receive` a request, `reply` to it,
 * and again; or hand `serve` a function.
 *
 * @example An echo worker, until Ctrl-C (the guide's mdworker.c)
 * ```ts ignore
 * import { MajordomoWorker } from "./mdwrkapi.ts";
 *
 * await using worker = new MajordomoWorker("tcp://127.0.0.1:5555", "echo");
 * const stop = new AbortController();
 * Deno.addSignalListener("SIGINT", () => stop.abort());
 * await worker.serve((request) => request, { signal: stop.signal });
 * ```
 *
 * @example One request at a time, through a broker, from a client
 * ```ts
 * import { MajordomoWorker } from "./mdwrkapi.ts";
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
 * const endpoint = await bound.promise;
 * {
 *   await using worker = new MajordomoWorker(endpoint, "echo");
 *   await using client = new MajordomoClient(endpoint);
 *   const reply = client.send("echo", "Hello");
 *   const request = await worker.receive();
 *   await worker.reply(request);
 *   console.log(new TextDecoder().decode((await reply)[0])); // "Hello"
 * }
 * stop.abort();
 * await broker;
 * ```
 */
export class MajordomoWorker implements AsyncDisposable {
  /** The broker's endpoint. */
  readonly broker: string;
  /** The service this worker offers. */
  readonly service: string;
  /** See {@linkcode MajordomoWorkerOptions.heartbeatInterval}. */
  readonly heartbeatInterval: number;
  /** See {@linkcode MajordomoWorkerOptions.heartbeatLiveness}. */
  readonly heartbeatLiveness: number;
  /** See {@linkcode MajordomoWorkerOptions.reconnectInterval}. */
  readonly reconnectInterval: number;
  #verbose: boolean;
  #print: (line: string) => void;
  #socket: Dealer | undefined;
  /** When to send the next HEARTBEAT (a `Date.now()` time). */
  #heartbeatAt = 0;
  /** When the broker is dead unless heard from. */
  #brokerExpiry = 0;
  /** The client of the request being served. */
  #replyTo: Uint8Array | undefined;
  #receiving = false;
  /** Aborted by close: ends a wait to reconnect. */
  #closing = new AbortController();

  /**
   * Makes a worker; it connects and registers when first asked for a
   * request.
   *
   * @param broker The broker's endpoint, such as `tcp://127.0.0.1:5555`.
   * @param service The service's name; `mmi.` names are the broker's own.
   * @param options Heartbeats, reconnects and output.
   */
  constructor(
    broker: string,
    service: string,
    options: MajordomoWorkerOptions = {},
  ) {
    this.broker = broker;
    this.service = service;
    this.heartbeatInterval = options.heartbeatInterval ?? 2500;
    this.heartbeatLiveness = options.heartbeatLiveness ?? 3;
    this.reconnectInterval = options.reconnectInterval ?? 2500;
    this.#verbose = options.verbose ?? false;
    this.#print = options.print ?? console.log;
  }

  /** A new socket, a new session: READY again (RFC 7 allows one per socket). */
  async #connect(): Promise<void> {
    this.#check();
    const old = this.#socket;
    this.#socket = new Dealer({ linger: 0 });
    this.#socket.connect(this.broker);
    await old?.close();
    if (this.#verbose) {
      this.#print(`I: connecting to broker at ${this.broker}...`);
    }
    await this.#send(Command.READY, bytes(this.service));
    this.#brokerExpiry = Date.now() +
      this.heartbeatInterval * this.heartbeatLiveness;
  }

  async #send(command: Command, ...rest: Uint8Array[]): Promise<void> {
    if (this.#verbose) {
      this.#print(`I: sending ${commandName(command)} to broker`);
    }
    await this.#socket!.send(workerCommand(command, ...rest));
    // Any command tells the broker we live: the next HEARTBEAT can wait.
    this.#heartbeatAt = Date.now() + this.heartbeatInterval;
  }

  /**
   * Waits for the next request, heartbeating meanwhile and starting a new
   * session when the broker asks or seems dead.
   *
   * @param options A signal that stops waiting.
   * @returns The request's body.
   * @throws {ZmqError} `EFSM` while a request awaits its reply or another
   * receive is in progress, `ETERM` once closed.
   */
  async receive(options: OperationOptions = {}): Promise<Message> {
    this.#check();
    if (this.#replyTo) {
      throw new ZmqError(
        "EFSM",
        "a Majordomo worker replies to each request before it takes another: call reply() first",
      );
    }
    if (this.#receiving) {
      throw new ZmqError(
        "EFSM",
        "a Majordomo worker waits for one request at a time",
      );
    }
    this.#receiving = true;
    try {
      return await this.#receive(options.signal);
    } finally {
      this.#receiving = false;
    }
  }

  async #receive(signal?: AbortSignal): Promise<Message> {
    if (!this.#socket) await this.#connect();
    // The broker heartbeats idle workers only: silence counts from now.
    this.#brokerExpiry = Date.now() +
      this.heartbeatInterval * this.heartbeatLiveness;
    for (;;) {
      const message = await receiveBefore(
        this.#socket!,
        Math.min(this.#heartbeatAt, this.#brokerExpiry),
        signal,
      );
      const received = message && parseWorkerCommand(message);
      if (received) {
        this.#brokerExpiry = Date.now() +
          this.heartbeatInterval * this.heartbeatLiveness;
        const { command, rest } = received;
        const envelope = unwrap(rest);
        if (command === Command.REQUEST && envelope) {
          this.#replyTo = envelope.address;
          return envelope.body;
        }
        if (command === Command.DISCONNECT) {
          if (this.#verbose) this.#print("I: broker said DISCONNECT");
          await this.#connect();
        } else if (command !== Command.HEARTBEAT) {
          this.#print(`E: invalid ${commandName(command)} from broker`);
        }
      } else if (message) {
        this.#print("E: invalid input message from broker");
      } else if (Date.now() >= this.#brokerExpiry) {
        if (this.#verbose) {
          this.#print("W: disconnected from broker - retrying...");
        }
        await this.#pause(signal);
        await this.#connect();
      }
      if (Date.now() >= this.#heartbeatAt) await this.#send(Command.HEARTBEAT);
    }
  }

  /**
   * Sends the reply to the request last received.
   *
   * @param message The reply's body: a string, bytes, or frames.
   * @throws {ZmqError} `EFSM` when no request awaits a reply, `ETERM` once
   * closed.
   */
  async reply(message: MessageLike): Promise<void> {
    this.#check();
    const client = this.#replyTo;
    if (!client) {
      throw new ZmqError(
        "EFSM",
        "a Majordomo worker replies only to a request it received: call receive() first",
      );
    }
    this.#replyTo = undefined;
    await this.#send(Command.REPLY, client, EMPTY, ...toFrames(message));
  }

  /**
   * Answers requests with a function until the signal aborts.
   *
   * @param handler Makes each reply from its request.
   * @param options A signal that stops serving (quietly).
   * @returns Settles once stopped.
   */
  async serve(
    handler: MajordomoHandler,
    options: OperationOptions = {},
  ): Promise<void> {
    const signal = options.signal;
    while (!signal?.aborted) {
      let request: Message;
      try {
        request = await this.receive({ signal });
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
      await this.reply(await handler(request));
    }
  }

  /** Waits before reconnecting, unless the signal aborts or we close. */
  async #pause(signal?: AbortSignal): Promise<void> {
    const closing = this.#closing.signal;
    await delay(this.reconnectInterval, {
      signal: signal ? AbortSignal.any([signal, closing]) : closing,
    }).catch((error: unknown) => {
      if (signal?.aborted) throw error;
    });
    this.#check();
  }

  #check(): void {
    if (this.#closing.signal.aborted) {
      throw new ZmqError("ETERM", "the Majordomo worker is closed");
    }
  }

  /**
   * Tells the broker DISCONNECT (waiting at most one heartbeat interval for
   * it to be written), then closes the connection.
   */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    const socket = this.#socket;
    if (!socket || socket.closed) return;
    socket.linger = this.heartbeatInterval;
    await socket.send(workerCommand(Command.DISCONNECT)).catch(() => {});
    await socket.close();
  }

  /** Closes, as {@linkcode MajordomoWorker.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
