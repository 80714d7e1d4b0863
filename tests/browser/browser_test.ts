/**
 * The library loads and runs in a real browser: `deno bundle --platform
 * browser` of `mod.ts`, served to headless Chromium, which runs a codec
 * handshake, a CURVE handshake and a sealed frame (both WebAssembly modules
 * compiled in the page), passes 1000 messages between two sockets over inproc, is told
 * that tcp needs a runtime with sockets, and closes the Context. Catches Deno- or Node-only APIs
 * (`node:*` imports, `Deno.*` at load time) creeping into the library.
 *
 * `ZMQ_BROWSER_ENTRY=tests/browser/_codec_entry.ts` bundles the codec alone
 * instead (and skips the Context), to check this harness by itself.
 *
 * @module
 */

import { bundle, ROOT } from "./_bundle.ts";
import { expectPageOk } from "./_serve.ts";

const ENTRY = Deno.env.get("ZMQ_BROWSER_ENTRY") ?? "mod.ts";
/** The page's report lines start with this; anything else is diagnostics. */
const REPORT = "zmq-browser:";

/**
 * The page: imports the bundle dynamically so a load failure is caught and
 * reported like any other, then runs the checks and logs one report line.
 */
function page(checkContext: boolean): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>@zmtp/zmq in a browser</title>
<script type="module">
const report = (text) => console.log(${JSON.stringify(REPORT)} + " " + text);
const fail = (e) => report("FAIL " + (e?.stack ?? e));
addEventListener("error", (e) => fail(e.error ?? e.message));
addEventListener("unhandledrejection", (e) => fail(e.reason));
try {
  const zmq = await import("./bundle.js");

  const client = new zmq.codec.Connection({ socketType: "REQ" });
  const server = new zmq.codec.Connection({ socketType: "REP" });
  const pump = (from, to) =>
    from.takeOutput().flatMap((chunk) => to.receive(chunk));
  pump(client, server);
  pump(server, client);
  pump(client, server);
  if (client.state !== "ready" || server.state !== "ready") {
    throw new Error("handshake: " + client.state + "/" + server.state);
  }
  client.sendMessage([new Uint8Array(), new TextEncoder().encode("Hello")]);
  const [event] = pump(client, server);
  const text = event?.type === "message"
    ? new TextDecoder().decode(event.frames[1])
    : "no message event: " + event?.type;
  if (text !== "Hello") throw new Error("decoded " + JSON.stringify(text));

  // CURVE: X25519 from libsodium's WebAssembly and the boxes from ours
  // (SIMD128), both compiled here; a sealed 70 kB frame comes out whole.
  const serverKeys = zmq.curveKeyPair();
  const clientKeys = zmq.curveKeyPair();
  const curveClient = new zmq.codec.Connection({
    socketType: "PUSH",
    mechanism: (metadata) => new zmq.codec.CurveClientMechanism(metadata, {
      serverKey: serverKeys.publicKey,
      ...clientKeys,
    }),
  });
  const curveServer = new zmq.codec.Connection({
    socketType: "PULL",
    mechanism: (metadata) =>
      new zmq.codec.CurveServerMechanism(metadata, serverKeys),
  });
  for (let round = 0; round < 4; round++) {
    for (const e of pump(curveClient, curveServer)) {
      if (e.type === "authenticate") {
        curveServer.authenticated({ statusCode: 200, statusText: "", userId: "" });
      }
    }
    pump(curveServer, curveClient);
  }
  if (curveClient.state !== "ready" || curveServer.state !== "ready") {
    throw new Error("CURVE: " + curveClient.state + "/" + curveServer.state);
  }
  const big = new Uint8Array(70000).map((_, i) => i * 7);
  curveClient.sendMessage([big]);
  const [sealed] = pump(curveClient, curveServer);
  const opened = sealed?.type === "message" ? sealed.frames[0] : undefined;
  if (!opened || opened.length !== big.length || opened.some((b, i) => b !== big[i])) {
    throw new Error("CURVE: the sealed frame came out as " + sealed?.type);
  }

  if (${checkContext}) {
    // Sockets over inproc: the dialer, the links and the macrotask helper
    // (a MessageChannel here, where there is no setImmediate).
    const context = new zmq.Context();
    const pull = new zmq.Pull({ context });
    await pull.bind("inproc://browser");
    const push = new zmq.Push({ context });
    push.connect("inproc://browser");
    for (let i = 0; i < 1000; i++) await push.send(["part", String(i)]);
    for (let i = 0; i < 1000; i++) {
      const [, n] = await pull.receive({ signal: AbortSignal.timeout(5000) });
      if (new TextDecoder().decode(n) !== String(i)) {
        throw new Error("message " + i + " came as " + new TextDecoder().decode(n));
      }
    }
    // No sockets here: binding tcp says so with a typed error.
    const code = await pull.bind("tcp://127.0.0.1:0").then(
      () => "bound",
      (error) => error.code,
    );
    if (code !== "EPROTONOSUPPORT") throw new Error("tcp bind: " + code);
    const { dropped, unread } = await context.close();
    if (dropped !== 0 || unread !== 0) {
      throw new Error("close left " + dropped + " dropped, " + unread + " unread");
    }
  }
  report("OK");
} catch (e) {
  fail(e);
}
</script>
`;
}

Deno.test(`${ENTRY} loads and runs in headless Chromium`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "zmq_browser_" });
  try {
    const bundlePath = `${dir}/bundle.js`;
    await bundle(ENTRY, bundlePath);
    const script = await Deno.readFile(bundlePath);
    const checkContext = new URL(ENTRY, ROOT).href ===
      new URL("mod.ts", ROOT).href;
    const html = page(checkContext);

    await expectPageOk({ "/": html, "/bundle.js": script }, REPORT, 30_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A page whose Content-Security-Policy allows its scripts but not compiling
 * WebAssembly (no `'wasm-unsafe-eval'`): the library loads all the same,
 * sockets run over inproc, and CURVE, whose boxes are WebAssembly, is
 * refused with `ENOTSUP` where it is asked for.
 */
const CSP_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@zmtp/zmq under a CSP without WebAssembly</title>
<script type="module">
const report = (text) => console.log(${JSON.stringify(REPORT)} + " " + text);
try {
  const zmq = await import("./bundle.js");
  const context = new zmq.Context();
  const pull = new zmq.Pull({ context });
  await pull.bind("inproc://csp");
  const push = new zmq.Push({ context });
  push.connect("inproc://csp");
  await push.send(["", "x".repeat(300)]);
  const [empty, long] = await pull.receive({ signal: AbortSignal.timeout(5000) });
  if (empty.length !== 0 || long.length !== 300) throw new Error("inproc");
  await context.close();
  // Each use refused where it starts, not at the first sum it would make.
  const server = {
    publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
  };
  const refusals = [
    () => zmq.curveKeyPair(),
    () => zmq.curvePublicKey(server.secretKey),
    () => new zmq.Push({ curveServerKey: server.publicKey }),
    () => new zmq.Pull({
      curveServer: true,
      curveSecretKey: server.secretKey,
      curvePublicKey: server.publicKey,
    }),
    () => new zmq.codec.CurveServerMechanism(new zmq.codec.Metadata(), server),
    () => new zmq.codec.CurveClientMechanism(new zmq.codec.Metadata(), {
      serverKey: server.publicKey,
      ...server,
    }),
  ].map((attempt) => {
    try {
      attempt();
      return "allowed";
    } catch (error) {
      return error instanceof zmq.ZmqError ? error.code : String(error);
    }
  });
  if (refusals.join() !== Array(6).fill("ENOTSUP").join()) {
    throw new Error("CURVE: " + refusals.join());
  }
  report("OK");
} catch (e) {
  report("FAIL " + (e?.stack ?? e));
}
</script>
`;

if (ENTRY === "mod.ts") {
  Deno.test("mod.ts loads under a CSP that forbids WebAssembly: inproc runs, CURVE is refused with ENOTSUP", async () => {
    const dir = await Deno.makeTempDir({ prefix: "zmq_browser_" });
    try {
      await bundle(ENTRY, `${dir}/bundle.js`);
      const script = await Deno.readFile(`${dir}/bundle.js`);
      await expectPageOk(
        { "/": CSP_PAGE, "/bundle.js": script },
        REPORT,
        30_000,
        {
          "content-security-policy": "script-src 'self' 'unsafe-inline'",
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
