/**
 * A program whose context joins a register of names (a hub) that ended
 * before it said anything: closed, it must still exit (run by a test).
 */
import { Context, type SharedContext } from "../../mod.ts";
import { TestWorker } from "./_test_worker.ts";

const host = new TestWorker();
await host.next("loaded");
host.post({ op: "host" });
const { shared } = await host.next("hosted") as { shared?: SharedContext };
host.terminate();
const context = new Context({ shared });
await context.close();
