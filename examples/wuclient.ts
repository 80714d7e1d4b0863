/**
 * Weather update client (the guide's wuclient.c): connects SUB to
 * tcp://localhost:5556, collects 100 updates for a zip code (argument,
 * default "10001 ") and prints the average temperature.
 *
 *     deno run --allow-net examples/wuclient.ts [zipcode]
 *
 * @module
 */
import { type SocketOptions, Subscriber } from "@zmtp/zmq";

/** Runs the client; returns the average temperature. */
export async function weatherClient(
  filter = "10001 ",
  endpoint = "tcp://localhost:5556",
  print: (line: string) => void = console.log,
  socketOptions?: SocketOptions,
): Promise<number> {
  print("Collecting updates from weather server...");
  await using subscriber = new Subscriber(socketOptions);
  subscriber.connect(endpoint);
  // Subscribe to zipcode, default is NYC, 10001
  subscriber.subscribe(filter);
  let totalTemperature = 0;
  let updateNumber = 0;
  for (; updateNumber < 100; updateNumber++) {
    const [update] = await subscriber.receive();
    const [, temperature] = new TextDecoder().decode(update).split(" ").map(
      Number,
    );
    totalTemperature += temperature;
  }
  const average = Math.trunc(totalTemperature / updateNumber);
  print(`Average temperature for zipcode '${filter}' was ${average}F`);
  return average;
}

if (import.meta.main) await weatherClient(Deno.args[0]);
