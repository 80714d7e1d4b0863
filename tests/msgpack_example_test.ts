/**
 * examples/msgpack.ts against libzmq: its records reach a libzmq SUB and
 * decode there with the same npm MessagePack package, and records a libzmq
 * PUB sends, encoded here, reach its subscriber.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { Packr } from "msgpackr/pack";
import {
  decodeRecord,
  encodeRecord,
  publishRecords,
  subscribeRecords,
  TOPIC,
  type WeatherRecord,
} from "../examples/msgpack.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { decode } from "./_helpers.ts";

/** What a program beside libzmq would use: plain MessagePack maps. */
const packr = new Packr({ useRecords: false });

const RECORDS: WeatherRecord[] = [
  { zipcode: 10001, temperature: 21, relhumidity: 43, time: 1_719_000_000_123 },
  {
    zipcode: 94105,
    temperature: -12.5,
    relhumidity: 10,
    time: 1_719_000_000_456,
  },
  { zipcode: 0, temperature: 134, relhumidity: 59, time: 0 },
];

Deno.test("examples/msgpack.ts against libzmq", async (t) => {
  await using peer = new LibzmqPeer();

  await t.step(
    "its publisher's records reach a libzmq SUB and decode there",
    async () => {
      const sub = await peer.open("Subscriber");
      const stop = new AbortController();
      const bound = Promise.withResolvers<string>();
      const publishing = publishRecords({
        endpoint: "tcp://127.0.0.1:0",
        intervalMs: 5,
        onBound: bound.resolve,
        signal: stop.signal,
      });
      await sub.connect(await bound.promise);
      await sub.subscribe(TOPIC);
      const [topic, body] = await sub.receive();
      stop.abort();
      await publishing;
      assertEquals(decode(topic), TOPIC);
      const record = packr.unpack(body) as Record<string, unknown>;
      assertEquals(Object.keys(record).sort(), [
        "relhumidity",
        "temperature",
        "time",
        "zipcode",
      ]);
      assert(Object.values(record).every((value) => typeof value === "number"));
      await sub.close();
    },
  );

  await t.step("its subscriber decodes what a libzmq PUB sends", async () => {
    const pub = await peer.open("Publisher");
    const endpoint = await pub.bind("tcp://127.0.0.1:*");
    const lines: string[] = [];
    let done = false;
    const subscribing = subscribeRecords({
      endpoint,
      count: 3,
      print: (line) => lines.push(line),
    }).finally(() => done = true);
    // Until the subscription reaches libzmq, what it sends is lost: send
    // the records round and round until three have arrived.
    while (!done) {
      for (const record of RECORDS) {
        await pub.send(["other topic", packr.pack({ not: "a record" })]);
        await pub.send([TOPIC, packr.pack(record)]);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const received = await subscribing;
    const first = RECORDS.findIndex((record) =>
      record.zipcode === received[0].zipcode
    );
    assertEquals(received, [0, 1, 2].map((i) => RECORDS[(first + i) % 3]));
    assertEquals(lines, received.map((record) => JSON.stringify(record)));
    await pub.close();
  });
});

Deno.test("examples/msgpack.ts: records encode as plain MessagePack maps; anything else is refused", () => {
  for (const record of RECORDS) {
    const bytes = encodeRecord(record);
    // A map (map16 or fixmap), not msgpackr's record extension.
    assert(bytes[0] === 0xde || (bytes[0] & 0xf0) === 0x80, `${bytes[0]}`);
    assertEquals(packr.unpack(bytes), record);
    assertEquals(decodeRecord(bytes), record);
  }
  assertThrows(() => decodeRecord(packr.pack({ zipcode: "10001" })), TypeError);
  assertThrows(() => decodeRecord(packr.pack([1, 2])), TypeError);
  assertThrows(() => decodeRecord(new Uint8Array([0xc0])), TypeError);
});
