/**
 * Start order and restarts against libzmq: we connect before libzmq binds,
 * and libzmq's server is closed and bound again while our SUB/PULL keep
 * receiving afterwards (reconnecting and, for SUB, resubscribing).
 */
import { assertEquals } from "@std/assert";
import { Pull, Subscriber } from "../mod.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";
import { freePort, sendUntilReceived } from "./_helpers.ts";

const text = new TextEncoder();
const receive = (socket: Pull | Subscriber) =>
  socket.receive({ signal: AbortSignal.timeout(5000) });

for (const transport of ["tcp", "ipc", "ws"] as const) {
  Deno.test(`we connect first; libzmq binds, restarts and binds again (${transport})`, async (t) => {
    await using peer = new LibzmqPeer();
    const dir = await Deno.makeTempDir();
    const port = freePort();
    const endpoint = transport === "ipc"
      ? `ipc://${dir}/restart.sock`
      : `${transport}://127.0.0.1:${port}${transport === "ws" ? "/zmq" : ""}`;
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
            await pub.close();
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
          await push.close();
          await pull.events.wait("disconnected", AbortSignal.timeout(5000));
        }
        await pull.close();
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
