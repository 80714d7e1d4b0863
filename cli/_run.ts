/**
 * `zmq TYPE …`: one socket between stdin and stdout, until its work is
 * done (stdin ends, `-n COUNT` messages), a `--timeout` passes, or it
 * fails.
 *
 * @module
 */

import {
  type CloseSummary,
  Dish,
  Peer,
  type Socket,
  Subscriber,
  ZmqError,
} from "../mod.ts";
import { sleepUnlessAborted, unlessAborted } from "./_abortable.ts";
import { type ParsedFlags, parseFlags } from "./_args.ts";
import {
  CliError,
  describeFailure,
  EXIT_ERROR,
  EXIT_OK,
  EXIT_TIMEOUT,
  neverSent,
  timedOut,
} from "./_errors.ts";
import { formatNamed } from "./_formats.ts";
import { socketHelp } from "./_help.ts";
import {
  type CliMessage,
  type Format,
  type LeadingField,
  whereFrom,
} from "./_message.ts";
import { watchEvents } from "./_monitor.ts";
import {
  checkEndpoints,
  COMMON_FLAGS,
  socketOptions,
  TYPE_FLAGS,
} from "./_options.ts";
import { type ByteSink, Output } from "./_output.ts";
import { fromReceived, sendAs, type SocketKind } from "./_sockets.ts";
import { Stats } from "./_stats.ts";
import { onEndingSignals, signalStatus } from "./_signals.ts";

/** What a command uses of the process: its standard streams. */
export interface Io {
  /** Standard input. */
  readonly stdin: ReadableStream<Uint8Array>;
  /** Standard output. */
  readonly stdout: ByteSink;
  /** Writes a line to standard error. */
  readonly warn: (line: string) => void;
  /** Whether stdin is a file: a REP reads each reply before its request. */
  readonly stdinIsFile?: boolean | undefined;
}

/** The reason a run stops early without failing: stdout was closed. */
const _STDOUT_CLOSED = Symbol("stdout closed");
/** The reason a run stops at Ctrl-C or SIGTERM. */
const _INTERRUPTED = Symbol("interrupted");

/**
 * Runs `zmq TYPE` with its arguments.
 *
 * @example
 * ```ts ignore
 * import { runSocket } from "./_run.ts";
 * import { SOCKET_KINDS } from "./_sockets.ts";
 *
 * const code = await runSocket(SOCKET_KINDS.get("pull")!, ["--bind", "tcp://*:5557", "-n", "1"], {
 *   stdin: Deno.stdin.readable,
 *   stdout: Deno.stdout,
 *   warn: (line) => console.error(line),
 * });
 * ```
 *
 * @param kind The socket type.
 * @param args The arguments after the type.
 * @param io The standard streams.
 * @returns The exit code.
 * @throws {CliError} For bad flags, endpoints, keys; `ZmqError` from the
 * socket.
 */
export async function runSocket(
  kind: SocketKind,
  args: readonly string[],
  io: Io,
): Promise<number> {
  const command = `zmq ${kind.name}`;
  const flags = parseFlags(
    args,
    [...kind.flags.map((flag) => TYPE_FLAGS[flag]), ...COMMON_FLAGS],
    command,
  );
  if (flags.boolean("help")) {
    const output = new Output(io.stdout);
    await output.write(new TextEncoder().encode(socketHelp(kind)));
    await output.end();
    return EXIT_OK;
  }
  checkEndpoints(kind, flags, command);
  const format = formatNamed(flags.string("format") ?? "text");
  const socket = kind.make(await socketOptions(flags));
  return await new _Run(kind, socket, flags, format, io).run();
}

/** One run: the socket, its flags, and what it has done so far. */
class _Run {
  #kind: SocketKind;
  #socket: Socket;
  #flags: ParsedFlags;
  #format: Format;
  #io: Io;
  #output: Output;
  #stats: Stats | undefined;
  /** What a line of stdin that cannot be sent threw (its earlier lines go). */
  #badInput: unknown;
  #stop = new AbortController();
  #limit: number;
  #count = 0;

  constructor(
    kind: SocketKind,
    socket: Socket,
    flags: ParsedFlags,
    format: Format,
    io: Io,
  ) {
    this.#kind = kind;
    this.#socket = socket;
    this.#flags = flags;
    this.#format = format;
    this.#io = io;
    this.#output = new Output(io.stdout);
    this.#limit = flags.integer("count") ?? Infinity;
    if (flags.boolean("stats")) this.#stats = new Stats(io.warn);
  }

  async run(): Promise<number> {
    const signal = this.#stop.signal;
    const watching = watchEvents(this.#socket, {
      print: this.#flags.boolean("monitor"),
      connects: new Set(this.#flags.list("connect")),
      warn: this.#io.warn,
      onFatal: (error) => {
        // A close waiting to deliver to that peer waits no more.
        this.#socket.linger = 0;
        this.#stop.abort(this.#hinted(error));
      },
    });
    this.#output.closed.then(
      () => this.#stop.abort(_STDOUT_CLOSED),
      (error) => this.#stop.abort(error),
    );
    // Ctrl-C (or SIGTERM) still closes the socket and prints the --stats
    // totals; a second ends the process at once.
    let ending: Deno.Signal | undefined;
    const stopListening = onEndingSignals((signal) => {
      if (ending) Deno.exit(signalStatus(signal));
      ending = signal;
      // Stdin may have ended already, the close waiting for a peer: only a
      // --linger given keeps it waiting; stdout (maybe stuck) as long, 1 s at least.
      const linger = this.#flags.integer("linger");
      this.#output.abandonAfter(linger);
      if (linger === undefined) this.#socket.linger = 0;
      this.#stop.abort(_INTERRUPTED);
    });
    let failure: unknown;
    let lost: unknown;
    let summary: CloseSummary;
    try {
      try {
        await this.#attach();
        const delay = this.#flags.integer("delay");
        if (delay) await sleepUnlessAborted(delay, signal);
        this.#stats?.start();
        await this.#play();
      } catch (error) {
        failure = signal.aborted ? signal.reason : error;
        // What is queued goes within a --linger given, even after Ctrl-C,
        // and the lines before one that cannot be sent go as at stdin's end.
        const keep = failure === _INTERRUPTED
          ? this.#flags.has("linger")
          : failure === this.#badInput;
        if (!keep) this.#socket.linger = 0;
      }
      this.#stats?.stop();
      // What was received before a failure is printed too; output lost to
      // a failed write (a full disk) is a failure of its own.
      lost = await this.#output.end().then(() => undefined, (e) => e);
      summary = await this.#socket.close();
    } finally {
      stopListening();
    }
    await watching;
    // A refusal that came while the socket closed (a push's linger) fails
    // the command too: what was sent never left.
    if (failure === undefined && signal.aborted) failure = signal.reason;
    if (failure === _STDOUT_CLOSED) return EXIT_OK;
    if (failure === _INTERRUPTED) {
      const how = ending === "SIGINT" ? "interrupted" : "terminated";
      if (summary.dropped > 0) {
        this.#io.warn(`zmq: ${neverSent(summary.dropped)} (${how})`);
      }
      const unread = this.#output.dropped;
      if (unread) {
        this.#io.warn(`zmq: stdout did not take ${unread} B (${how})`);
      }
      return signalStatus(ending!);
    }
    // One line still, and what was never sent: after bad input, or a
    // --timeout (a REQ's request that no peer took, a PUSH's queue).
    const isTimeout = failure instanceof CliError &&
      failure.exitCode === EXIT_TIMEOUT;
    if (isTimeout || (failure !== undefined && failure === this.#badInput)) {
      const { line, exitCode } = describeFailure(failure);
      const dropped = summary.dropped;
      this.#io.warn(dropped > 0 ? `${line}; ${neverSent(dropped)}` : line);
      return exitCode;
    }
    if (failure !== undefined) throw failure;
    if (lost !== undefined) throw lost;
    if (summary.dropped > 0) {
      const timeout = this.#flags.integer("timeout");
      throw new CliError(
        `${neverSent(summary.dropped)}: no peer took ${
          summary.dropped === 1 ? "it" : "them"
        } within the linger (${this.#socket.linger} ms)`,
        timeout !== undefined && !this.#flags.has("linger")
          ? EXIT_TIMEOUT
          : EXIT_ERROR,
      );
    }
    return EXIT_OK;
  }

  /**
   * A refused handshake, with the flag to check when the peer just hung
   * up: a CURVE or PLAIN server that refuses says nothing more.
   */
  #hinted(error: CliError): CliError {
    const flag = this.#flags.has("curve-server-key")
      ? "--curve-server-key (the server's public key)"
      : this.#flags.has("plain-username")
      ? "--plain-username and --plain-password"
      : undefined;
    if (!flag || !error.message.includes("closed the connection")) return error;
    return new CliError(`${error.message}; check ${flag}`, error.exitCode);
  }

  /** Subscribes or joins, then binds and connects. */
  async #attach(): Promise<void> {
    const socket = this.#socket;
    if (socket instanceof Dish) socket.join(...this.#flags.list("join"));
    else if (socket instanceof Subscriber) {
      const prefixes = this.#flags.list("subscribe");
      // A SUB with no subscription hears nothing; on the command line, all.
      if (prefixes.length > 0) socket.subscribe(...prefixes);
      else if (socket.type === "SUB") socket.subscribe();
    }
    for (const endpoint of this.#flags.list("bind")) {
      await socket.bind(endpoint);
    }
    for (const endpoint of this.#flags.list("connect")) {
      if (socket instanceof Peer) {
        const id = socket.connect(endpoint);
        this.#io.warn(`zmq: peer ${endpoint} has routing id ${id}`);
      } else {
        socket.connect(endpoint);
      }
    }
  }

  /** Does what the type does on the command line. */
  async #play(): Promise<void> {
    const echo = this.#flags.boolean("echo");
    switch (this.#kind.role) {
      case "send":
        return await this.#sendAll(this.#input());
      case "receive":
        return await this.#receiveAll(false);
      case "request":
        return await this.#request(this.#input());
      case "reply":
        return await this.#reply(echo ? undefined : this.#input());
      case "both": {
        const receiving = this.#receiveAll(echo);
        if (echo) return await receiving;
        // Done once stdin is all sent and -n COUNT messages came in: an
        // answer typed after the last message still goes.
        await Promise.all([receiving, this.#sendAll(this.#input())]);
        return;
      }
    }
  }

  /** The messages of stdin. */
  #input(): AsyncIterator<CliMessage> {
    const group = this.#flags.string("group");
    const leading: LeadingField | undefined = group === undefined
      ? this.#kind.leading
      : undefined;
    const messages = this.#format.read(this.#io.stdin, leading);
    const iterator = messages[Symbol.asyncIterator]();
    return {
      next: async () => {
        let next: IteratorResult<CliMessage>;
        try {
          next = await iterator.next();
        } catch (error) {
          this.#badInput = error;
          throw error;
        }
        if (next.done) return next;
        if (group !== undefined) next.value.group = group;
        return next;
      },
    };
  }

  /** The next message of stdin, unless the run stops first. */
  #next(input: AsyncIterator<CliMessage>): Promise<IteratorResult<CliMessage>> {
    const signal = this.#stop.signal;
    signal.throwIfAborted();
    return unlessAborted(input.next(), signal);
  }

  async #sendAll(input: AsyncIterator<CliMessage>): Promise<void> {
    const sendOnly = this.#kind.role === "send";
    while (!sendOnly || this.#count < this.#limit) {
      const next = await this.#next(input);
      if (next.done) return;
      await this.#send(next.value, true);
      if (sendOnly) this.#count++;
    }
  }

  async #receiveAll(echo: boolean): Promise<void> {
    while (this.#count < this.#limit) {
      const message = await this.#receive();
      this.#count++;
      // A STREAM's [id, ""] is a peer arriving or leaving: echoed, it would
      // close the connection.
      const notification = this.#socket.type === "STREAM" &&
        message.frames[1]?.length === 0;
      if (echo && !notification) await this.#send(message);
    }
  }

  async #request(input: AsyncIterator<CliMessage>): Promise<void> {
    while (this.#count < this.#limit) {
      const next = await this.#next(input);
      if (next.done) return;
      await this.#send(next.value, true);
      await this.#receive();
      await this.#output.flush();
      this.#count++;
    }
  }

  async #reply(input: AsyncIterator<CliMessage> | undefined): Promise<void> {
    while (this.#count < this.#limit) {
      // From a file the reply is read first (a request taken once stdin
      // ended goes unanswered); a pipe's writer may answer what is printed.
      let reply = input && this.#next(input);
      if (reply && this.#io.stdinIsFile) {
        const next = await reply;
        if (next.done) return;
        reply = Promise.resolve(next);
      }
      const stdinOver = new AbortController();
      reply?.then(
        (next) => next.done ? stdinOver.abort() : undefined,
        () => stdinOver.abort(),
      );
      let request: CliMessage;
      try {
        request = await this.#receive(reply && stdinOver.signal);
      } catch (error) {
        if (!reply || !stdinOver.signal.aborted) throw error;
        await reply; // a line that cannot be read fails the run
        return;
      }
      await this.#output.flush();
      this.#count++;
      if (!reply) {
        await this.#send(request);
        continue;
      }
      const next = await reply;
      if (next.done) return;
      await this.#send(next.value, true);
    }
  }

  /** Receives a message and prints it, unless the run or `until` stops. */
  async #receive(until?: AbortSignal): Promise<CliMessage> {
    const stop = this.#stop.signal;
    let message: CliMessage;
    try {
      message = fromReceived(
        await this.#socket.receive({
          signal: until ? AbortSignal.any([stop, until]) : stop,
        }),
      );
    } catch (error) {
      throw timedOut(
        error,
        "no message arrived",
        this.#flags.integer("timeout"),
      );
    }
    this.#stats?.received(message);
    await this.#output.write(this.#format.write(message));
    return message;
  }

  /**
   * Sends a message: one of stdin it cannot send, or to no peer, is bad input.
   */
  async #send(message: CliMessage, fromStdin = false): Promise<void> {
    try {
      await sendAs(this.#socket, message, this.#stop.signal);
    } catch (error) {
      if (
        fromStdin && !this.#stop.signal.aborted &&
        (error instanceof CliError ||
          error instanceof ZmqError &&
            (error.code === "EINVAL" || error.code === "EHOSTUNREACH"))
      ) {
        const where = whereFrom.get(message) ?? "stdin";
        throw this.#badInput = new CliError(`${where}: ${error.message}`);
      }
      throw timedOut(
        error,
        "no peer took a message",
        this.#flags.integer("timeout"),
      );
    }
    this.#stats?.sent(message);
  }
}
