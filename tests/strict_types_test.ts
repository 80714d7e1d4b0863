/**
 * The public types under a user's strictest settings: deno.json turns on
 * `exactOptionalPropertyTypes`, so this file compiles only while every
 * option a caller fills in takes `undefined` for "unset" (options read
 * from a configuration), as the sockets do when they run.
 */
import { assertEquals } from "@std/assert";
import {
  Context,
  Dealer,
  Publisher,
  Pull,
  Push,
  Router,
  type SocketOptions,
  XPublisher,
} from "../mod.ts";
import { outputWithin, timeout } from "./_helpers.ts";

/** A configuration's numbers: absent ones are `undefined`. */
function numberFrom(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

Deno.test("options read from a configuration, undefined where absent, type-check and mean unset; bind resolves with the endpoint; a handshake's peer is always there", async () => {
  const config: Record<string, string | undefined> = { linger: "0" };
  const options: SocketOptions = {
    linger: numberFrom(config.linger),
    sendHighWaterMark: numberFrom(config.sendHighWaterMark),
    receiveTimeout: numberFrom(config.receiveTimeout),
    routingId: config.routingId,
    curveServerKey: config.curveServerKey,
    zapDomain: config.zapDomain,
    immediate: undefined,
  };
  await using context = new Context({ authenticate: undefined });
  await using router = new Router({
    ...options,
    context,
    routerMandatory: undefined,
    routerHandover: undefined,
  });
  await using dealer = new Dealer({ ...options, context });
  await using publisher = new Publisher({ ...options, xpubNoDrop: undefined });
  await using xpub = new XPublisher({
    ...options,
    xpubWelcomeMessage: config.welcome,
  });
  assertEquals([router.linger, dealer.sendHighWaterMark], [0, 1000]);
  assertEquals([publisher.receiveTimeout, xpub.xpubWelcomeMessage], [
    -1,
    undefined,
  ]);
  const endpoint: string = await router.bind("inproc://strict");
  dealer.connect(endpoint, { routingId: config.peerId });
  const ready = await dealer.events.wait(
    "handshake-succeeded",
    timeout().signal,
  );
  assertEquals(ready.peer.socketType, "ROUTER");
  await dealer.send("hello", { signal: undefined, transfer: undefined });
  const [id, body] = await router.receive({ signal: undefined });
  assertEquals([id.length > 0, new TextDecoder().decode(body)], [
    true,
    "hello",
  ]);
  await using pull = new Pull({ ...options, context });
  await using push = new Push({ ...options, context });
  push.connect(await pull.bind("tcp://127.0.0.1:0"));
  await push.send("tcp");
  assertEquals(
    new TextDecoder().decode((await pull.receive(timeout()))[0]),
    "tcp",
  );
});

Deno.test("the library's source type-checks in a project with the DOM's types and the compiler's stricter checks", async () => {
  // Such a project checks our source as its own (a workspace member, a
  // vendored copy): the DOM's BufferSource takes no view of shared memory,
  // and unused fields or paths that return nothing fail its build.
  const root = new URL("../", import.meta.url);
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", root)),
  ) as { exports: Record<string, string>; imports: Record<string, string> };
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          lib: ["dom", "dom.iterable", "esnext", "deno.ns"],
          exactOptionalPropertyTypes: true,
          noImplicitReturns: true,
          noUnusedLocals: true,
          noUnusedParameters: true,
          noFallthroughCasesInSwitch: true,
          noImplicitOverride: true,
        },
        imports: config.imports,
      }),
    );
    const entries = Object.values(config.exports).map((path) =>
      new URL(path, root).href
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      entries.map((entry, i) => `import * as e${i} from "${entry}";\n`)
        .join("") + `console.log(${entries.map((_, i) => `e${i}`)});\n`,
    );
    const { code, stderr } = await outputWithin(Deno.execPath(), {
      args: ["check", "--quiet", "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }, 120_000);
    assertEquals(code, 0, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
