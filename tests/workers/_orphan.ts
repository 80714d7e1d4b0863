/**
 * A program whose context joins a register of names (a hub) that ended
 * before it said anything: closed, it must still exit (run by a test),
 * and a bind waiting on that hub holds neither its socket's close nor the
 * context's (exit 3 if they hang, 4 if the bind is not ETERM).
 */
import { Context, Pull, type SharedContext } from "../../mod.ts";
import { TestWorker } from "./_test_worker.ts";

const host = new TestWorker();
await host.next("loaded");
host.post({ op: "host" });
const { shared } = await host.next("hosted") as { shared?: SharedContext };
host.terminate();
const context = new Context({ shared });
const pull = new Pull({ context });
const bound = pull.bind("inproc://orphan").then(
  () => "bound",
  (error) => error.code,
);
const hung = setTimeout(() => Deno.exit(3), 5000);
await pull.close();
await context.close();
clearTimeout(hung);
if (await bound !== "ETERM") Deno.exit(4);
