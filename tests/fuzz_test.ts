/**
 * A bounded run of the codec fuzzer (tests/_fuzz.ts; over WebSocket,
 * tests/_fuzz_ws.ts; PGM, tests/_fuzz_pgm.ts) with fixed seeds, and
 * the allocation rule on its own. `deno task fuzz` runs many more cases.
 */
import { assert, assertEquals } from "@std/assert";
import { codec } from "../mod.ts";
import { fuzz, ZMTP_KINDS } from "./_fuzz.ts";
import { PGM_KINDS } from "./_fuzz_pgm.ts";
import { WS_KINDS } from "./_fuzz_ws.ts";

Deno.test("fuzz: 2,100 seeded cases of damaged conversations and garbage, over tcp framing, WebSocket (bytes and whole messages) and PGM, no escape", () => {
  for (const seed of [1, 20261125, 0xc0ffee]) {
    const { failures, errored, total } = fuzz(seed, 100, [
      ...ZMTP_KINDS,
      ...WS_KINDS,
      ...PGM_KINDS,
    ]);
    assertEquals(failures, [], `seed ${seed}`);
    // The damage did reach the codec: most cases ended in an error event.
    assert(errored > total / 3, `only ${errored} of ${total} cases errored`);
  }
});

Deno.test("a declared size allocates nothing before its bytes, and is checked against maxMessageSize at the header", () => {
  const ready = codec.encodeFrame(
    codec.encodeReady(new codec.Metadata([["Socket-Type", "PUSH"]])),
    codec.FLAG_COMMAND,
  );
  const greeting = codec.encodeGreeting({ mechanism: "NULL", asServer: false });
  const huge = new Uint8Array([0x02, 0, 0, 0, 0x40, 0, 0, 0, 0]); // 256 GiB
  for (const maxMessageSize of [-1, 1000]) {
    const pull = new codec.Connection({ socketType: "PULL", maxMessageSize });
    pull.receive(greeting);
    pull.receive(ready);
    const before = Deno.memoryUsage();
    const events = pull.receive(huge);
    if (maxMessageSize < 0) {
      assertEquals(events, []);
      assertEquals(pull.partialFrameSize, 2 ** 38);
      assertEquals(pull.directReadTarget(), undefined, "no buffer for it");
      assertEquals(pull.receive(new Uint8Array(1024)), []);
      const after = Deno.memoryUsage();
      const grown = after.heapUsed + after.external -
        before.heapUsed - before.external;
      assert(grown < 8 * 1024 * 1024, `${grown} bytes grown`);
    } else {
      assertEquals(events.length, 1);
      const [error] = events;
      assert(error.type === "error" && error.error.kind === "protocol");
    }
  }
});
