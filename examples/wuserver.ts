/**
 * Weather update server (the guide's wuserver.c): binds PUB to
 * tcp://*:5556 and publishes random weather updates.
 *
 *     deno run --allow-net examples/wuserver.ts
 *
 * @module
 */
import { Publisher, type SocketOptions } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside the demo. */
export interface WeatherServerOptions {
  /** Where to bind. Default: the guide's tcp://*:5556. */
  endpoint?: string | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Stops publishing when aborted. Default: never. */
  signal?: AbortSignal | undefined;
  /** Options of the PUB socket (the rate for `epgm://`). */
  socketOptions?: SocketOptions | undefined;
}

const randomOf = (limit: number) => Math.floor(Math.random() * limit);

/** Runs the server. */
export async function weatherServer(
  options: WeatherServerOptions = {},
): Promise<void> {
  await using publisher = new Publisher(options.socketOptions);
  await publisher.bind(options.endpoint ?? "tcp://*:5556");
  options.onBound?.(publisher.lastEndpoint!);
  while (!options.signal?.aborted) {
    // Get values that will fool the boss
    const zipcode = randomOf(100000);
    const temperature = randomOf(215) - 80;
    const relhumidity = randomOf(50) + 10;
    // Send message to all subscribers
    await publisher.send(
      `${String(zipcode).padStart(5, "0")} ${temperature} ${relhumidity}`,
    );
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await weatherServer({ signal: interrupt.signal });
}
