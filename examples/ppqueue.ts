/**
 * Paranoid Pirate queue (the guide's ppqueue.c): a load-balancing broker,
 * ROUTER on tcp://*:5555 for clients (lpclient.ts) and ROUTER on
 * tcp://*:5556 for workers (ppworker.ts), that heartbeats its idle workers
 * and forgets one it has not heard from in three heartbeats, so a request
 * never goes to a worker that crashed or hangs. Ctrl-C stops it.
 *
 *     deno run --allow-net examples/ppqueue.ts
 *
 * @module
 */
import { Router } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { dump } from "./identity.ts";
import { pollOnce } from "./_poll_once.ts";

/** The Paranoid Pirate Protocol's signal: the worker is ready. */
export const PPP_READY = 0x01;
/** The Paranoid Pirate Protocol's signal: a heartbeat, either way. */
export const PPP_HEARTBEAT = 0x02;

/** Options for running the queue inside a test. */
export interface ParanoidQueueOptions {
  /** Where clients connect. Default: the guide's tcp://*:5555. */
  frontend?: string | undefined;
  /** Where workers connect. Default: the guide's tcp://*:5556. */
  backend?: string | undefined;
  /** Time between heartbeats, in ms. Default 1000. */
  heartbeatIntervalMs?: number | undefined;
  /** Heartbeats a worker may miss before it is forgotten. Default 3. */
  liveness?: number | undefined;
  /** Called once both are bound, with the real endpoints. */
  onBound?: ((frontend: string, backend: string) => void) | undefined;
  /** Stops the queue when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** An idle worker, and when the queue gives up on it. */
interface Worker {
  identity: Uint8Array;
  expiry: number;
}

/** Runs the queue until the signal aborts. */
export async function paranoidQueue(
  options: ParanoidQueueOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const interval = options.heartbeatIntervalMs ?? 1000;
  const liveness = options.liveness ?? 3;
  const signal = options.signal;
  await using frontend = new Router({ linger: 0 });
  await using backend = new Router({ linger: 0 });
  await frontend.bind(options.frontend ?? "tcp://*:5555"); // For clients
  await backend.bind(options.backend ?? "tcp://*:5556"); // For workers
  options.onBound?.(frontend.lastEndpoint!, backend.lastEndpoint!);
  // Idle workers by identity, in the order they became ready: a Map keeps
  // insertion order, and a worker heard from again moves to the end.
  const workers = new Map<string, Worker>();
  const heartbeat = new Uint8Array([PPP_HEARTBEAT]);
  let heartbeatAt = Date.now() + interval;
  while (!signal?.aborted) {
    // Poll the frontend only if we have available workers
    const timeoutMs = heartbeatAt - Date.now();
    const next = workers.size > 0
      ? await pollOnce({ backend, frontend }, { signal, timeoutMs })
      : await pollOnce({ backend }, { signal, timeoutMs });
    if (next?.[0] === "backend") {
      const [identity, ...rest] = next[1];
      // Any sign of life from a worker means it's ready
      const key = identity.join();
      workers.delete(key);
      workers.set(key, { identity, expiry: Date.now() + interval * liveness });
      // Validate a control message, or return a reply to its client
      if (rest.length > 1) await frontend.send(rest);
      else if (
        !isSignal(rest[0], PPP_READY) && !isSignal(rest[0], PPP_HEARTBEAT)
      ) {
        print("E: invalid message from worker");
        dump(rest).forEach((line) => print(line));
      }
    } else if (next?.[0] === "frontend") {
      // A client request goes to the worker idle the longest
      const [key, worker] = workers.entries().next().value!;
      workers.delete(key);
      await backend.send([worker.identity, ...next[1]]);
    }
    // Heartbeat the idle workers if it's time, then forget the silent ones:
    // from the oldest on, up to the first still alive.
    if (Date.now() >= heartbeatAt) {
      for (const { identity } of workers.values()) {
        await backend.send([identity, heartbeat]);
      }
      heartbeatAt = Date.now() + interval;
    }
    for (const [key, worker] of workers) {
      if (Date.now() < worker.expiry) break;
      workers.delete(key);
    }
  }
}

function isSignal(frame: Uint8Array | undefined, signal: number): boolean {
  return frame?.length === 1 && frame[0] === signal;
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await paranoidQueue({ signal: interrupt.signal });
}
