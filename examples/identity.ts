/**
 * Identity check (the guide's identity.c): a ROUTER on inproc://example
 * dumps what it gets from an anonymous REQ (a generated 5-byte identity)
 * and from a REQ that set its identity to "PEER2".
 *
 *     deno run examples/identity.ts
 *
 * @module
 */
import { Context, type Message, Request, Router } from "@zmtp/zmq";

/**
 * The guide's s_dump: a rule, then each frame as `[size] text`, or in
 * hexadecimal if it is not printable.
 */
export function dump(message: Message): string[] {
  const lines = ["----------------------------------------"];
  for (const frame of message) {
    const isText = frame.every((byte) => byte >= 32 && byte <= 126);
    const body = isText
      ? new TextDecoder().decode(frame)
      : Array.from(frame, (byte) => byte.toString(16).padStart(2, "0"))
        .join("").toUpperCase();
    lines.push(`[${String(frame.length).padStart(3, "0")}] ${body}`);
  }
  return lines;
}

/** Runs the check, printing what the ROUTER got from each REQ. */
export async function identityCheck(
  print: (line: string) => void = console.log,
): Promise<void> {
  await using context = new Context();
  const sink = new Router({ context });
  await sink.bind("inproc://example");
  // First allow 0MQ to set the identity
  const anonymous = new Request({ context });
  anonymous.connect("inproc://example");
  await anonymous.send("ROUTER uses a generated 5 byte identity");
  dump(await sink.receive()).forEach((line) => print(line));
  // Then set the identity ourselves
  const identified = new Request({ context, routingId: "PEER2" });
  identified.connect("inproc://example");
  await identified.send("ROUTER socket uses REQ's socket identity");
  dump(await sink.receive()).forEach((line) => print(line));
}

if (import.meta.main) await identityCheck();
