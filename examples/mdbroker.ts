/**
 * Majordomo broker (the guide's mdbroker.c): one ROUTER for clients and
 * workers alike, speaking MDP/0.1 (RFC 7), so C and Python Majordomo
 * clients and workers use it as they would the C original. Requests queue
 * per service and go to the worker idle longest; idle workers get a
 * HEARTBEAT every interval and are forgotten when theirs stop. The
 * management service `mmi.service` (RFC 8) answers "200" when a service has
 * workers, "404" when it has none; other `mmi.` names get "501".
 *
 *     deno run --allow-net=127.0.0.1 examples/mdbroker.ts [-v] [endpoint]
 *
 * @module
 */
import { type Message, Router } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import {
  bytes,
  Command,
  commandName,
  EMPTY,
  hex,
  MDPC_CLIENT,
  parseWorkerCommand,
  receiveBefore,
  sameBytes,
  text,
  unwrap,
  workerCommand,
} from "./_mdp.ts";

/** Options of {@linkcode majordomoBroker}. */
export interface MajordomoBrokerOptions {
  /** Where to bind. Default: the guide's port 5555, on loopback. */
  endpoint?: string | undefined;
  /** Heartbeat interval in ms; workers must use the same. Default 2500. */
  heartbeatInterval?: number | undefined;
  /** Missed heartbeats before a worker is dead. Default 3. */
  heartbeatLiveness?: number | undefined;
  /** Print what the broker does, as the C original's `-v`. */
  verbose?: boolean | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Stops the broker when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

interface _Request {
  client: Uint8Array;
  body: Uint8Array[];
}

interface _Service {
  name: string;
  requests: _Request[];
  /** Idle workers, longest idle first. */
  waiting: _Worker[];
  workers: number;
}

interface _Worker {
  id: Uint8Array;
  key: string;
  /** Unset until READY. */
  service?: _Service | undefined;
  /** When it is dead unless heard from (a `Date.now()` time). */
  expiry: number;
}

/**
 * Runs a Majordomo broker until the signal aborts.
 *
 * @example
 * ```ts
 * import { majordomoBroker } from "./mdbroker.ts";
 *
 * const stop = new AbortController();
 * const broker = majordomoBroker({
 *   endpoint: "tcp://127.0.0.1:0",
 *   signal: stop.signal,
 *   onBound: (endpoint) => console.log(endpoint),
 * });
 * stop.abort();
 * await broker;
 * ```
 *
 * @param options Endpoint, heartbeats, signal and output.
 * @returns Settles once the broker's socket is closed.
 */
export async function majordomoBroker(
  options: MajordomoBrokerOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const interval = options.heartbeatInterval ?? 2500;
  const signal = options.signal;
  await using socket = new Router({ linger: 0 });
  await socket.bind(options.endpoint ?? "tcp://127.0.0.1:5555");
  print(`I: MDP broker/0.2.0 is active at ${socket.lastEndpoint}`);
  options.onBound?.(socket.lastEndpoint!);
  const broker = new _Broker(socket, {
    expiry: interval * (options.heartbeatLiveness ?? 3),
    print,
    verbose: options.verbose ?? false,
  });
  let heartbeatAt = Date.now() + interval;
  try {
    while (!signal?.aborted) {
      const message = await receiveBefore(socket, heartbeatAt, signal);
      if (message) await broker.route(message);
      if (Date.now() >= heartbeatAt) {
        await broker.heartbeat();
        heartbeatAt = Date.now() + interval;
      }
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
  print("W: interrupt received, shutting down...");
}

class _Broker {
  #socket: Router;
  #expiry: number;
  #print: (line: string) => void;
  #verbose: boolean;
  #services = new Map<string, _Service>();
  /** By routing id, in hex. */
  #workers = new Map<string, _Worker>();

  constructor(
    socket: Router,
    settings: {
      expiry: number;
      print: (line: string) => void;
      verbose: boolean;
    },
  ) {
    this.#socket = socket;
    this.#expiry = settings.expiry;
    this.#print = settings.print;
    this.#verbose = settings.verbose;
  }

  /** Handles one message from the ROUTER: `[sender, "", header, ...]`. */
  async route(message: Message): Promise<void> {
    const [sender, empty, header, ...rest] = message;
    if (header !== undefined && empty.length === 0) {
      if (sameBytes(header, MDPC_CLIENT) && rest.length >= 2) {
        return await this.#fromClient(sender, rest[0], rest.slice(1));
      }
      const command = parseWorkerCommand(message.slice(1));
      if (command) {
        return await this.#fromWorker(sender, command.command, command.rest);
      }
    }
    this.#print(`E: invalid message from ${hex(sender)}, dropped`);
  }

  /** Forgets silent idle workers, then tells the others the broker lives. */
  async heartbeat(): Promise<void> {
    const now = Date.now();
    for (const worker of this.#workers.values()) {
      if (worker.service && worker.expiry <= now && this.#isIdle(worker)) {
        this.#expire(worker);
      }
    }
    for (const service of this.#services.values()) {
      for (const worker of service.waiting) {
        await this.#send(worker, Command.HEARTBEAT);
      }
    }
  }

  async #fromClient(
    client: Uint8Array,
    serviceFrame: Uint8Array,
    body: Uint8Array[],
  ): Promise<void> {
    const name = text(serviceFrame);
    if (this.#verbose) {
      this.#print(`I: received request for '${name}' from ${hex(client)}`);
    }
    if (name.startsWith("mmi.")) {
      // RFC 8: the broker answers this namespace itself.
      let code = "501";
      if (name === "mmi.service") {
        const wanted = this.#services.get(text(body[0]));
        code = wanted && wanted.workers > 0 ? "200" : "404";
      }
      await this.#socket.send([
        client,
        EMPTY,
        MDPC_CLIENT,
        serviceFrame,
        bytes(code),
      ]);
      return;
    }
    // Queued even with no worker yet: one may register later (RFC 7).
    const service = this.#require(name);
    service.requests.push({ client, body });
    await this.#dispatch(service);
  }

  async #fromWorker(
    sender: Uint8Array,
    command: number,
    rest: Uint8Array[],
  ): Promise<void> {
    const key = hex(sender);
    const known = this.#workers.get(key);
    if (this.#verbose) {
      this.#print(`I: received ${commandName(command)} from worker ${key}`);
    }
    if (command === Command.DISCONNECT) {
      if (known) this.#delete(known);
      return;
    }
    if (command === Command.READY && !known && rest.length === 1) {
      const name = text(rest[0]);
      const worker: _Worker = { id: sender, key, expiry: 0 };
      if (name.startsWith("mmi.")) return await this.#disconnect(worker);
      if (this.#verbose) this.#print(`I: registering new worker: ${key}`);
      this.#workers.set(key, worker);
      worker.service = this.#require(name);
      worker.service.workers++;
      return await this.#waiting(worker);
    }
    if (known && command === Command.HEARTBEAT && rest.length === 0) {
      known.expiry = Date.now() + this.#expiry;
      return;
    }
    const envelope = unwrap(rest);
    if (
      known && command === Command.REPLY && envelope && !this.#isIdle(known)
    ) {
      await this.#socket.send([
        envelope.address,
        EMPTY,
        MDPC_CLIENT,
        bytes(known.service!.name),
        ...envelope.body,
      ]);
      return await this.#waiting(known);
    }
    // RFC 7: anything else (a second READY, a command before READY, a
    // REPLY nobody asked for, a malformed one) ends the worker's session.
    if (known) this.#delete(known);
    await this.#disconnect({ id: sender, key, expiry: 0 });
  }

  #require(name: string): _Service {
    let service = this.#services.get(name);
    if (!service) {
      service = { name, requests: [], waiting: [], workers: 0 };
      this.#services.set(name, service);
      if (this.#verbose) this.#print(`I: added service: ${name}`);
    }
    return service;
  }

  #isIdle(worker: _Worker): boolean {
    return worker.service?.waiting.includes(worker) ?? false;
  }

  async #waiting(worker: _Worker): Promise<void> {
    worker.expiry = Date.now() + this.#expiry;
    worker.service!.waiting.push(worker);
    await this.#dispatch(worker.service!);
  }

  /** Gives queued requests to idle workers, skipping any that expired. */
  async #dispatch(service: _Service): Promise<void> {
    while (service.waiting.length > 0 && service.requests.length > 0) {
      const worker = service.waiting.shift()!;
      if (worker.expiry <= Date.now()) {
        this.#expire(worker);
        continue;
      }
      const { client, body } = service.requests.shift()!;
      await this.#send(worker, Command.REQUEST, client, EMPTY, ...body);
    }
  }

  #expire(worker: _Worker): void {
    if (this.#verbose) {
      this.#print(`I: deleting expired worker: ${worker.key}`);
    }
    this.#delete(worker);
  }

  #delete(worker: _Worker): void {
    const service = worker.service;
    if (service) {
      const at = service.waiting.indexOf(worker);
      if (at >= 0) service.waiting.splice(at, 1);
      service.workers--;
      worker.service = undefined;
    }
    this.#workers.delete(worker.key);
  }

  async #disconnect(worker: _Worker): Promise<void> {
    await this.#send(worker, Command.DISCONNECT);
  }

  async #send(
    worker: _Worker,
    command: Command,
    ...rest: Uint8Array[]
  ): Promise<void> {
    if (this.#verbose && command !== Command.HEARTBEAT) {
      this.#print(`I: sending ${commandName(command)} to worker ${worker.key}`);
    }
    await this.#socket.send([worker.id, ...workerCommand(command, ...rest)]);
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await majordomoBroker({
    endpoint: Deno.args.find((arg) => arg !== "-v"),
    verbose: Deno.args.includes("-v"),
    signal: interrupt.signal,
  });
}
