/**
 * Broker peering, the state flow (the guide's peering1.c): each broker
 * publishes how many of its workers are free on `ipc://NAME-state.ipc` and
 * subscribes to its peers' states, printing each; whenever a second passes
 * with nothing heard, it publishes its own (a random count). Run three,
 * each naming itself first:
 *
 *     deno run --allow-net --allow-read --allow-write examples/peering1.ts DC1 DC2 DC3 &
 *     deno run --allow-net --allow-read --allow-write examples/peering1.ts DC2 DC1 DC3 &
 *     deno run --allow-net --allow-read --allow-write examples/peering1.ts DC3 DC1 DC2
 *
 * @module
 */
import { Publisher, Subscriber, ZmqError } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the example inside a test. */
export interface PeeringOptions {
  /** A broker's state endpoint. Default: the guide's `ipc://NAME-state.ipc`. */
  stateEndpoint?: ((name: string) => string) | undefined;
  /** How long without news before it sends its own state, in ms. Default 1000. */
  heartbeatMs?: number | undefined;
  /** Returns a number in [0, 1), for the worker counts. */
  random?: (() => number) | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
  /** Ends the broker (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
}

const decoder = new TextDecoder();

/** Runs the broker `self` with its peers, until the signal aborts. */
export async function peeringStateFlow(
  self: string,
  peers: readonly string[],
  options: PeeringOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const stateEndpoint = options.stateEndpoint ??
    ((name: string) => `ipc://${name}-state.ipc`);
  const random = options.random ?? Math.random;
  print(`I: preparing broker at ${self}...`);
  // Bind state backend to endpoint
  await using statebe = new Publisher();
  await statebe.bind(stateEndpoint(self));
  // Connect statefe to all peers
  await using statefe = new Subscriber({
    receiveTimeout: options.heartbeatMs ?? 1000,
  });
  statefe.subscribe("");
  for (const peer of peers) {
    print(`I: connecting to state backend at '${peer}'`);
    statefe.connect(stateEndpoint(peer));
  }
  // The main loop sends out status messages to peers, and collects status
  // messages back from peers. The receive timeout is our own heartbeat.
  while (!options.signal?.aborted) {
    try {
      // Handle incoming status messages
      const [peerName, available] = await statefe.receive({
        signal: options.signal,
      });
      print(
        `${decoder.decode(peerName)} - ${
          decoder.decode(available)
        } workers free`,
      );
    } catch (error) {
      if (options.signal?.aborted) break;
      if (!(error instanceof ZmqError && error.code === "EAGAIN")) throw error;
      // Send random values for worker availability
      await statebe.send([self, String(Math.floor(random() * 10))]);
    }
  }
}

if (import.meta.main) {
  if (Deno.args.length < 1) {
    console.log("syntax: peering1 me {you}...");
  } else {
    using interrupt = catchInterrupt();
    await peeringStateFlow(Deno.args[0], Deno.args.slice(1), {
      signal: interrupt.signal,
    });
  }
}
