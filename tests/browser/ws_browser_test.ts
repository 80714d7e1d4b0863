/**
 * ZeroMQ from a browser page over WebSocket: the bundle in headless
 * Chromium talks ZWS 2.0 (the `ZWS2.0` sub-protocol, the one a browser can
 * ask for) to a libzmq socket, to one of our sockets bound on `ws://`, and to
 * one of ours served on a route of a `Deno.serve` app (`socket.upgrade`),
 * request-reply and publish-subscribe, both ways.
 */
import { assertEquals } from "@std/assert";
import { Publisher, Pull, Reply } from "../../mod.ts";
import { LibzmqPeer } from "../_libzmq_peer.ts";
import { freePort } from "../_helpers.ts";
import { bundle } from "./_bundle.ts";
import { launchChromium } from "./_chromium.ts";

const REPORT = "zmq-ws:";

/** The page's script: each check in turn, then one report line. */
function page(endpoints: Record<string, string>): string {
  return `<!doctype html>
<meta charset="utf-8">
<script type="module">
const report = (text) => console.log(${JSON.stringify(REPORT)} + " " + text);
try {
  const zmq = await import("./bundle.js");
  const at = ${JSON.stringify(endpoints)};
  const decode = (frame) => new TextDecoder().decode(frame);
  const soon = () => ({ signal: AbortSignal.timeout(10000) });
  const context = new zmq.Context();

  // REQ in the page, REP in libzmq and in Deno.
  for (const endpoint of [at.libzmqReply, at.oursReply]) {
    const request = new zmq.Request({ context });
    request.connect(endpoint);
    await request.send(["hello", "from", "a browser"], soon());
    const reply = (await request.receive(soon())).map(decode);
    if (reply.join(" ") !== "hello from a browser") {
      throw new Error(endpoint + " answered " + JSON.stringify(reply));
    }
  }
  // SUB in the page, PUB in libzmq and in Deno: the tests publish until
  // the page says it has heard.
  for (const [name, endpoint] of [["libzmq", at.libzmqPublisher], ["ours", at.oursPublisher]]) {
    const subscriber = new zmq.Subscriber({ context });
    subscriber.subscribe("news");
    subscriber.connect(endpoint);
    const [topic, body] = (await subscriber.receive(soon())).map(decode);
    if (topic !== "news" || body.length !== 300) throw new Error(name + ": " + topic);
    report("heard " + name);
  }
  // PUSH in the page to a PULL served on a route of the test's HTTP app.
  const push = new zmq.Push({ context });
  push.connect(at.route);
  await push.send(["pushed", new Uint8Array(70000)], soon());
  await context.close();
  report("OK");
} catch (e) {
  report("FAIL " + (e?.stack ?? e));
}
</script>
`;
}

Deno.test("a browser page talks ZeroMQ over ws to libzmq, to a bound socket of ours, and through Deno.serve", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zmq_ws_browser_" });
  await using peer = new LibzmqPeer();
  await using reply = new Reply();
  await using publisher = new Publisher();
  await using pull = new Pull();
  try {
    await bundle("mod.ts", `${dir}/bundle.js`);
    const script = await Deno.readFile(`${dir}/bundle.js`);

    const libzmqReply = await peer.open("Reply");
    const libzmqPublisher = await peer.open("Publisher");
    await reply.bind("ws://127.0.0.1:0/reply");
    await publisher.bind("ws://127.0.0.1:0/news");
    const endpoints = {
      libzmqReply: await libzmqReply.bind(`ws://127.0.0.1:${freePort()}/`),
      libzmqPublisher: await libzmqPublisher.bind(
        `ws://127.0.0.1:${freePort()}/news`,
      ),
      oursReply: reply.lastEndpoint!,
      oursPublisher: publisher.lastEndpoint!,
    };
    await libzmqReply.echo();
    const serving = (async () => {
      for await (const request of reply) await reply.send(request);
    })();

    await using server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen() {},
    }, (request, info) => {
      switch (new URL(request.url).pathname) {
        case "/":
          return new Response(
            page({
              ...endpoints,
              route: `ws://${new URL(request.url).host}/zmq`,
            }),
            { headers: { "content-type": "text/html; charset=utf-8" } },
          );
        case "/bundle.js":
          return new Response(script, {
            headers: { "content-type": "text/javascript; charset=utf-8" },
          });
        case "/zmq":
          return pull.upgrade(request, info);
        default:
          return new Response(null, { status: 404 });
      }
    });

    await using browser = await launchChromium();
    const tab = await browser.open(`http://127.0.0.1:${server.addr.port}/`);
    // Publish until the page has heard each publisher (a subscription
    // reaches a publisher some time after the connect).
    const news = ["news", new Uint8Array(300).fill(0x6e)];
    const heard = async (name: string, publish: () => Promise<void>) => {
      const line = tab.waitForConsole(
        (text) =>
          text === `${REPORT} heard ${name}` ||
          text.startsWith(`${REPORT} FAIL`),
        20_000,
      );
      let done = false;
      line.finally(() => done = true).catch(() => {});
      while (!done) {
        await publish();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return line;
    };
    const first = await heard("libzmq", () => libzmqPublisher.send(news));
    assertEquals(first, `${REPORT} heard libzmq`, tab.log.join("\n"));
    const second = await heard("ours", () => publisher.send(news));
    assertEquals(second, `${REPORT} heard ours`, tab.log.join("\n"));
    const report = await tab.waitForConsole(
      (line) => line === `${REPORT} OK` || line.startsWith(`${REPORT} FAIL`),
      20_000,
    );
    assertEquals(
      report,
      `${REPORT} OK`,
      `the page failed:\n${tab.log.join("\n")}`,
    );
    const [kind, body] = await pull.receive({
      signal: AbortSignal.timeout(5000),
    });
    assertEquals([new TextDecoder().decode(kind), body.length], [
      "pushed",
      70000,
    ]);
    await reply.close();
    await serving;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The page of the wsOrigins test: pushes to each endpoint it is given. */
function originsPage(endpoints: Record<string, string>): string {
  return `<!doctype html>
<meta charset="utf-8">
<script type="module">
const report = (text) => console.log(${JSON.stringify(REPORT)} + " " + text);
try {
  const zmq = await import("./bundle.js");
  const at = ${JSON.stringify(endpoints)};
  const soon = () => ({ signal: AbortSignal.timeout(10000) });
  for (const name of ["bound", "route"]) {
    const push = new zmq.Push();
    push.connect(at[name]);
    await push.send([name, "", new Uint8Array(300)], soon());
  }
  // Refused: the page never hears why (a browser's WebSocket says only
  // that it closed), the server tells its socket.
  new zmq.Push().connect(at.refused);
  report("OK");
} catch (e) {
  report("FAIL " + (e?.stack ?? e));
}
</script>
`;
}

Deno.test("wsOrigins in a browser: a page of a listed origin reaches a ws bind and a route; one of another origin is refused, with an auth event", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zmq_ws_browser_" });
  try {
    await bundle("mod.ts", `${dir}/bundle.js`);
    const script = await Deno.readFile(`${dir}/bundle.js`);
    const at: { route?: Pull } = {};
    let endpoints: Record<string, string> = {};
    await using server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen() {},
    }, (request, info): Response => {
      switch (new URL(request.url).pathname) {
        case "/":
          return new Response(originsPage(endpoints), {
            headers: { "content-type": "text/html; charset=utf-8" },
          });
        case "/bundle.js":
          return new Response(script, {
            headers: { "content-type": "text/javascript; charset=utf-8" },
          });
        case "/zmq":
          return at.route!.upgrade(request, info);
        default:
          return new Response(null, { status: 404 });
      }
    });
    // The page's origin, as Chromium sends it.
    const origin = `http://127.0.0.1:${server.addr.port}`;
    await using bound = new Pull({ wsOrigins: [origin] });
    await using viaRoute = new Pull({ wsOrigins: [origin] });
    await using refused = new Pull({ wsOrigins: ["https://app.example"] });
    at.route = viaRoute;
    await bound.bind("ws://127.0.0.1:0/zmq");
    await refused.bind("ws://127.0.0.1:0/zmq");
    endpoints = {
      bound: bound.lastEndpoint!,
      route: `ws://127.0.0.1:${server.addr.port}/zmq`,
      refused: refused.lastEndpoint!,
    };
    const failed = refused.events.wait(
      "handshake-failed",
      AbortSignal.timeout(20_000),
    );
    await using browser = await launchChromium();
    const tab = await browser.open(`${origin}/`);
    const report = await tab.waitForConsole(
      (line) => line === `${REPORT} OK` || line.startsWith(`${REPORT} FAIL`),
      20_000,
    );
    assertEquals(report, `${REPORT} OK`, tab.log.join("\n"));
    for (
      const [name, pull] of [["bound", bound], ["route", viaRoute]] as const
    ) {
      const [tag, empty, long] = await pull.receive({
        signal: AbortSignal.timeout(5000),
      });
      assertEquals(
        [new TextDecoder().decode(tag), empty.length, long.length],
        [name, 0, 300],
      );
    }
    const event = await failed;
    assertEquals([event.kind, event.reason.includes(origin)], ["auth", true]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
