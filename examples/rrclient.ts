/**
 * Hello World client through a broker (the guide's rrclient.c): connects
 * REQ to tcp://localhost:5559, the broker's frontend.
 *
 *     deno run --allow-net examples/rrclient.ts
 *
 * @module
 */
import { Request } from "@zmtp/zmq";

/** Sends 10 requests through the broker at `endpoint`. */
export async function brokerClient(
  endpoint = "tcp://localhost:5559",
  print: (line: string) => void = console.log,
): Promise<void> {
  await using requester = new Request();
  requester.connect(endpoint);
  for (let requestNumber = 0; requestNumber !== 10; requestNumber++) {
    await requester.send("Hello");
    const [reply] = await requester.receive();
    print(
      `Received reply ${requestNumber} [${new TextDecoder().decode(reply)}]`,
    );
  }
}

if (import.meta.main) await brokerClient();
