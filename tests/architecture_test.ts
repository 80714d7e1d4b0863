/**
 * Guards of the design: small library files, no Node built-ins, no builtin
 * newer than the runtimes the library runs on, Deno's API only in the
 * transports made for it, no import cycles, layers that only look down
 * (codec ← transport ← patterns), and documentation linted at every entry
 * point.
 */
import { assertEquals } from "@std/assert";

const root = new URL("..", import.meta.url);
const LAYERS = ["codec", "transport", "patterns"] as const;
const MAX_LINES = 450;
const DENO_ALLOWED = new Set([
  "transport/tcp.ts",
  "transport/_tcp_connect.ts",
  "transport/ipc.ts",
  "transport/_stream_listener.ts",
  "transport/ws.ts",
  "transport/websocket_accept.ts",
  "transport/udp.ts",
]);

/**
 * Files that reach Deno's API through `globalThis`, finding out whether the
 * runtime has it: each goes without where it has not (a limit unknown, a
 * permission not asked, a name not resolved, a transport refused).
 */
const DENO_DETECTED = new Set([
  "transport/_permission.ts",
  "transport/_descriptor_limit.ts",
  "transport/_interface_address.ts",
  "transport/_datagram_socket.ts",
]);

/**
 * Where the sources of generated modules live, with the scripts that build
 * them: not part of the library (nor published).
 */
const BUILD_SOURCES = new Set(["codec/_wasm"]);

/** The library's source files, relative to the repository root. */
async function libraryFiles(): Promise<string[]> {
  const files = ["mod.ts"];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(`${dir}/`, root))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        if (!BUILD_SOURCES.has(path)) await walk(path);
      } else if (path.endsWith(".ts") && !path.endsWith("_test.ts")) {
        files.push(path);
      }
    }
  };
  for (const layer of LAYERS) await walk(layer);
  return files.sort();
}

const read = (path: string) => Deno.readTextFile(new URL(path, root));

/**
 * The source with its comments blanked (newlines kept); strings, template
 * literals and regular expressions are skipped over, so neither `"tcp://"`
 * nor `/:\/\//` starts a comment.
 */
function stripComments(source: string): string {
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  let out = "";
  let i = 0;
  let depth = 0; // `{` nesting in code
  const substitutions: number[] = []; // the depth each open `${` closes at
  let last = ""; // the last significant character of code
  const n = source.length;
  /** Scans template text from `start` (just after "`" or "}"). */
  const template = (start: number): number => {
    let j = start;
    while (j < n) {
      if (source[j] === "\\") j += 2;
      else if (source[j] === "`") return j + 1;
      else if (source[j] === "$" && source[j + 1] === "{") {
        substitutions.push(depth);
        return j + 2;
      } else j++;
    }
    return n;
  };
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    let end: number;
    if (c === "/" && next === "/") {
      end = source.indexOf("\n", i);
      if (end < 0) end = n;
      out += blank(source.slice(i, end));
      i = end;
      continue;
    }
    if (c === "/" && next === "*") {
      end = source.indexOf("*/", i + 2);
      end = end < 0 ? n : end + 2;
      out += blank(source.slice(i, end));
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      end = i + 1;
      while (end < n && source[end] !== c && source[end] !== "\n") {
        end += source[end] === "\\" ? 2 : 1;
      }
      end++;
    } else if (c === "`") {
      end = template(i + 1);
    } else if (
      c === "}" && substitutions.length > 0 && substitutions.at(-1) === depth
    ) {
      substitutions.pop();
      end = template(i + 1);
    } else if (
      c === "/" && (last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last))
    ) {
      // A regular expression literal.
      end = i + 1;
      let inClass = false;
      while (end < n && source[end] !== "\n") {
        const r = source[end];
        if (r === "\\") end++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        end++;
      }
      end++;
      while (end < n && /[a-z]/.test(source[end])) end++;
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      out += c;
      if (!/\s/.test(c)) last = c;
      i++;
      continue;
    }
    out += source.slice(i, end);
    last = c;
    i = end;
  }
  return out;
}

interface Graph {
  /** Module → the modules it imports (code or type), repository-relative. */
  edges: Map<string, Map<string, "code" | "type">>;
}

/** Runs `deno info --json` on one root and adds its file:// modules. */
async function addModules(graph: Graph, entry: string): Promise<void> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (code !== 0) {
    throw new Error(`deno info ${entry} failed: ${decoder.decode(stderr)}`);
  }
  const info = JSON.parse(decoder.decode(stdout)) as {
    modules: {
      specifier: string;
      dependencies?: {
        code?: { specifier?: string };
        type?: { specifier?: string };
      }[];
    }[];
  };
  const relative = (specifier: string) =>
    specifier.startsWith(root.href) ? specifier.slice(root.href.length) : "";
  for (const module of info.modules) {
    const from = relative(module.specifier);
    if (!from) continue;
    const targets = graph.edges.get(from) ?? new Map();
    graph.edges.set(from, targets);
    for (const dependency of module.dependencies ?? []) {
      for (const kind of ["code", "type"] as const) {
        const to = relative(dependency[kind]?.specifier ?? "");
        if (to && !targets.has(to)) targets.set(to, kind);
        else if (to && kind === "code") targets.set(to, "code");
      }
    }
  }
}

/** The library's module graph: from mod.ts, plus any file it does not reach. */
async function moduleGraph(): Promise<Graph> {
  const graph: Graph = { edges: new Map() };
  await addModules(graph, "mod.ts");
  for (const file of await libraryFiles()) {
    if (!graph.edges.has(file)) await addModules(graph, file);
  }
  return graph;
}

/**
 * One cycle per strongly connected component (Tarjan), as readable paths:
 * `a.ts → b.ts ⇢ a.ts` (⇢ for a type-only import).
 */
function findCycles(graph: Graph): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.edges.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.edges.get(node)?.has(node)) {
      components.push(component);
    }
  };
  for (const node of [...graph.edges.keys()].sort()) {
    if (!index.has(node)) visit(node);
  }
  return components.map((component) => {
    // The shortest way from the component's first module back to itself.
    const members = new Set(component);
    const start = [...component].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    let found = false;
    while (queue.length > 0 && !found) {
      const node = queue.shift()!;
      for (const next of graph.edges.get(node)?.keys() ?? []) {
        if (!members.has(next)) continue;
        if (next === start) {
          previous.set(start, node);
          found = true;
          break;
        }
        if (!previous.has(next)) {
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    const path = [start];
    for (let node = previous.get(start)!; node !== start;) {
      path.unshift(node);
      node = previous.get(node)!;
    }
    path.unshift(start);
    return path.map((node, i) =>
      i === 0
        ? node
        : `${
          graph.edges.get(path[i - 1])!.get(node) === "type" ? " ⇢ " : " → "
        }${node}`
    ).join("");
  });
}

Deno.test("architecture: no library or command-line file is over 450 lines", async () => {
  const tooLong: string[] = [];
  const cli: string[] = [];
  for await (const entry of Deno.readDir(new URL("cli/", root))) {
    if (entry.name.endsWith(".ts")) cli.push(`cli/${entry.name}`);
  }
  assertEquals(cli.includes("cli/_run.ts"), true, "the cli's files read");
  for (const file of [...await libraryFiles(), ...cli]) {
    const source = await read(file);
    const lines = source.split("\n").length - (source.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) tooLong.push(`${file}: ${lines} lines`);
  }
  assertEquals(tooLong, [], `split files over ${MAX_LINES} lines`);
});

Deno.test("architecture: no node: import in the library", async () => {
  const imports: string[] = [];
  const pattern = /\b(?:from|import|require)\s*\(?\s*["'`](node:[^"'`]*)/g;
  for (const file of await libraryFiles()) {
    for (const match of stripComments(await read(file)).matchAll(pattern)) {
      imports.push(`${file}: ${match[1]}`);
    }
  }
  assertEquals(imports, []);
});

/**
 * Builtins that some runtime the library runs on lacks (Node 20, browsers of
 * 2023, a page that is not a secure context): ES2024 and later, the
 * proposals since, the web's of 2024, and what only secure contexts have. A
 * use needs a fallback of ours (patterns/_fallbacks.ts), except in the
 * transports that run in Deno only.
 */
const TOO_NEW = new RegExp(
  [
    String.raw`\bPromise\.(?:withResolvers|try)\b`,
    String.raw`\b(?:Object|Map)\.groupBy\b`,
    String.raw`\bArray\.fromAsync\b`,
    String.raw`\bIterator\.from\b`,
    String.raw`\bRegExp\.escape\b`,
    String.raw`\bError\.isError\b`,
    String.raw`\bMath\.sumPrecise\b`,
    String.raw`\bFloat16Array\b`,
    String.raw`\bUint8Array\.from(?:Base64|Hex)\b`,
    String.raw`\.(?:union|intersection|symmetricDifference|isSubsetOf)\(`,
    String.raw`\.(?:isSupersetOf|isDisjointFrom|transferToFixedLength)\(`,
    String.raw`\.(?:toBase64|toHex|setFromBase64|setFromHex)\(`,
    String.raw`\.(?:getOrInsert|getOrInsertComputed)\(`,
    String.raw`\b(?:await\s+)?using\s+[\w$]+\s*=`,
    String.raw`\bAbortSignal\.any\b`,
    String.raw`\brandomUUID\b`,
  ].join("|"),
);
const FALLBACKS = "patterns/_fallbacks.ts";
/** The transports that run in Deno only: ws.ts runs in browsers too. */
const DENO_ONLY = new Set(
  [...DENO_ALLOWED].filter((file) => file !== "transport/ws.ts"),
);

Deno.test("architecture: no builtin that a runtime the library runs on lacks, but through a fallback", async () => {
  const uses: string[] = [];
  for (const file of await libraryFiles()) {
    if (DENO_ONLY.has(file) || file === FALLBACKS) continue;
    const lines = stripComments(await read(file)).split("\n");
    lines.forEach((line, i) => {
      if (TOO_NEW.test(line)) uses.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assertEquals(uses, [], "use a fallback that older runtimes have");
  // ws runs outside Deno too (the platform's WebSocket): it is checked.
  assertEquals(DENO_ONLY.has("transport/ws.ts"), false);
  assertEquals(DENO_ONLY.has("transport/tcp.ts"), true);
  // The pattern finds what it names.
  for (
    const line of [
      "const { promise } = Promise.withResolvers();",
      "await using socket = new Push();",
      "const both = mine.union(theirs);",
      "const signal = AbortSignal.any([a, b]);",
      "const name = crypto.randomUUID();",
    ]
  ) assertEquals(TOO_NEW.test(line), true, line);
});

/**
 * The library's code lines that match `pattern`, outside the files
 * `allowed`; and every file with such a line.
 */
async function denoUses(
  pattern: RegExp,
  allowed: (file: string) => boolean,
): Promise<{ uses: string[]; users: Set<string> }> {
  const uses: string[] = [];
  const users = new Set<string>();
  for (const file of await libraryFiles()) {
    const lines = stripComments(await read(file)).split("\n");
    lines.forEach((line, i) => {
      if (!pattern.test(line)) return;
      users.add(file);
      if (!allowed(file)) uses.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return { uses, users };
}

Deno.test("architecture: Deno's API only in the tcp, ipc, ws and listener transports", async () => {
  const { uses, users } = await denoUses(
    /(?<![\w$.])Deno\./,
    (file) => DENO_ALLOWED.has(file),
  );
  assertEquals(uses, [], "Deno. outside the Deno transports");
  // The guard sees real uses (the stripper does not hide code).
  assertEquals(users.has("transport/tcp.ts"), true);
});

Deno.test("architecture: Deno's API reached through globalThis only in the files listed as finding out whether the runtime has it", async () => {
  // `{ Deno?: … }` or `(…).Deno`: what the check above cannot see.
  const { uses, users } = await denoUses(
    /\bDeno\?\s*:|\.Deno\b/,
    (file) => DENO_ALLOWED.has(file) || DENO_DETECTED.has(file),
  );
  assertEquals(uses, [], "Deno reached through globalThis elsewhere");
  assertEquals([...DENO_DETECTED].filter((file) => !users.has(file)), []);
});

Deno.test("architecture: the comment stripper keeps code, strings and regular expressions", () => {
  const source = [
    'const a = "tcp://host"; Deno.one();',
    "const b = /^([a-z]+):\\/\\/(.+)$/.exec(a); Deno.two();",
    "const c = `x ${f({ y: `//` })} // ${1}`; Deno.three(); // Deno.no()",
    "/* Deno.no() */ const d = 4 / 2 / 1; Deno.four();",
    "/** Deno.no()",
    " * Deno.no() */ Deno.five();",
  ].join("\n");
  const code = stripComments(source);
  assertEquals(code.split("\n").length, 6, "lines kept");
  assertEquals(code.match(/Deno\.\w+/g), [
    "Deno.one",
    "Deno.two",
    "Deno.three",
    "Deno.four",
    "Deno.five",
  ]);
});

Deno.test("architecture: no import cycle among the library's modules, type-only imports included", async () => {
  const graph = await moduleGraph();
  const files = await libraryFiles();
  assertEquals(
    files.filter((file) => !graph.edges.has(file)),
    [],
    "every library file is in the graph",
  );
  const kinds = [...graph.edges.values()].flatMap((targets) => [
    ...targets.values(),
  ]);
  assertEquals(kinds.includes("type"), true, "type-only imports are edges");
  assertEquals(findCycles(graph), []);
});

Deno.test("architecture: the cycle finder reports cycles as paths", () => {
  const graph: Graph = {
    edges: new Map([
      ["a.ts", new Map([["b.ts", "code"]])],
      ["b.ts", new Map([["c.ts", "type"], ["d.ts", "code"]])],
      ["c.ts", new Map([["a.ts", "code"]])],
      ["d.ts", new Map([["d.ts", "code"]])],
      ["e.ts", new Map([["a.ts", "code"]])],
    ]) as Graph["edges"],
  };
  assertEquals(findCycles(graph).sort(), [
    "a.ts → b.ts ⇢ c.ts → a.ts",
    "d.ts → d.ts",
  ]);
});

Deno.test("architecture: layers only look down (codec ← transport ← patterns)", async () => {
  const graph = await moduleGraph();
  const layer = (path: string) =>
    LAYERS.indexOf(path.split("/")[0] as typeof LAYERS[number]);
  const upward: string[] = [];
  for (const [from, targets] of graph.edges) {
    const below = layer(from);
    if (below < 0) continue;
    for (const [to, kind] of targets) {
      if (layer(to) > below) upward.push(`${from} → ${to} (${kind})`);
    }
  }
  assertEquals(upward.sort(), []);
});

Deno.test("architecture: `deno task test` lints the docs of every entry point the package exports", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", root)),
  ) as { exports: Record<string, string>; tasks: Record<string, string> };
  const linted = /deno doc --lint ([^&]+)&&/.exec(config.tasks.test)?.[1]
    .trim().split(/\s+/) ?? [];
  const entries = Object.values(config.exports).map((path) =>
    path.replace(/^\.\//, "")
  );
  assertEquals(linted.toSorted(), entries.toSorted());
});
