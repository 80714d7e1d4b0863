/**
 * Start order and restarts against libzmq: we connect before libzmq binds,
 * and libzmq's server is closed and bound again while our SUB/PULL keep
 * receiving afterwards (reconnecting and, for SUB, resubscribing), and our
 * ROUTER and PUB keep what they know of the peer, queueing for it while it
 * is down, as libzmq's do.
 */
import { assertEquals } from "@std/assert";
import { Publisher, Pull, Router, Subscriber, XPublisher } from "../mod.ts";
import { LibzmqPeer, type LibzmqSocket } from "./_libzmq_peer.ts";
import { freePort, sendUntilReceived } from "./_helpers.ts";

/** Resolves once nothing listens at a unix socket path any more. */
async function _refused(
  address: Deno.ConnectOptions | Deno.UnixConnectOptions,
): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      const conn = "path" in address
        ? await Deno.connect(address)
        : await Deno.connect(address);
      conn.close();
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`something still listens at ${JSON.stringify(address)}`);
}

const text = new TextEncoder();
const receive = (socket: Pull | Subscriber | Router) =>
  socket.receive({ signal: AbortSignal.timeout(5000) });

for (const transport of ["tcp", "ipc", "ws"] as const) {
  Deno.test(`we connect first; libzmq binds, restarts and binds again (${transport})`, async (t) => {
    await using peer = new LibzmqPeer();
    const dir = await Deno.makeTempDir();
    const port = freePort();
    const endpoint = transport === "ipc"
      ? `ipc://${dir}/restart.sock`
      : `${transport}://127.0.0.1:${port}${transport === "ws" ? "/zmq" : ""}`;
    // libzmq's reaper closes a listener after zmq_close returns: a
    // reconnect of ours could meanwhile reach the closed socket, and what
    // it writes there is lost with it (seen over ws on a loaded machine);
    // over ipc the next socket binds the same path at once (unlinking it),
    // and ours could stay with the old. Closed when a connect is refused.
    const closeLibzmq = async (socket: LibzmqSocket) => {
      await socket.close();
      await _refused(
        transport === "ipc"
          ? { transport: "unix", path: `${dir}/restart.sock` }
          : { hostname: "127.0.0.1", port },
      );
    };
    try {
      await t.step(
        "SUB keeps its subscription across a PUB restart",
        async () => {
          const sub = new Subscriber({ reconnectInterval: 20 });
          sub.subscribe("t");
          sub.connect(endpoint); // before anyone binds
          for (let life = 1; life <= 2; life++) {
            const pub = await peer.open("Publisher");
            await pub.bind(endpoint);
            const frames = ["t", `life ${life}`];
            assertEquals(
              await sendUntilReceived(() => pub.send(frames), receive(sub)),
              frames.map((s) => text.encode(s)),
            );
            await closeLibzmq(pub);
            await sub.events.wait("disconnected", AbortSignal.timeout(5000));
          }
          await sub.close();
        },
      );
      await t.step("PULL keeps receiving across a PUSH restart", async () => {
        const pull = new Pull({ reconnectInterval: 20 });
        pull.connect(endpoint);
        for (let life = 1; life <= 2; life++) {
          const push = await peer.open("Push");
          await push.bind(endpoint);
          await push.send([`life ${life}`, ""]);
          assertEquals(await receive(pull), [
            text.encode(`life ${life}`),
            new Uint8Array(),
          ]);
          await closeLibzmq(push);
          await pull.events.wait("disconnected", AbortSignal.timeout(5000));
        }
        await pull.close();
      });
      await t.step(
        "ROUTER keeps a DEALER's routing id and queues for it across its restart",
        async () => {
          // routerMandatory: a peer that is down is still a peer it knows.
          const router = new Router({
            reconnectInterval: 20,
            routerMandatory: true,
          });
          router.connect(endpoint);
          const first = await peer.open("Dealer");
          await first.bind(endpoint);
          await first.send(["hello"]);
          const [id] = await receive(router);
          await closeLibzmq(first);
          await router.events.wait("disconnected", AbortSignal.timeout(5000));
          await router.send([id, "while down", ""]);
          const second = await peer.open("Dealer");
          await second.bind(endpoint);
          assertEquals(await second.receive(), [
            text.encode("while down"),
            new Uint8Array(),
          ]);
          await second.send(["back"]);
          assertEquals(await receive(router), [id, text.encode("back")]);
          await closeLibzmq(second);
          await router.close();
        },
      );
      await t.step(
        "PUB keeps a SUB's subscriptions and queues for it across its restart",
        async () => {
          const pub = new Publisher({ reconnectInterval: 20 });
          pub.connect(endpoint);
          const first = await peer.open("Subscriber");
          await first.subscribe("t");
          await first.bind(endpoint);
          await sendUntilReceived(() => pub.send(["t", "1"]), first.receive());
          await closeLibzmq(first);
          await pub.events.wait("disconnected", AbortSignal.timeout(5000));
          await pub.send(["t", "while down"]);
          const second = await peer.open("Subscriber");
          await second.subscribe("t");
          await second.bind(endpoint);
          // Repeats of the first message the first SUB did not take may
          // still be queued ahead of it.
          let message: Uint8Array[];
          do message = await second.receive(); while (message[1]?.[0] === 49);
          assertEquals(message, ["t", "while down"].map((s) => text.encode(s)));
          await closeLibzmq(second);
          await pub.close();
        },
      );
      // libzmq writes the welcome when a pipe is made: once a connect, or
      // once a link with `immediate` (a pipe each).
      for (const immediate of [false, true]) {
        await t.step(
          immediate
            ? "XPUB with immediate welcomes a SUB it connects to at each link"
            : "XPUB welcomes a SUB it connects to once, not at each reconnect",
          async () => {
            const xpub = new XPublisher({
              reconnectInterval: 20,
              xpubWelcomeMessage: "welcome",
              immediate,
            });
            xpub.connect(endpoint);
            const expected = immediate
              ? ["welcome", "welcome"]
              : ["welcome", "after"];
            for (const first of expected) {
              const sub = await peer.open("Subscriber");
              await sub.subscribe("");
              await sub.bind(endpoint);
              await xpub.events.wait(
                "handshake-succeeded",
                AbortSignal.timeout(5000),
              );
              assertEquals(
                await sendUntilReceived(
                  () => xpub.send("after"),
                  sub.receive(),
                ),
                [text.encode(first)],
              );
              await closeLibzmq(sub);
              await xpub.events.wait(
                "disconnected",
                AbortSignal.timeout(5000),
              );
            }
            await xpub.close();
          },
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
