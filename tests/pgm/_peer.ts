/**
 * Drives the libzmq peer of the epgm tests: Debian's pyzmq, whose libzmq
 * has OpenPGM (the npm build has none), under a preload that lets its
 * sockets share the port with ours on this one host (see _reuse_shim.c).
 */

const _decoder = new TextDecoder();
const _encoder = new TextEncoder();
const _here = new URL(".", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

/** Why the multicast tests cannot run here, or undefined when they can. */
export async function whyNoMulticast(): Promise<string | undefined> {
  const probe = await _run(PYTHON, [
    "-c",
    "import zmq; print(zmq.has('pgm'))",
  ]).catch(() => undefined);
  if (probe?.trim() !== "True") {
    return `Debian's python3-zmq with PGM is missing (apt-get install -y python3-zmq; .ci/install_peers does it)`;
  }
  if ((await _run("gcc", ["--version"]).catch(() => undefined)) === undefined) {
    return "gcc is missing (it builds the peer's port-sharing preload)";
  }
  // Can this machine join a group on loopback and hear itself?
  try {
    const group = "239.192.255.1";
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: "0.0.0.0",
      port: 0,
      reuseAddress: true,
    });
    try {
      await conn.joinMulticastV4(group, "127.0.0.1");
      const sender = Deno.listenDatagram({
        transport: "udp",
        hostname: "127.0.0.1",
        port: 0,
      });
      try {
        await sender.send(new Uint8Array([1]), {
          transport: "udp",
          hostname: group,
          port: (conn.addr as Deno.NetAddr).port,
        });
        const heard = await Promise.race([
          conn.receive(new Uint8Array(16)).then(() => true),
          new Promise<false>((resolve) => {
            const timer = setTimeout(() => resolve(false), 2000);
            Deno.unrefTimer(timer);
          }),
        ]);
        if (!heard) return "multicast sent on loopback is not heard here";
      } finally {
        sender.close();
      }
    } finally {
      conn.close();
    }
  } catch (error) {
    return `cannot join a multicast group on loopback: ${
      (error as Error).message
    }`;
  }
  return undefined;
}

async function _run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!output.success) throw new Error(`${command} failed`);
  return _decoder.decode(output.stdout);
}

let _shim: Promise<string> | undefined;

/** Builds the preload once per test run, in a temporary directory. */
function _buildShim(): Promise<string> {
  _shim ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "zmtp_pgm_" });
    const library = `${dir}/reuse_shim.so`;
    await _run("gcc", [
      "-shared",
      "-fPIC",
      "-O2",
      "-o",
      library,
      `${_here}_reuse_shim.c`,
      "-ldl",
    ]);
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Gone already.
      }
    });
    return library;
  })();
  return _shim;
}

/** A random group and port, so tests never hear each other. */
export function randomGroup(): string {
  const byte = () => 1 + Math.floor(Math.random() * 250);
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  return `127.0.0.1;239.192.${byte()}.${byte()}:${port}`;
}

/** Hex for the peer. */
export function toHex(frame: Uint8Array | string): string {
  const bytes = typeof frame === "string" ? _encoder.encode(frame) : frame;
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}

function _fromHex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/** A pyzmq PUB or SUB on an epgm endpoint. */
export class PyzmqPeer implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reading: Promise<void>;
  #lines: Record<string, unknown>[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  /** Messages a SUB received, in order. */
  readonly messages: Uint8Array[][] = [];

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reading = this.#read();
    child.stderr.cancel();
  }

  /**
   * Starts a peer and waits until its socket is connected.
   *
   * @param role `pub` or `sub`.
   * @param address What follows `epgm://`.
   * @param rate ZMQ_RATE, in kbit/s.
   */
  static async start(
    role: "pub" | "sub",
    address: string,
    rate: number,
  ): Promise<PyzmqPeer> {
    const child = new Deno.Command(PYTHON, {
      args: [`${_here}_pyzmq_peer.py`, role, `epgm://${address}`, `${rate}`],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { LD_PRELOAD: await _buildShim() },
    }).spawn();
    const peer = new PyzmqPeer(child);
    await peer.#next((line) => line.ready === true);
    return peer;
  }

  async #read(): Promise<void> {
    let buffered = "";
    for await (const chunk of this.#child.stdout) {
      buffered += _decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        // Only the peer's own lines come here (it sends what OpenPGM prints
        // on stdout to /dev/null); anything else is not for us.
        if (!text.startsWith("{")) continue;
        const line = JSON.parse(text);
        if (line.message) {
          this.messages.push((line.message as string[]).map(_fromHex));
        } else this.#lines.push(line);
        this.#wake?.();
      }
    }
    this.#ended = true;
    this.#wake?.();
  }

  async #next(
    match: (line: Record<string, unknown>) => boolean,
    signal: AbortSignal = AbortSignal.timeout(30_000),
  ): Promise<Record<string, unknown>> {
    for (;;) {
      const index = this.#lines.findIndex(match);
      if (index >= 0) return this.#lines.splice(index, 1)[0];
      if (this.#ended) throw new Error("the pyzmq peer exited");
      if (signal.aborted) throw new Error("the pyzmq peer did not answer");
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  /** Waits until a SUB has received `count` messages (or the signal aborts). */
  async received(count: number, signal: AbortSignal): Promise<Uint8Array[][]> {
    while (this.messages.length < count) {
      if (signal.aborted) {
        throw new Error(
          `the pyzmq SUB got ${this.messages.length} of ${count} messages`,
        );
      }
      if (this.#ended) throw new Error("the pyzmq peer exited");
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    return this.messages;
  }

  /** Has a PUB send messages, `pace` seconds apart; resolves once sent. */
  async send(messages: (Uint8Array | string)[][], pace = 0): Promise<void> {
    const line = JSON.stringify({
      send: messages.map((frames) => frames.map(toHex)),
      pace,
    });
    await this.#writer.write(_encoder.encode(line + "\n"));
    await this.#next((reply) => reply.sent !== undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#reading;
    await this.#child.status;
  }
}
