/**
 * Runs the `zmq` command (cli/mod.ts) as a subprocess for the tests: to
 * completion with a given stdin, or in the background, reading its output
 * as it comes.
 */

const _root = new URL("../../", import.meta.url);
const _encoder = new TextEncoder();
const _decoder = new TextDecoder();

/**
 * What Deno itself prints while another of the tests' commands sets up the
 * repository's node_modules (they start by the dozen at once): the
 * runtime's, not the command's, and no line of its stderr (in colour
 * unless NO_COLOR is set).
 */
const _LOCK_WAIT =
  /^\S*Blocking\S* waiting for file lock on node_modules directory\n/m;

/** How long a test waits for the command, at most. */
const _DEADLINE_MS = 15_000;

/** What a finished command left. */
export interface Finished {
  /** The exit code. */
  code: number;
  /** Its stdout, as bytes. */
  stdout: Uint8Array;
  /** Its stdout, as text. */
  text: string;
  /** Its stderr, as text. */
  stderr: string;
}

/**
 * `zmq ARGS` under the repository's deno.json, stdout and stderr piped: for
 * a test that handles the process itself (a pipe it never reads, a reader
 * that goes away); {@linkcode RunningZmq} handles it otherwise.
 */
export function zmqCommand(
  args: string[],
  stdin: "piped" | "null" = "null",
  stdinFile?: string,
): Deno.Command {
  const run = ["run", "-A", "cli/mod.ts", ...args];
  // A file as stdin (`< replies.txt`) takes a shell: Deno.Command pipes.
  const [command, commandArgs] = stdinFile === undefined
    ? [Deno.execPath(), run]
    : ["/bin/sh", [
      "-c",
      'exec "$0" "$@" < "$ZMQ_STDIN"',
      Deno.execPath(),
      ...run,
    ]];
  return new Deno.Command(command, {
    args: commandArgs,
    cwd: _root,
    // Deno's own lines plain (see _LOCK_WAIT), whatever the terminal.
    env: { NO_COLOR: "1", ...(stdinFile ? { ZMQ_STDIN: stdinFile } : {}) },
    stdin: stdinFile === undefined ? stdin : "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/**
 * Runs `zmq ARGS` with stdin (nothing by default: stdin is closed) and
 * waits for it to exit.
 */
export async function zmq(
  args: string[],
  stdin?: string | Uint8Array,
): Promise<Finished> {
  await using running = new RunningZmq(args, stdin === undefined);
  if (stdin !== undefined) {
    await running.write(stdin);
    await running.closeStdin();
  }
  return await running.finished();
}

/** A `zmq` process running in the background. */
export class RunningZmq implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #stdout: Uint8Array[] = [];
  #stderr = "";
  #read = 0; // stdout bytes already given out as lines
  #changed = Promise.withResolvers<void>();
  #reading: Promise<void>;
  #status: Promise<Deno.CommandStatus>;
  #exited = false;
  #done: Promise<void>;

  /**
   * Starts `zmq ARGS`.
   *
   * @param args The arguments.
   * @param noStdin Start with stdin closed (as `< /dev/null`).
   * @param stdinFile A file to read stdin from (as `< FILE`).
   */
  constructor(args: string[], noStdin = false, stdinFile?: string) {
    const piped = !noStdin && stdinFile === undefined;
    this.#child = zmqCommand(args, piped ? "piped" : "null", stdinFile).spawn();
    if (piped) this.#stdin = this.#child.stdin.getWriter();
    this.#reading = Promise.all([
      this.#collect(this.#child.stdout, (chunk) => this.#stdout.push(chunk)),
      this.#collect(this.#child.stderr, (chunk) => {
        this.#stderr = (this.#stderr + _decoder.decode(chunk, { stream: true }))
          .replace(_LOCK_WAIT, "");
      }),
    ]).then(() => {});
    this.#status = this.#child.status;
    this.#done = this.#status.then(() => this.#reading).then(() => {
      this.#exited = true;
    });
  }

  /** Its stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Writes to its stdin. */
  async write(data: string | Uint8Array): Promise<void> {
    await this.#stdin!.write(
      typeof data === "string" ? _encoder.encode(data) : data,
    );
  }

  /** Ends its stdin. */
  async closeStdin(): Promise<void> {
    await this.#stdin?.close().catch(() => {});
    this.#stdin = undefined;
  }

  /** Waits for a line of stderr matching the pattern. */
  async stderrMatch(pattern: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + _DEADLINE_MS;
    while (true) {
      const match = this.#stderr.match(pattern);
      if (match) return match;
      await this.#waitChange(deadline, `stderr matching ${pattern}`);
    }
  }

  /** The endpoint it bound, read from `--monitor`'s "listening" line. */
  async bound(): Promise<string> {
    return (await this.stderrMatch(/monitor: listening (\S+)/))[1];
  }

  /** Waits for the next line of stdout (without its newline). */
  async stdoutLine(): Promise<string> {
    const deadline = Date.now() + _DEADLINE_MS;
    while (true) {
      const all = this.#stdoutBytes();
      const newline = all.indexOf(0x0a, this.#read);
      if (newline >= 0) {
        const line = _decoder.decode(all.subarray(this.#read, newline));
        this.#read = newline + 1;
        return line;
      }
      await this.#waitChange(deadline, "a line of stdout");
    }
  }

  /** Waits for it to exit, and gives what it left. */
  async finished(): Promise<Finished> {
    await this.closeStdin();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      this.#status,
      new Promise<never>((_, reject) =>
        timer = setTimeout(
          () =>
            reject(
              new Error(`zmq did not exit in time; stderr: ${this.#stderr}`),
            ),
          _DEADLINE_MS,
        )
      ),
    ]).finally(() => clearTimeout(timer));
    await this.#reading;
    const stdout = this.#stdoutBytes();
    return {
      code: status.code,
      stdout,
      text: _decoder.decode(stdout),
      stderr: this.#stderr,
    };
  }

  /** Sends it a signal. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Exited already.
    }
  }

  /** Ends it if it still runs, and releases its pipes. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    if (!this.#exited) this.kill("SIGKILL");
    await this.#status;
    await this.#reading;
  }

  #stdoutBytes(): Uint8Array {
    if (this.#stdout.length > 1) {
      const all = new Uint8Array(
        this.#stdout.reduce((sum, chunk) => sum + chunk.length, 0),
      );
      let at = 0;
      for (const chunk of this.#stdout) {
        all.set(chunk, at);
        at += chunk.length;
      }
      this.#stdout = [all];
    }
    return this.#stdout[0] ?? new Uint8Array(0);
  }

  async #collect(
    stream: ReadableStream<Uint8Array>,
    add: (chunk: Uint8Array) => void,
  ): Promise<void> {
    for await (const chunk of stream) {
      add(chunk);
      this.#changed.resolve();
      this.#changed = Promise.withResolvers();
    }
    this.#changed.resolve();
  }

  async #waitChange(deadline: number, what: string): Promise<void> {
    const left = deadline - Date.now();
    if (this.#exited) {
      throw new Error(
        `zmq exited before ${what}; stderr: ${this.#stderr}`,
      );
    }
    if (left <= 0) {
      throw new Error(`no ${what} in time; stderr so far: ${this.#stderr}`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#changed.promise,
      this.#done,
      new Promise((resolve) => timer = setTimeout(resolve, left)),
    ]).finally(() => clearTimeout(timer));
  }
}
