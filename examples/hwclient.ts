/**
 * Hello World client (the guide's hwclient.c): connects REQ to
 * tcp://localhost:5555, sends "Hello" to the server, expects "World" back.
 *
 *     deno run --allow-net examples/hwclient.ts
 *
 * @module
 */
import { Request } from "@zmtp/zmq";

/** Runs the client against `endpoint` (default: the guide's). */
export async function helloClient(
  endpoint = "tcp://localhost:5555",
  print: (line: string) => void = console.log,
): Promise<void> {
  print("Connecting to hello world server...");
  await using requester = new Request();
  requester.connect(endpoint);
  for (let requestNumber = 0; requestNumber !== 10; requestNumber++) {
    print(`Sending Hello ${requestNumber}...`);
    await requester.send("Hello");
    await requester.receive();
    print(`Received World ${requestNumber}`);
  }
}

if (import.meta.main) await helloClient();
