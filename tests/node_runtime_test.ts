/**
 * The library in another JavaScript runtime: its browser bundle, loaded by
 * Node (the one the libzmq peer runs on) as an ES module, runs sockets over
 * inproc, talks to libzmq over ws, completes a CURVE handshake in the codec,
 * and lets the process end by itself once closed (tests/peer/bundle_in_node.mjs).
 */
import { assertEquals } from "@std/assert";
import { bundle, ROOT } from "./browser/_bundle.ts";
import { outputWithin } from "./_helpers.ts";

const SCRIPT = new URL("./peer/bundle_in_node.mjs", import.meta.url).pathname;
const CLASSIC = new URL("./peer/classic_script_in_node.cjs", import.meta.url)
  .pathname;

/** Node's major version, to know whether its WebSocket needs a flag. */
async function nodeMajor(): Promise<number> {
  const { stdout } = await new Deno.Command("node", { args: ["--version"] })
    .output();
  return Number(/^v(\d+)/.exec(new TextDecoder().decode(stdout))?.[1]);
}

Deno.test("any runtime: the bundle runs in Node, over inproc, over ws to libzmq, and CURVE in the codec", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bundlePath = `${dir}/zmq.mjs`;
    await bundle("mod.ts", bundlePath);
    // Node 22 has a WebSocket of its own; Node 20 behind a flag.
    const flags = await nodeMajor() < 22 ? ["--experimental-websocket"] : [];
    const { code, stdout, stderr } = await outputWithin("node", {
      args: [...flags, SCRIPT, bundlePath],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }, 30_000);
    const output = new TextDecoder().decode(stdout).trim().split("\n");
    const report = new TextDecoder().decode(stderr);
    // Killed at the deadline (a handle left open, or a hang) or failed.
    assertEquals(code, 0, `node ended with ${code}:\n${report}`);
    const { node: _version, ...result } = JSON.parse(output.at(-1)!);
    const whole = { sizes: [0, 300, 1], intact: true };
    assertEquals(result, {
      inproc: whole,
      tcpBind: "EPROTONOSUPPORT",
      inprocClose: { dropped: 0, unread: 0 },
      ws: whole,
      curve: { states: ["ready", "ready"], opened: true },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("any runtime: the bundle as a classic script (an IIFE: no top-level await) runs in Node, CURVE keys included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bundlePath = `${dir}/zmq.js`;
    await bundle("tests/peer/classic_entry.ts", bundlePath, "iife");
    const { code, stdout, stderr } = await outputWithin("node", {
      args: [CLASSIC, bundlePath],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }, 30_000);
    const report = new TextDecoder().decode(stderr);
    assertEquals(code, 0, `node ended with ${code}:\n${report}`);
    const output = new TextDecoder().decode(stdout).trim().split("\n");
    assertEquals(JSON.parse(output.at(-1)!), {
      curve: { same: true },
      inproc: [0, 300],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
