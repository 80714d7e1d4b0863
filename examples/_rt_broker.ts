/**
 * The broker of the guide's rtreq.c and rtdealer.c: a ROUTER that hands
 * out work to the workers asking for it, least recently used first, and
 * fires them after a while. The two programs differ only in their workers.
 *
 * @module
 */
import { Router } from "@zmtp/zmq";

/** Options for running either example inside a test. */
export interface RouterBrokerOptions {
  /** Where the broker binds. Default: the guide's tcp://*:5671. */
  endpoint?: string | undefined;
  /** How many workers to start here. Default 10, as in the C originals. */
  workers?: number | undefined;
  /** How many workers to fire (some may run elsewhere). Default: `workers`. */
  fire?: number | undefined;
  /** How long to run before firing, in ms. Default 5000. */
  runMs?: number | undefined;
  /** The longest random work per task, in ms. Default 500. */
  maxWorkMs?: number | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/**
 * Runs the broker and the workers `startWorker` starts (each connected to
 * `endpoint`, resolving how many tasks it completed).
 *
 * @example
 * ```ts ignore
 * const totals = await routerBroker({}, (endpoint) => myWorker(endpoint));
 * ```
 *
 * @returns Each worker's task count.
 */
export async function routerBroker(
  options: RouterBrokerOptions,
  startWorker: (endpoint: string) => Promise<number>,
): Promise<number[]> {
  await using broker = new Router();
  await broker.bind(options.endpoint ?? "tcp://*:5671");
  options.onBound?.(broker.lastEndpoint!);
  // The workers connect as the C ones do: to localhost, on the bound port.
  const local = `tcp://localhost:${broker.lastEndpoint!.split(":").at(-1)}`;
  const workers = [];
  for (let n = 0; n < (options.workers ?? 10); n++) {
    workers.push(startWorker(local));
  }
  // Run for five seconds and then tell workers to end
  const endTime = Date.now() + (options.runMs ?? 5000);
  const toFire = options.fire ?? options.workers ?? 10;
  let workersFired = 0;
  while (workersFired < toFire) {
    // Next message gives us least recently used worker: [id, "", request]
    const [identity] = await broker.receive();
    // Encourage workers until it's time to fire them
    if (Date.now() < endTime) {
      await broker.send([identity, "", "Work harder"]);
    } else {
      await broker.send([identity, "", "Fired!"]);
      workersFired++;
    }
  }
  return await Promise.all(workers);
}

/** Waits a random time up to `maxWorkMs` (default 500), as the workers' work. */
export function randomWork(maxWorkMs = 500): Promise<void> {
  const workMs = Math.floor(Math.random() * maxWorkMs) + 1;
  return new Promise((resolve) => setTimeout(resolve, workMs));
}
