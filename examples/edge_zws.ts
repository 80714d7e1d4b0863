/**
 * ZeroMQ on Deno Deploy: one Deno HTTP app that serves a page, the library
 * for it, and a ZeroMQ Publisher on the route /zmq (`socket.upgrade`), all
 * on one port. A browser, another Deno program (`ws://host/zmq`) or any
 * ZWS 2.0 client subscribes there.
 *
 *     deno task bundle   # once, the build step on Deploy too
 *     deno run --allow-net examples/edge_zws.ts
 *
 * @module
 */
import { Publisher } from "@zmtp/zmq";
import zmqBundle from "./browser/zmq_bundle.ts";

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>ZeroMQ on the edge</title>
<pre id="log"></pre>
<script type="module">
  import { Subscriber } from "/zmq.js";
  const subscriber = new Subscriber();
  subscriber.subscribe("");
  subscriber.connect(\`\${location.protocol === "https:" ? "wss" : "ws"}://\${location.host}/zmq\`);
  for await (const [frame] of subscriber) {
    const line = new TextDecoder().decode(frame);
    document.getElementById("log").textContent = line;
    console.log("edge:", line);
  }
</script>
`;

/**
 * The app's handler: the page at /, the bundle at /zmq.js, ZeroMQ at /zmq.
 *
 * @param publisher The socket served on /zmq.
 */
export function edgeHandler(
  publisher: Publisher,
): (request: Request, info: Deno.ServeHandlerInfo) => Response {
  return (request, info) => {
    switch (new URL(request.url).pathname) {
      case "/":
        return new Response(PAGE, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/zmq.js":
        return new Response(zmqBundle, {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      case "/zmq":
        return publisher.upgrade(request, info);
      default:
        return new Response("not found", { status: 404 });
    }
  };
}

if (import.meta.main) {
  const publisher = new Publisher();
  Deno.serve(edgeHandler(publisher));
  setInterval(
    () => publisher.send(`the edge says ${new Date().toISOString()}`),
    1000,
  );
}
