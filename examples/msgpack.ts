/**
 * MessagePack over ZeroMQ: a publisher of weather records, each encoded
 * with MessagePack, and a subscriber that decodes them. A message is two
 * frames, the topic and the record, so subscribers filter on the topic
 * without decoding anything; any MessagePack library at the other end
 * (msgpack-c beside libzmq, msgpack for Python…) reads the records.
 *
 *     deno run --allow-net examples/msgpack.ts publish     # on tcp://*:5556
 *     deno run --allow-net examples/msgpack.ts subscribe   # from tcp://localhost:5556
 *
 * @module
 */
import { Publisher, Subscriber } from "@zmtp/zmq";
// msgpackr's pure-JavaScript entry: what browsers load, and in Deno it
// needs no permission (the package's main entry reads an environment
// variable and loads a native addon).
import { Packr } from "msgpackr/pack";
import { catchInterrupt } from "./_interrupt.ts";

/** One weather record, as published. */
export interface WeatherRecord {
  /** The station's zip code. */
  zipcode: number;
  /** Degrees Fahrenheit. */
  temperature: number;
  /** Relative humidity, in percent. */
  relhumidity: number;
  /** When it was measured, in ms since the epoch. */
  time: number;
}

/** The topic frame of every record. */
export const TOPIC = "weather";

// Records as plain MessagePack maps (not msgpackr's own record extension),
// so that every MessagePack decoder reads them.
const _packr = new Packr({ useRecords: false });

/** A record as MessagePack bytes. */
export function encodeRecord(record: WeatherRecord): Uint8Array {
  return _packr.pack(record);
}

/**
 * MessagePack bytes as a record, checked: a peer may send anything.
 *
 * @throws {TypeError} For bytes that are not a record.
 */
export function decodeRecord(bytes: Uint8Array): WeatherRecord {
  const value: unknown = _packr.unpack(bytes);
  const record = value as Partial<Record<keyof WeatherRecord, unknown>>;
  const fields = ["zipcode", "temperature", "relhumidity", "time"] as const;
  if (
    typeof value !== "object" || value === null ||
    fields.some((field) => typeof record[field] !== "number")
  ) {
    throw new TypeError(`not a weather record: ${JSON.stringify(value)}`);
  }
  return value as WeatherRecord;
}

/** Options of {@linkcode publishRecords}. */
export interface PublishOptions {
  /** Where to bind. Default: tcp://*:5556. */
  endpoint?: string | undefined;
  /** Called once bound, with the real endpoint. */
  onBound?: ((endpoint: string) => void) | undefined;
  /** Pause between records, in ms. Default 100. */
  intervalMs?: number | undefined;
  /** Stops publishing when aborted. */
  signal?: AbortSignal | undefined;
}

const _randomOf = (limit: number) => Math.floor(Math.random() * limit);

/** Publishes random records until the signal aborts. */
export async function publishRecords(
  options: PublishOptions = {},
): Promise<void> {
  await using publisher = new Publisher();
  await publisher.bind(options.endpoint ?? "tcp://*:5556");
  options.onBound?.(publisher.lastEndpoint!);
  while (!options.signal?.aborted) {
    const record: WeatherRecord = {
      zipcode: _randomOf(100000),
      temperature: _randomOf(215) - 80,
      relhumidity: _randomOf(50) + 10,
      time: Date.now(),
    };
    await publisher.send([TOPIC, encodeRecord(record)]);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.intervalMs ?? 100);
      options.signal?.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      }
    });
  }
}

/** Options of {@linkcode subscribeRecords}. */
export interface SubscribeOptions {
  /** Where to connect. Default: tcp://localhost:5556. */
  endpoint?: string | undefined;
  /** How many records to receive. Default 10. */
  count?: number | undefined;
  /** Where each record goes. Default: printed as JSON. */
  print?: ((line: string) => void) | undefined;
}

/** Receives records and prints each; returns them. */
export async function subscribeRecords(
  options: SubscribeOptions = {},
): Promise<WeatherRecord[]> {
  await using subscriber = new Subscriber();
  subscriber.subscribe(TOPIC);
  subscriber.connect(options.endpoint ?? "tcp://localhost:5556");
  const records: WeatherRecord[] = [];
  while (records.length < (options.count ?? 10)) {
    const [, body] = await subscriber.receive();
    const record = decodeRecord(body);
    (options.print ?? console.log)(JSON.stringify(record));
    records.push(record);
  }
  return records;
}

if (import.meta.main) {
  if (Deno.args[0] === "publish") {
    using interrupt = catchInterrupt();
    await publishRecords({ signal: interrupt.signal });
  } else if (Deno.args[0] === "subscribe") {
    await subscribeRecords({ endpoint: Deno.args[1] });
  } else {
    console.error("usage: msgpack.ts publish | subscribe [endpoint]");
    Deno.exit(1);
  }
}
