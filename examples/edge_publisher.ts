/**
 * An edge publisher, as on Deno Deploy: no listening, no files, only an
 * outbound TCP connection. PUB connects out to a SUB that binds elsewhere
 * and publishes a few ticks, 100 ms apart. As any PUB, it drops what it
 * sends before the SUB's subscription reaches it: the handshake comes
 * first, so the first tick may be lost (libzmq's PUB does the same; an
 * XPublisher that waits for the subscription loses none).
 *
 *     deno run --allow-net=127.0.0.1 examples/edge_publisher.ts tcp://127.0.0.1:5563
 *
 * @module
 */
import { Publisher } from "@zmtp/zmq";

/** Publishes `count` ticks on topic "tick" to the subscriber at `endpoint`. */
export async function edgePublisher(
  endpoint: string,
  count = 10,
): Promise<void> {
  await using publisher = new Publisher();
  publisher.connect(endpoint);
  await publisher.events.wait("handshake-succeeded");
  for (let i = 0; i < count; i++) {
    await publisher.send(["tick", String(i)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (import.meta.main) {
  await edgePublisher(
    Deno.args[0] ?? "tcp://127.0.0.1:5563",
    Number(Deno.args[1] ?? 10),
  );
}
