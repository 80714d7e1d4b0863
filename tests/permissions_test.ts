/**
 * What Deno's permissions refuse: a child process run with narrow flags
 * and `--no-prompt`, as a sandboxed program runs.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";

const root = new URL("..", import.meta.url).pathname;

/** The lines (JSON) `script` prints for `endpoint`, without the permission. */
async function linesOfDenied(
  script: string,
  endpoint: string,
): Promise<Record<string, string>[]> {
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      `--allow-read=${root}`,
      `tests/permissions/${script}`,
      endpoint,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const errors = new TextDecoder().decode(stderr);
  assert(success, errors);
  return new TextDecoder().decode(stdout).trim().split("\n").map((line) =>
    JSON.parse(line)
  );
}

for (
  const [endpoint, flag] of [
    ["tcp://127.0.0.2:5555", "--allow-net"],
    ["ipc:///nonexistent/zmtp-denied.sock", "--allow-read"],
  ]
) {
  Deno.test(`a connect to ${endpoint} that Deno's permissions refuse is given up at once (connect-abandoned, saying which flag), not retried for ever`, async () => {
    const events = await linesOfDenied("connect_denied.ts", endpoint);
    assertEquals(events.at(-1)?.type, "connect-abandoned");
    assert(events.at(-1)?.reason?.includes(flag), events.at(-1)?.reason);
    assertEquals(
      events.filter((event) => event.type === "connect-retried"),
      [],
    );
  });
}

for (
  const [endpoint, flag] of [
    ["tcp://127.0.0.2:0", "--allow-net"],
    ["ipc:///nonexistent/zmtp-denied.sock", "--allow-read"],
  ]
) {
  Deno.test(`a bind to ${endpoint} that Deno's permissions refuse fails with EACCES, saying which flag`, async () => {
    const [result] = await linesOfDenied("bind_denied.ts", endpoint);
    assertEquals(result.code, "EACCES");
    assert(result.message.includes(flag), result.message);
  });
}
