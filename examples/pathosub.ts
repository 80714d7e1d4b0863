/**
 * The pathological subscriber (the guide's pathosub.c): connects to
 * tcp://localhost:5556, or to the endpoint given (the last value cache's
 * backend, tcp://localhost:5558), subscribes to one random topic of the
 * thousand and prints what comes on it. Started after the publisher's
 * first round, it hears nothing but the odd "Off with his head!", unless a
 * last value cache sits between them. Ctrl-C stops it.
 *
 *     deno run --allow-net examples/pathosub.ts [tcp://localhost:5558]
 *
 * @module
 */
import { Subscriber } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { topicName } from "./pathopub.ts";

/** Options for running the subscriber inside a test. */
export interface PathologicalSubscriberOptions {
  /** The publisher, or the cache. Default: the guide's tcp://localhost:5556. */
  endpoint?: string | undefined;
  /** The topic, "000" to "999". Default: a random one. */
  topic?: string | undefined;
  /** Stops after this many messages. Default: runs until the signal aborts. */
  count?: number | undefined;
  /** Stops the subscriber when aborted. */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Prints what comes on its topic until the signal aborts. */
export async function pathologicalSubscriber(
  options: PathologicalSubscriberOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const decoder = new TextDecoder();
  await using subscriber = new Subscriber();
  subscriber.connect(options.endpoint ?? "tcp://localhost:5556");
  const topic = options.topic ?? topicName(Math.floor(Math.random() * 1000));
  subscriber.subscribe(topic);
  const { count = Infinity, signal } = options;
  let n = 0;
  for await (const [name, data] of subscriber.messages({ signal })) {
    if (decoder.decode(name) !== topic) throw new Error("a topic not ours");
    print(decoder.decode(data));
    if (++n >= count) break;
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await pathologicalSubscriber({
    endpoint: Deno.args[0],
    signal: interrupt.signal,
  });
}
