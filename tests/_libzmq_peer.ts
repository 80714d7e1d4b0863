/**
 * Drives the libzmq peer (tests/peer/libzmq_peer.cjs, under Node) from a test.
 */

const _decoder = new TextDecoder();
const _encoder = new TextEncoder();
const _script = new URL("./peer/libzmq_peer.cjs", import.meta.url).pathname;

function _toBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function _fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

type Reply = {
  id: number;
  ok: boolean;
  error?: string | undefined;
  [key: string]: unknown;
};

/** A libzmq process of ours, speaking JSON lines. */
export class LibzmqPeer implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #pending = new Map<number, PromiseWithResolvers<Reply>>();
  #nextId = 1;
  #reading: Promise<void>;
  #sockets = 0;

  constructor() {
    this.#child = new Deno.Command("node", {
      args: [_script],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      cwd: new URL("..", import.meta.url).pathname,
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    let buffered = "";
    for await (const chunk of this.#child.stdout) {
      buffered += _decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const reply = JSON.parse(buffered.slice(0, newline)) as Reply;
        buffered = buffered.slice(newline + 1);
        this.#pending.get(reply.id)?.resolve(reply);
        this.#pending.delete(reply.id);
      }
    }
    for (const pending of this.#pending.values()) {
      pending.reject(new Error("the libzmq peer exited"));
    }
  }

  async request(
    op: string,
    args: Record<string, unknown> = {},
  ): Promise<Reply> {
    const id = this.#nextId++;
    const pending = Promise.withResolvers<Reply>();
    this.#pending.set(id, pending);
    try {
      await this.#writer.write(
        _encoder.encode(JSON.stringify({ id, op, ...args }) + "\n"),
      );
    } catch (error) {
      // A killed process: nobody will answer, and nobody must be left waiting.
      this.#pending.delete(id);
      throw error;
    }
    const reply = await pending.promise;
    if (!reply.ok) throw new Error(`libzmq peer: ${op} failed: ${reply.error}`);
    return reply;
  }

  /** Opens a zeromq.js socket of a class (`Push`, `Reply`…); returns its name. */
  async open(
    type: string,
    options: Record<string, unknown> = {},
  ): Promise<LibzmqSocket> {
    const socket = `s${++this.#sockets}`;
    await this.request("open", { socket, type, options });
    return new LibzmqSocket(this, socket);
  }

  /**
   * Starts a ZAP handler in the libzmq process that allows these PLAIN
   * users and CURVE public keys (hex), answering with `userId` (default:
   * the username).
   */
  async zapHandler(
    allow: {
      users?: Record<string, string> | undefined;
      keys?: string[] | undefined;
      userId?: string | undefined;
      /** A status code to answer every request with ("300", say). */
      status?: string | undefined;
    },
  ): Promise<void> {
    await this.request("zapHandler", allow);
  }

  /** What the ZAP handler was asked so far. */
  async zapLog(): Promise<Record<string, string>[]> {
    return (await this.request("zapLog")).log as Record<string, string>[];
  }

  /** Sends the Node process a signal (SIGSTOP freezes it with its connections open). */
  kill(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.request("exit").catch(() => {});
    await this.#writer.close().catch(() => {});
    await this.#reading;
    await this.#child.status;
  }
}

/** One socket inside the libzmq peer. */
export class LibzmqSocket {
  constructor(readonly peer: LibzmqPeer, readonly name: string) {}

  /**
   * Binds. Where a libzmq socket of this peer just closed, the port may
   * still be taken for a moment (zmq_close returns before libzmq's reaper
   * thread closes the listener): EADDRINUSE is tried again for up to 5 s.
   */
  async bind(endpoint: string): Promise<string> {
    const deadline = Date.now() + 5000;
    while (true) {
      try {
        const reply = await this.peer.request("bind", {
          socket: this.name,
          endpoint,
        });
        return reply.endpoint as string;
      } catch (error) {
        const inUse = String(error).includes("Address already in use");
        if (!inUse || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** Connects; a ROUTER may name the peer (`{ routingId }`). */
  async connect(
    endpoint: string,
    options: { routingId?: string } = {},
  ): Promise<void> {
    await this.peer.request("connect", {
      socket: this.name,
      endpoint,
      options,
    });
  }

  /** Sets a libzmq option zeromq.js has no property for, as bytes. */
  async setBytesOption(
    option: number,
    value: string | Uint8Array,
  ): Promise<void> {
    const bytes = typeof value === "string" ? _encoder.encode(value) : value;
    await this.peer.request("setBytesOption", {
      socket: this.name,
      option,
      value: _toBase64(bytes),
    });
  }

  /** Sends `${prefix}${i}` for i from 1 to `count`, as fast as libzmq takes them. */
  async sendSequence(prefix: string, count: number): Promise<void> {
    await this.peer.request("sendSequence", {
      socket: this.name,
      prefix,
      count,
    });
  }

  /**
   * Sends `size`-byte messages until one waits `wait` ms in vain (the peer
   * stopped reading: `blocked`) or `limit` went.
   */
  async sendUntilBlocked(
    size: number,
    limit: number,
    wait: number,
  ): Promise<{ sent: number; blocked: boolean }> {
    const reply = await this.peer.request("sendUntilBlocked", {
      socket: this.name,
      size,
      limit,
      wait,
    });
    return { sent: reply.sent as number, blocked: reply.blocked as boolean };
  }

  /** Sends; a Server names the peer (`routingId`), a Radio the `group`. */
  async send(
    frames: (string | Uint8Array)[],
    options: {
      routingId?: number | undefined;
      group?: string | Uint8Array | undefined;
    } = {},
  ): Promise<void> {
    const bytes = frames.map((f) =>
      typeof f === "string" ? _encoder.encode(f) : f
    );
    const group = typeof options.group === "string"
      ? _encoder.encode(options.group)
      : options.group;
    await this.peer.request("send", {
      socket: this.name,
      frames: bytes.map(_toBase64),
      routingId: options.routingId,
      group: group && _toBase64(group),
    });
  }

  async receive(timeout = 5000): Promise<Uint8Array<ArrayBuffer>[]> {
    return (await this.receiveWith(timeout)).frames;
  }

  /**
   * Receives, with what a draft type reports beside the frames: a Server's
   * `routingId`, a Dish's `group`.
   */
  async receiveWith(
    timeout = 5000,
  ): Promise<
    {
      frames: Uint8Array<ArrayBuffer>[];
      routingId?: number | undefined;
      group?: Uint8Array | undefined;
    }
  > {
    const reply = await this.peer.request("receive", {
      socket: this.name,
      timeout,
    });
    return {
      frames: (reply.frames as string[]).map(_fromBase64),
      routingId: reply.routingId as number | undefined,
      group: typeof reply.group === "string"
        ? _fromBase64(reply.group)
        : undefined,
    };
  }

  /** A Dish joins a group. */
  async join(group: string | Uint8Array): Promise<void> {
    const bytes = typeof group === "string" ? _encoder.encode(group) : group;
    await this.peer.request("join", {
      socket: this.name,
      group: _toBase64(bytes),
    });
  }

  /** A Dish leaves a group. */
  async leave(group: string | Uint8Array): Promise<void> {
    const bytes = typeof group === "string" ? _encoder.encode(group) : group;
    await this.peer.request("leave", {
      socket: this.name,
      group: _toBase64(bytes),
    });
  }

  async unsubscribe(topic: string | Uint8Array = ""): Promise<void> {
    const bytes = typeof topic === "string" ? _encoder.encode(topic) : topic;
    await this.peer.request("unsubscribe", {
      socket: this.name,
      topic: _toBase64(bytes),
    });
  }

  async subscribe(topic: string | Uint8Array = ""): Promise<void> {
    const bytes = typeof topic === "string" ? _encoder.encode(topic) : topic;
    await this.peer.request("subscribe", {
      socket: this.name,
      topic: _toBase64(bytes),
    });
  }

  /** Answers every message with itself, in the background (REP, ROUTER, DEALER). */
  async echo(): Promise<void> {
    await this.peer.request("echo", { socket: this.name });
  }

  /**
   * Makes libzmq process pending commands, such as attaching a new peer,
   * reading ZMQ_EVENTS: zeromq.js's `readable` and `writable`.
   */
  async touch(): Promise<{ readable: boolean; writable: boolean }> {
    const reply = await this.peer.request("touch", { socket: this.name });
    return {
      readable: reply.readable as boolean,
      writable: reply.writable as boolean,
    };
  }

  async close(): Promise<void> {
    await this.peer.request("close", { socket: this.name });
  }
}
