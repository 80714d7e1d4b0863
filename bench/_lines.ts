/**
 * JSON lines from a bench process's stdout.
 *
 * @module
 */

/**
 * Reads a child's stdout as JSON lines, one object each.
 *
 * @example
 * ```ts ignore
 * const lines = new Lines(child.stdout);
 * const endpoint = await lines.until("endpoint");
 * ```
 */
export class Lines {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  /** @param stream A child process's stdout. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** The next line, parsed; lines that are not JSON objects are skipped (OpenPGM warns on stdout). */
  async next(): Promise<Record<string, number | string>> {
    for (;;) {
      while (!this.#buffer.includes("\n")) {
        const { value, done } = await this.#reader.read();
        if (done) throw new Error("a benchmark process ended early");
        this.#buffer += value;
      }
      const index = this.#buffer.indexOf("\n");
      const line = this.#buffer.slice(0, index);
      this.#buffer = this.#buffer.slice(index + 1);
      if (line.startsWith("{")) return JSON.parse(line);
    }
  }

  /** Reads to the end, so the process can exit. */
  async drain(): Promise<void> {
    while (!(await this.#reader.read()).done) {
      // Nothing more is wanted.
    }
  }
  /** The value of `key` in the next line that has it. */
  async until(key: string): Promise<number | string> {
    while (true) {
      const line = await this.next();
      if (key in line) return line[key];
    }
  }
}
