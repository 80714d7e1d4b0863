/**
 * Lazy Pirate client (the guide's lpclient.c): reliable request-reply over
 * a REQ socket. After a timeout, as the C original, it closes its socket
 * and sends the request again on a new one, so that the requests on the
 * wire are a plain REQ's ([empty, body]) that the guide's queues and
 * workers in any language take (ppworker.c checks for exactly that).
 *
 *     deno run --allow-net examples/lpclient.ts
 *
 * @module
 */
import { Request, ZmqError } from "@zmtp/zmq";

/** Options for running the client inside a test. */
export interface LazyClientOptions {
  /** The server. Default: the guide's tcp://localhost:5555. */
  endpoint?: string | undefined;
  /** How long to wait for a reply, in ms. Default 2500, as in the C original. */
  timeoutMs?: number | undefined;
  /** Tries before giving up. Default 3. */
  retries?: number | undefined;
  /** Requests to send; default: until the server seems offline. */
  requests?: number | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Runs the client; returns how many requests got their reply. */
export async function lazyClient(
  options: LazyClientOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const retries = options.retries ?? 3;
  print("I: connecting to server...");
  const endpoint = options.endpoint ?? "tcp://localhost:5555";
  const timeoutMs = options.timeoutMs ?? 2500;
  const connect = async (): Promise<Request> => {
    const socket = new Request({ receiveTimeout: timeoutMs, linger: 0 });
    try {
      socket.connect(endpoint);
    } catch (error) {
      await socket.close();
      throw error;
    }
    return socket;
  };
  let client = await connect();
  let answered = 0;
  try {
    for (
      let sequence = 1;
      sequence <= (options.requests ?? Infinity);
      sequence++
    ) {
      const request = String(sequence);
      await client.send(request);
      for (let retriesLeft = retries;;) {
        try {
          const [reply] = await client.receive();
          const text = new TextDecoder().decode(reply);
          if (Number(text) === sequence) {
            print(`I: server replied OK (${text})`);
            answered++;
            break;
          }
          print(`E: malformed reply from server: ${text}`);
          // As the C original, whose poll then waits out the timeout: no
          // other reply comes to a REQ that has had one.
          await new Promise((resolve) => setTimeout(resolve, timeoutMs));
        } catch (error) {
          if (
            !(error instanceof ZmqError && error.code === "EAGAIN")
          ) throw error;
        }
        if (--retriesLeft === 0) {
          print("E: server seems to be offline, abandoning");
          return answered;
        }
        print("W: no response from server, retrying...");
        // The old socket waits for a reply that may never come: close it
        // and send the request again on a new one.
        await client.close();
        print("I: reconnecting to server...");
        client = await connect();
        await client.send(request);
      }
    }
    return answered;
  } finally {
    await client.close();
  }
}

if (import.meta.main) await lazyClient();
