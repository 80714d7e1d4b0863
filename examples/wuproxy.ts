/**
 * Weather proxy (the guide's wuproxy.c, on loopback): XSUB connects to the
 * weather server on tcp://localhost:5556, XPUB publishes on
 * tcp://127.0.0.1:8100, and the proxy carries subscriptions upstream.
 *
 *     deno run --allow-net examples/wuproxy.ts
 *
 * @module
 */
import { proxy, XPublisher, XSubscriber } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the proxy inside a test or the demo. */
export interface WeatherProxyOptions {
  /** The weather server. Default: tcp://localhost:5556. */
  frontend?: string | undefined;
  /** Where subscribers connect. Default: tcp://127.0.0.1:8100. */
  backend?: string | undefined;
  /** Called once bound, with the real backend endpoint. */
  onBound?: ((backend: string) => void) | undefined;
  /** Stops the proxy when aborted. */
  signal?: AbortSignal | undefined;
}

/** Runs the proxy until the signal aborts. */
export async function weatherProxy(
  options: WeatherProxyOptions = {},
): Promise<void> {
  // This is where the weather server sits
  await using frontend = new XSubscriber();
  frontend.connect(options.frontend ?? "tcp://localhost:5556");
  // This is our public endpoint for subscribers
  await using backend = new XPublisher();
  await backend.bind(options.backend ?? "tcp://127.0.0.1:8100");
  options.onBound?.(backend.lastEndpoint!);
  // Run the proxy until the user interrupts us
  await proxy(frontend, backend, { signal: options.signal });
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await weatherProxy({ signal: interrupt.signal });
}
