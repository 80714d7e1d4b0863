/**
 * The command line's flags: a table of what each command takes, read
 * strictly (an unknown flag or a value of the wrong kind is an error, not a
 * guess), and the same table prints the help.
 *
 * @module
 */

import { CliError } from "./_errors.ts";

/** What a flag takes. */
export type FlagKind =
  /** Nothing: present or not. */
  | "boolean"
  /** One value; given twice, the last one wins. */
  | "string"
  /** One integer. */
  | "integer"
  /** A value each time it is given, in order. */
  | "list";

/** One flag of a command. */
export interface FlagSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** A one-letter alias, without `-`. */
  readonly short?: string | undefined;
  /** What it takes. */
  readonly kind: FlagKind;
  /** The value's name in the help (`EP`, `MS`…). */
  readonly value?: string | undefined;
  /** One line of help. */
  readonly help: string;
  /** The smallest integer accepted. */
  readonly min?: number | undefined;
  /** The largest integer accepted. */
  readonly max?: number | undefined;
}

/**
 * Flags and positional arguments read against a table of
 * {@linkcode FlagSpec}s, with a typed getter per kind.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./_args.ts";
 *
 * const parsed = parseFlags(["--bind", "tcp://*:5557", "-n", "3"], [
 *   { name: "bind", kind: "list", help: "binds" },
 *   { name: "count", short: "n", kind: "integer", help: "stops after" },
 * ], "zmq pull");
 * console.log(parsed.list("bind"), parsed.integer("count")); // ["tcp://*:5557"] 3
 * ```
 */
export class ParsedFlags {
  /** The arguments that are not flags, in order. */
  readonly positionals: readonly string[];
  #values: Map<string, string | number | boolean | string[]>;

  /**
   * Wraps what {@linkcode parseFlags} read.
   *
   * @param values The flags' values, by long name.
   * @param positionals The other arguments.
   */
  constructor(
    values: Map<string, string | number | boolean | string[]>,
    positionals: string[],
  ) {
    this.#values = values;
    this.positionals = positionals;
  }

  /** Whether the flag was given. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** A boolean flag: given or not. */
  boolean(name: string): boolean {
    return this.#values.get(name) === true;
  }

  /** A string flag's value, if given. */
  string(name: string): string | undefined {
    const value = this.#values.get(name);
    return typeof value === "string" ? value : undefined;
  }

  /** An integer flag's value, if given. */
  integer(name: string): number | undefined {
    const value = this.#values.get(name);
    return typeof value === "number" ? value : undefined;
  }

  /** A list flag's values, in the order given (none if not given). */
  list(name: string): string[] {
    const value = this.#values.get(name);
    return Array.isArray(value) ? value : [];
  }
}

/**
 * Reads arguments against a command's flags: `--name value`,
 * `--name=value`, `-x value`, `-xvalue`, and `--` before arguments that
 * start with `-`. A value may start with `-` (`--linger -1`).
 *
 * @example
 * ```ts
 * import { parseFlags } from "./_args.ts";
 *
 * try {
 *   parseFlags(["--bnid", "tcp://*:5557"], [], "zmq pull");
 * } catch (error) {
 *   console.log((error as Error).message); // "unknown flag --bnid for zmq pull; see zmq pull --help"
 * }
 * ```
 *
 * @param args The arguments after the command's name.
 * @param specs The flags the command takes.
 * @param command The command, for the messages (`zmq pull`).
 * @returns The values read.
 * @throws {CliError} For an unknown flag, a missing value, a value of the
 * wrong kind.
 */
export function parseFlags(
  args: readonly string[],
  specs: readonly FlagSpec[],
  command: string,
): ParsedFlags {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const byShort = new Map(
    specs.filter((spec) => spec.short).map((spec) => [spec.short!, spec]),
  );
  const values = new Map<string, string | number | boolean | string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
      if (equals >= 0) inline = arg.slice(equals + 1);
      spec = byName.get(name);
      shown = `--${name}`;
    } else if (arg.startsWith("-") && arg.length > 1) {
      spec = byShort.get(arg[1]);
      if (arg.length > 2) inline = arg.slice(2);
      shown = `-${arg[1]}`;
    } else {
      positionals.push(arg);
      continue;
    }
    if (!spec) {
      throw new CliError(
        `unknown flag ${shown} for ${command}; see ${command} --help`,
      );
    }
    if (spec.kind === "boolean") {
      if (inline !== undefined) {
        throw new CliError(`${shown} takes no value`);
      }
      values.set(spec.name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length) {
        throw new CliError(`${shown} needs a value: ${shown} ${spec.value}`);
      }
      value = args[++i];
    }
    if (spec.kind === "list") {
      const list = values.get(spec.name) as string[] | undefined;
      values.set(spec.name, [...list ?? [], value]);
    } else if (spec.kind === "integer") {
      values.set(spec.name, _integer(shown, value, spec.min, spec.max));
    } else {
      values.set(spec.name, value);
    }
  }
  return new ParsedFlags(values, positionals);
}

/**
 * The help's lines for a table of flags: the flag and its value, then what
 * it does, in two columns.
 *
 * @example
 * ```ts
 * import { formatFlags } from "./_args.ts";
 *
 * console.log(formatFlags([
 *   { name: "count", short: "n", kind: "integer", value: "COUNT", help: "stops after COUNT" },
 * ]));
 * // "  -n, --count COUNT  stops after COUNT"
 * ```
 *
 * @param specs The flags.
 * @returns One line per flag.
 */
export function formatFlags(specs: readonly FlagSpec[]): string {
  const heads = specs.map((spec) =>
    `${spec.short ? `-${spec.short}, ` : "    "}--${spec.name}${
      spec.value ? ` ${spec.value}` : ""
    }`
  );
  const width = Math.max(...heads.map((head) => head.length));
  const indent = " ".repeat(width + 4);
  return specs.map((spec, i) =>
    `  ${heads[i].padEnd(width)}  ${
      wrapText(spec.help, 78 - indent.length).join(`\n${indent}`)
    }`
  ).join("\n");
}

/**
 * Text folded into lines of at most `columns` characters, at spaces (a
 * longer word keeps a line of its own).
 *
 * @example
 * ```ts
 * import { wrapText } from "./_args.ts";
 *
 * console.log(wrapText("one two three", 8)); // ["one two", "three"]
 * ```
 *
 * @param text The text.
 * @param columns The widest line.
 * @returns The lines.
 */
export function wrapText(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + word.length + 1 > columns) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}

function _integer(
  flag: string,
  text: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new CliError(`${flag} takes an integer, not "${text}"`);
  }
  if (value < min) {
    throw new CliError(`${flag} is at least ${min}, not ${value}`);
  }
  if (value > max) {
    throw new CliError(`${flag} is at most ${max}, not ${value}`);
  }
  return value;
}
