/**
 * The large codec fuzz run (tests/_fuzz.ts, _fuzz_ws.ts, _fuzz_pgm.ts): `deno task fuzz [--seed N]
 * [--cases N]`. Prints the seed first, so any failure replays with it.
 */
import { fuzz, ZMTP_KINDS } from "./_fuzz.ts";
import { PGM_KINDS } from "./_fuzz_pgm.ts";
import { WS_KINDS } from "./_fuzz_ws.ts";

const args = Object.fromEntries(
  Deno.args.join(" ").split("--").filter(Boolean).map((arg) =>
    arg.trim().split(/\s+/)
  ),
);
const seed = Number(args.seed ?? Math.floor(Math.random() * 2 ** 32));
const cases = Number(args.cases ?? 20_000);
console.log(`fuzz: seed ${seed}, ${cases} cases of each kind`);
const started = performance.now();
const { failures, errored, total } = fuzz(seed, cases, [
  ...ZMTP_KINDS,
  ...WS_KINDS,
  ...PGM_KINDS,
]);
console.log(
  `${total} cases in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    `${errored} ended in an error event; ${failures.length} failures`,
);
for (const failure of failures.slice(0, 20)) console.log(`  ${failure}`);
if (failures.length > 0) Deno.exit(1);
