/**
 * `--stats`: messages and bytes per second on stderr, every second, and
 * the totals at the end, for long runs.
 *
 * @module
 */

import type { CliMessage } from "./_message.ts";

/** Messages and bytes in one direction. */
interface _Tally {
  messages: number;
  bytes: number;
}

/**
 * Counts what goes in and out, and reports it.
 *
 * @example
 * ```ts
 * import { Stats } from "./_stats.ts";
 *
 * const lines: string[] = [];
 * const stats = new Stats((line) => lines.push(line));
 * stats.start();
 * stats.received({ frames: [new Uint8Array(1000)] });
 * stats.stop();
 * console.log(lines[0].startsWith("stats: in 1 message, 1.0 kB")); // true
 * ```
 */
export class Stats {
  #print: (line: string) => void;
  #in: _Tally = { messages: 0, bytes: 0 };
  #out: _Tally = { messages: 0, bytes: 0 };
  #lastIn: _Tally = { messages: 0, bytes: 0 };
  #lastOut: _Tally = { messages: 0, bytes: 0 };
  #started = performance.now();
  #lastTick = this.#started;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Makes the counters.
   *
   * @param print Writes a line to stderr.
   */
  constructor(print: (line: string) => void) {
    this.#print = print;
  }

  /** Prints the rates every second from now on. */
  start(): void {
    this.#started = this.#lastTick = performance.now();
    this.#timer = setInterval(() => this.#tick(), 1000);
  }

  /** Counts a message received. */
  received(message: CliMessage): void {
    _count(this.#in, message);
  }

  /** Counts a message sent. */
  sent(message: CliMessage): void {
    _count(this.#out, message);
  }

  /**
   * Stops the ticks and prints the totals, if it started: a command that
   * failed before its first message prints its error alone.
   */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const seconds = (performance.now() - this.#started) / 1000;
    const total = (tally: _Tally) =>
      `${_number(tally.messages)} message${tally.messages === 1 ? "" : "s"}, ${
        _bytes(tally.bytes)
      }${
        seconds > 0 && tally.messages > 0
          ? ` (${_number(tally.messages / seconds)} msg/s, ${
            _bytes(tally.bytes / seconds)
          }/s)`
          : ""
      }`;
    this.#print(
      `stats: in ${total(this.#in)}; out ${total(this.#out)}; in ${
        seconds.toFixed(2)
      } s`,
    );
  }

  #tick(): void {
    const now = performance.now();
    const seconds = (now - this.#lastTick) / 1000;
    const rate = (tally: _Tally, last: _Tally) =>
      `${_number((tally.messages - last.messages) / seconds)} msg/s ${
        _bytes((tally.bytes - last.bytes) / seconds)
      }/s`;
    this.#print(
      `stats: in ${rate(this.#in, this.#lastIn)}, out ${
        rate(this.#out, this.#lastOut)
      }`,
    );
    this.#lastIn = { ...this.#in };
    this.#lastOut = { ...this.#out };
    this.#lastTick = now;
  }
}

function _count(tally: _Tally, message: CliMessage): void {
  tally.messages++;
  for (const frame of message.frames) tally.bytes += frame.length;
}

function _number(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function _bytes(value: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(1)} ${units[unit]}`;
}
