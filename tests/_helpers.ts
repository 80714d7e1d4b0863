import { AssertionError } from "@std/assert";
import { codec } from "../mod.ts";

/**
 * Checks an event's type and narrows it (the npm build of @std/assert has no
 * types, so its `assert` cannot narrow).
 */
export function expectEvent<E extends { type: string }, T extends E["type"]>(
  event: E | undefined,
  type: T,
): Extract<E, { type: T }> {
  if (event?.type !== type) {
    throw new AssertionError(
      `expected a "${type}" event, got ${event ? `"${event.type}"` : "none"}`,
    );
  }
  return event as Extract<E, { type: T }>;
}

/**
 * Sends until the receiver has a message, for the one wait ZeroMQ cannot
 * signal: a subscription (or a reconnect) reaching a publisher. Each send
 * waits at most 10 ms for the receive; the receive's own deadline bounds it.
 */
export async function sendUntilReceived<T>(
  send: () => Promise<void>,
  receiving: Promise<T>,
): Promise<T> {
  let done = false;
  const settled = receiving.finally(() => done = true);
  while (!done) {
    await send();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      settled.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 10)),
    ]);
    clearTimeout(timer);
  }
  return await settled;
}

/** A TCP port free on 127.0.0.1 just now, for tests that must bind one endpoint twice. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A frame as UTF-8 text. */
export const decode = (frame: Uint8Array): string =>
  new TextDecoder().decode(frame);

/** Options for a `send`/`receive` that fails a broken test instead of hanging it. */
export const timeout = (): { signal: AbortSignal } => ({
  signal: AbortSignal.timeout(5000),
});

/**
 * Completes a NULL handshake on a raw connection as a peer of the given
 * socket type (our READY included), for a test that then misbehaves on
 * purpose; returns the peer's codec connection, ready.
 */
export async function handshakeAs(
  raw: Deno.Conn,
  socketType: codec.SocketType,
): Promise<codec.Connection> {
  const fake = new codec.Connection({ socketType });
  for (const chunk of fake.takeOutput()) await raw.write(chunk);
  const buffer = new Uint8Array(4096);
  while (fake.state !== "ready") {
    const count = await raw.read(buffer);
    if (count === null) throw new Error("closed during the handshake");
    fake.receive(buffer.slice(0, count));
  }
  for (const chunk of fake.takeOutput()) await raw.write(chunk);
  return fake;
}
