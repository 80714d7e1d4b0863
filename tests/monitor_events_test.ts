/**
 * What our events name, beside what libzmq's monitor names in the same
 * case (pyzmq's `get_monitor_socket`, libzmq 4.3.4).
 */
import { assertEquals } from "@std/assert";
import { Pull, Push, type SocketEvent } from "../mod.ts";
import { decode, runPython, timeout } from "./_helpers.ts";
import { LibzmqPeer } from "./_libzmq_peer.ts";

/** A libzmq PULL bound at `tcp://*:0`, a PUSH connected to 127.0.0.1: the
 * endpoints of its listening and accepted events, the port as `PORT`. */
const WILDCARD_PY = `
import zmq
from zmq.utils.monitor import recv_monitor_message
context = zmq.Context()
pull = context.socket(zmq.PULL)
monitor = pull.get_monitor_socket()
pull.bind("tcp://*:0")
port = pull.getsockopt(zmq.LAST_ENDPOINT).decode().rsplit(":", 1)[1]
push = context.socket(zmq.PUSH)
push.connect("tcp://127.0.0.1:" + port)
seen = {}
while "accepted" not in seen and monitor.poll(5000):
    event = recv_monitor_message(monitor)
    name = {zmq.EVENT_LISTENING: "listening", zmq.EVENT_ACCEPTED: "accepted"}.get(event["event"])
    if name:
        seen[name] = event["endpoint"].decode().replace(port, "PORT")
print(seen.get("listening"), seen.get("accepted"))
for socket in (push, pull, monitor):
    socket.close(0)
context.term()
`;

Deno.test("events: a peer accepted on a wildcard bind is named by the address it reached, as libzmq's monitor names it; unbind still drops it", async () => {
  const [listening, accepted] = (await runPython(WILDCARD_PY)).split(" ");
  assertEquals([listening, accepted], [
    "tcp://0.0.0.0:PORT",
    "tcp://127.0.0.1:PORT",
  ]);
  await using peer = new LibzmqPeer();
  await using pull = new Pull();
  await pull.bind("tcp://*:0");
  const port = pull.lastEndpoint!.split(":").at(-1)!;
  const named = async (type: SocketEvent["type"]) => {
    const event = await pull.events.wait(type, timeout().signal);
    return (event as { endpoint: string }).endpoint.replace(port, "PORT");
  };
  assertEquals(await named("listening"), listening);
  const push = await peer.open("Push");
  await push.connect(`tcp://127.0.0.1:${port}`);
  assertEquals(await named("accepted"), accepted);
  assertEquals(await named("handshake-succeeded"), accepted);
  // Unbinding drops the peers that came by it, whatever they are named.
  const dropped = named("disconnected");
  await pull.unbind(pull.lastEndpoint!);
  assertEquals(await dropped, accepted);
  await push.close();
});

Deno.test("events: an ipc path that reads like a wildcard (ipc://0.0.0.0:7, relative) is no wildcard: its peers are named by it", async () => {
  const directory = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  Deno.chdir(directory);
  try {
    await using pull = new Pull();
    await pull.bind("ipc://0.0.0.0:7");
    await using push = new Push();
    push.connect(`ipc://${directory}/0.0.0.0:7`);
    const accepted = await pull.events.wait("accepted", timeout().signal);
    assertEquals(accepted.endpoint, "ipc://0.0.0.0:7");
    await push.send("in");
    assertEquals(decode((await pull.receive(timeout()))[0]), "in");
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(directory, { recursive: true });
  }
});
