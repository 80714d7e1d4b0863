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
import { Request } from "@zmtp/zmq";
import { printableId } from "./_printable_id.ts";
import {
  randomWork,
  routerBroker,
  type RouterBrokerOptions,
} from "./_rt_broker.ts";

const decoder = new TextDecoder();

async function workerTask(
  endpoint: string,
  options: RouterBrokerOptions,
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
    await randomWork(options.maxWorkMs);
  }
}

/** Runs the broker and its workers; returns each worker's task count. */
export function routerToRequest(
  options: RouterBrokerOptions = {},
): Promise<number[]> {
  return routerBroker(options, (endpoint) => workerTask(endpoint, options));
}

if (import.meta.main) await routerToRequest();
