/**
 * ROUTER-to-REQ (the guide's rtreq.c): a ROUTER broker on tcp://*:5671
 * hands out work to ten REQ workers, each asking for more as it finishes;
 * after five seconds it fires them, and each prints how many tasks it
 * completed. The REQ adds the empty delimiter the broker reads and writes.
 *
 *     deno run --allow-net examples/rtreq.ts
 *
 * @module
 */
import { Request, Router } from "@zmtp/zmq";
import { printableId } from "./_printable_id.ts";

/** Options for running the example inside a test. */
export interface RouterRequestOptions {
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

async function workerTask(
  endpoint: string,
  options: RouterRequestOptions,
): Promise<number> {
  const print = options.print ?? console.log;
  await using worker = new Request({ routingId: printableId() });
  worker.connect(endpoint);
  let total = 0;
  while (true) {
    // Tell the broker we're ready for work
    await worker.send("Hi Boss");
    // Get workload from broker, until finished
    const [workload] = await worker.receive();
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
export async function routerToRequest(
  options: RouterRequestOptions = {},
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

if (import.meta.main) await routerToRequest();
