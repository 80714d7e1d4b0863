/**
 * Just enough of headless Chromium and the Chrome DevTools Protocol to load
 * a page and read what it logs: Deno's own WebSocket, no puppeteer.
 *
 * @module
 */

/** Where Debian's `chromium` package puts its launcher. */
const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/**
 * The Chromium to run: `$CHROMIUM_BIN` if set, else Debian's. Throws, saying
 * what installs it, when there is none, so a missing browser reads as such
 * and not as a library bug.
 */
export function findChromium(): string {
  const path = Deno.env.get("CHROMIUM_BIN") ?? DEBIAN_CHROMIUM;
  try {
    if (Deno.statSync(path).isFile) return path;
  } catch {
    // Reported below.
  }
  throw new Error(
    `no Chromium at ${path}: run \`bash .ci/install_browser\` (as root, it ` +
      "apt-installs Debian's chromium) or set CHROMIUM_BIN",
  );
}

/** Rejects with `what` timed out after `ms`, clearing its timer either way. */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** One CDP message from the browser: a reply (with `id`) or an event. */
interface CdpMessage {
  id?: number | undefined;
  method?: string | undefined;
  params?: Record<string, unknown> | undefined;
  result?: Record<string, unknown> | undefined;
  error?: { message: string } | undefined;
  sessionId?: string | undefined;
}

/** A CDP client over one WebSocket; pending calls fail when it closes. */
class Cdp {
  #ws: WebSocket;
  #nextId = 1;
  #pending = new Map<
    number,
    { resolve(r: Record<string, unknown>): void; reject(e: Error): void }
  >();
  #listeners = new Set<(message: CdpMessage) => void>();
  #closed: Promise<void>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const message = JSON.parse(e.data as string) as CdpMessage;
      if (message.id === undefined) {
        for (const listener of this.#listeners) listener(message);
        return;
      }
      const call = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) call?.reject(new Error(message.error.message));
      else call?.resolve(message.result ?? {});
    };
    this.#closed = new Promise((resolve) => {
      ws.onclose = () => {
        for (const call of this.#pending.values()) {
          call.reject(new Error("DevTools connection closed"));
        }
        this.#pending.clear();
        resolve();
      };
    });
  }

  static async connect(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    ws.onerror = null;
    return new Cdp(ws);
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#ws.send(JSON.stringify({ id, method, params, sessionId }));
    return withDeadline(reply, 10_000, method);
  }

  listen(listener: (message: CdpMessage) => void): void {
    this.#listeners.add(listener);
  }

  /** Closes the socket and waits for it, so no resource outlives a test. */
  async close(): Promise<void> {
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
    await this.#closed;
  }
}

/** A page whose console and uncaught exceptions are being collected. */
export interface Page {
  /**
   * Resolves with the first console line (args joined by spaces) that
   * `match` accepts, or rejects after `ms` with everything the page logged.
   */
  waitForConsole(match: (line: string) => boolean, ms: number): Promise<string>;
  /** All console lines, exceptions and browser log entries so far. */
  readonly log: readonly string[];
}

/** A running headless Chromium; `close` (or `await using`) ends it. */
export interface Browser extends AsyncDisposable {
  /** Opens a new tab at `url`, with console collection on before loading. */
  open(url: string): Promise<Page>;
  /** Closes the browser, killing it if it lingers, and removes its profile. */
  close(): Promise<void>;
}

/** Flags for a quiet, throwaway, headless browser on a closed network. */
function chromiumArgs(profile: string): string[] {
  return [
    "--headless",
    // Chromium refuses to run as root with its sandbox; CI runs as root.
    "--no-sandbox",
    "--disable-gpu",
    // Without these, Chromium dials out at start; this machine's closed
    // network refuses, which costs time and fills stderr.
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    `--user-data-dir=${profile}`,
    // Port 0: the OS picks one, so parallel runs do not collide.
    "--remote-debugging-port=0",
    "about:blank",
  ];
}

/** Starts headless Chromium and connects to it over the DevTools protocol. */
export async function launchChromium(
  executable: string = findChromium(),
): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "zmq_chromium_" });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(executable, {
      args: chromiumArgs(profile),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    await Deno.remove(profile, { recursive: true });
    throw e;
  }

  // stderr is read to its end, both for the DevTools address and so a full
  // pipe never stalls the browser; the tail explains a failed launch.
  const stderrTail: string[] = [];
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => announce = resolve);
  const stderrReader = child.stderr.pipeThrough(new TextDecoderStream())
    .getReader();
  const stderrDone = (async () => {
    let pending = "";
    for (;;) {
      const { value, done } = await stderrReader.read();
      if (done) break;
      pending += value;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const found = line.match(/DevTools listening on (ws:\/\/\S+)/);
        if (found) announce(found[1]);
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }
    }
  })().catch(() => {});

  let cdp: Cdp | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      try {
        if (cdp) {
          // Browser.close exits cleanly (children included); the reply may
          // never come as the socket drops, so it is not awaited.
          cdp.send("Browser.close").catch(() => {});
          await withDeadline(child.status, 5_000, "Chromium exit").catch(
            () => child.kill("SIGKILL"),
          );
        } else {
          // It never started properly: nothing to be graceful with.
          try {
            child.kill("SIGKILL");
          } catch {
            // It had exited already.
          }
        }
        await child.status;
        await cdp?.close();
      } finally {
        // A grandchild may still hold stderr open: stop reading regardless.
        await withDeadline(stderrDone, 2_000, "stderr").catch(() =>
          stderrReader.cancel()
        );
        await Deno.remove(profile, { recursive: true }).catch(() => {});
      }
    })();

  try {
    const url = await withDeadline(
      Promise.race([
        announced,
        child.status.then((s) => {
          throw new Error(`Chromium exited with code ${s.code}`);
        }),
      ]),
      20_000,
      "Chromium start",
    );
    cdp = await Cdp.connect(url);
  } catch (e) {
    await close();
    throw new Error(
      `${(e as Error).message}; ${executable} said:\n${stderrTail.join("\n")}`,
    );
  }
  const browser = cdp;

  return {
    async open(url: string): Promise<Page> {
      const { targetId } = await browser.send("Target.createTarget", {
        url: "about:blank",
      });
      const { sessionId } = await browser.send("Target.attachToTarget", {
        targetId,
        flatten: true,
      }) as { sessionId: string };
      const log: string[] = [];
      const waiters = new Set<(line: string) => void>();
      const record = (line: string, console: boolean) => {
        log.push(line);
        if (console) { for (const waiter of waiters) waiter(line); }
      };
      browser.listen((message) => {
        if (message.sessionId !== sessionId) return;
        const params = message.params ?? {};
        if (message.method === "Runtime.consoleAPICalled") {
          const args = params.args as {
            value?: unknown | undefined;
            description?: string | undefined;
          }[];
          record(
            args.map((a) => String(a.value ?? a.description ?? "")).join(" "),
            true,
          );
        } else if (message.method === "Runtime.exceptionThrown") {
          const details = params.exceptionDetails as {
            text: string;
            exception?: { description?: string } | undefined;
          };
          record(
            `uncaught: ${details.exception?.description ?? details.text}`,
            false,
          );
        } else if (message.method === "Log.entryAdded") {
          // Resource and module-resolution failures show up only here.
          const entry = params.entry as { level: string; text: string };
          record(`log ${entry.level}: ${entry.text}`, false);
        }
      });
      await browser.send("Runtime.enable", {}, sessionId);
      await browser.send("Log.enable", {}, sessionId);
      await browser.send("Page.navigate", { url }, sessionId);
      return {
        log,
        waitForConsole(match, ms) {
          const seen = log.find(match);
          if (seen !== undefined) return Promise.resolve(seen);
          let waiter: (line: string) => void = () => {};
          const found = new Promise<string>((resolve) => {
            waiter = (line) => {
              if (match(line)) resolve(line);
            };
            waiters.add(waiter);
          });
          return withDeadline(found, ms, `page ${url}`).catch((e) => {
            throw new Error(`${e.message}; it logged:\n${log.join("\n")}`);
          }).finally(() => waiters.delete(waiter));
        },
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
