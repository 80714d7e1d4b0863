/**
 * ROUTER-to-DEALER (the guide's rtdealer.c): a ROUTER broker on
 * tcp://*:5671 hands out work to ten DEALER workers, each asking for more
 * as it finishes; after five seconds it fires them, and each prints how
 * many tasks it completed.
 *
 *     deno run --allow-net examples/rtdealer.ts
 *
 * @module
 */
import { Dealer, Router } from "@zmtp/zmq";

/** Options for running the example inside a test. */
export interface RouterDealerOptions {
  /** Where the broker binds. Default: the guide's tcp://*:5671. */
  endpoint?: string;
  /** How many workers to start here. Default 10, as in the C original. */
  workers?: number;
  /** How many workers to fire (some may run elsewhere). Default: `workers`. */
  fire?: number;
  /** How long to run before firing, in ms. Default 5000. */
  runMs?: number;
  /** The longest random work per task, in ms. Default 500. */
  maxWorkMs?: number;
  /** Called once bound, with the real endpoint. */
  onBound?: (endpoint: string) => void;
  /** Where lines go. */
  print?: (line: string) => void;
}

const decoder = new TextDecoder();

/** A printable random identity, as the guide's s_set_id. */
function randomIdentity(): string {
  const hex = () =>
    Math.floor(Math.random() * 0x10000).toString(16).toUpperCase().padStart(
      4,
      "0",
    );
  return `${hex()}-${hex()}`;
}

async function workerTask(
  endpoint: string,
  options: RouterDealerOptions,
): Promise<number> {
  const print = options.print ?? console.log;
  await using worker = new Dealer({ routingId: randomIdentity() });
  worker.connect(endpoint);
  let total = 0;
  while (true) {
    // Tell the broker we're ready for work
    await worker.send(["", "Hi Boss"]);
    // Get workload from broker, until finished
    const [_delimiter, workload] = await worker.receive();
    if (decoder.decode(workload) === "Fired!") {
      print(`Completed: ${total} tasks`);
      return total;
    }
    total++;
    // Do some random work
    const workMs = Math.floor(Math.random() * (options.maxWorkMs ?? 500)) + 1;
    await new Promise((resolve) => setTimeout(resolve, workMs));
  }
}

/** Runs the broker and its workers; returns each worker's task count. */
export async function routerToDealer(
  options: RouterDealerOptions = {},
): Promise<number[]> {
  await using broker = new Router();
  await broker.bind(options.endpoint ?? "tcp://*:5671");
  options.onBound?.(broker.lastEndpoint!);
  // The workers connect as the C ones do: to localhost, on the bound port.
  const local = `tcp://localhost:${broker.lastEndpoint!.split(":").at(-1)}`;
  const workers = [];
  for (let n = 0; n < (options.workers ?? 10); n++) {
    workers.push(workerTask(local, options));
  }
  // Run for five seconds and then tell workers to end
  const endTime = Date.now() + (options.runMs ?? 5000);
  const toFire = options.fire ?? options.workers ?? 10;
  let workersFired = 0;
  while (workersFired < toFire) {
    // Next message gives us least recently used worker
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

if (import.meta.main) await routerToDealer();
