/**
 * Lazy Pirate client (the guide's lpclient.c): reliable request-reply over
 * a REQ socket. Where the C original closes and reopens its socket after a
 * timeout, this one sets `requestRelaxed` and `requestCorrelate` and simply
 * sends the request again: a late reply to the abandoned try is dropped.
 *
 *     deno run --allow-net examples/lpclient.ts
 *
 * @module
 */
import { Request, ZmqError } from "@zmtp/zmq";

/** Options for running the client inside a test. */
export interface LazyClientOptions {
  /** The server. Default: the guide's tcp://localhost:5555. */
  endpoint?: string;
  /** How long to wait for a reply, in ms. Default 2500, as in the C original. */
  timeoutMs?: number;
  /** Tries before giving up. Default 3. */
  retries?: number;
  /** Requests to send; default: until the server seems offline. */
  requests?: number;
  /** Where lines go. */
  print?: (line: string) => void;
}

/** Runs the client; returns how many requests got their reply. */
export async function lazyClient(
  options: LazyClientOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const retries = options.retries ?? 3;
  print("I: connecting to server...");
  await using client = new Request({
    requestRelaxed: true,
    requestCorrelate: true,
    receiveTimeout: options.timeoutMs ?? 2500,
    linger: 0,
  });
  client.connect(options.endpoint ?? "tcp://localhost:5555");
  let answered = 0;
  for (
    let sequence = 1;
    sequence <= (options.requests ?? Infinity);
    sequence++
  ) {
    await client.send(String(sequence));
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
      } catch (error) {
        if (
          !(error instanceof ZmqError && error.code === "EAGAIN")
        ) throw error;
        if (--retriesLeft === 0) {
          print("E: server seems to be offline, abandoning");
          return answered;
        }
        print("W: no response from server, retrying...");
        // Relaxed: the same socket sends again; its reconnects are automatic.
        print("I: reconnecting to server...");
        await client.send(String(sequence));
      }
    }
  }
  return answered;
}

if (import.meta.main) await lazyClient();
