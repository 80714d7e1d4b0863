/**
 * What a socket keeps in memory, checked where nothing but the collector
 * can tell: each script runs in a process of its own with gc exposed (and
 * is the first of its kind there: the first socket closed in a process is
 * one case), and prints what it found held.
 */
import { assertEquals } from "@std/assert";
import { outputWithin } from "./_helpers.ts";

/** Runs a script of tests/retention/ and returns what it printed. */
async function retained(script: string): Promise<unknown> {
  const { code, stdout, stderr } = await outputWithin(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "--v8-flags=--expose-gc",
      new URL(`./retention/${script}`, import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }, 30_000);
  const decoder = new TextDecoder();
  assertEquals(code, 0, decoder.decode(stderr));
  return JSON.parse(decoder.decode(stdout));
}

Deno.test("a PLAIN password asked of a ZAP handler is not held by the socket once answered, while its client stays connected", async () => {
  assertEquals(await retained("zap_password.ts"), {
    asked: true,
    held: false,
  });
});

Deno.test("a closed socket the app still holds keeps no message it left unread, and the first socket closed in a process is not kept once the app lets it go", async () => {
  assertEquals(await retained("closed_socket.ts"), {
    unread: 1,
    messageHeld: false,
    socketHeld: false,
  });
});

Deno.test("a send abandoned while it waits for a peer (timed out, aborted) lets its message go at once, while another send still waits", async () => {
  assertEquals(await retained("abandoned_send.ts"), {
    abandoned: ["EAGAIN", "TimeoutError"],
    held: 0,
  });
});
