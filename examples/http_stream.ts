/**
 * A tiny HTTP server on a STREAM socket (ZMQ_STREAM): each browser or
 * `curl` connection is a peer with a routing id, its request arrives as
 * `[id, bytes]`, the page goes back as `[id, bytes]`, and `[id, ""]` closes
 * the connection once the page is written. A request head over 8 KiB
 * closes the connection unanswered.
 *
 *     deno run --allow-net=127.0.0.1 examples/http_stream.ts [endpoint] [requests]
 *
 * It prints the page's URL (`tcp://127.0.0.1:0` by default: any free port);
 * open it, or `curl` it. Ctrl-C stops it.
 *
 * @module
 */
import { Stream, ZmqError } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";

/** Options for running the server inside a test or another program. */
export interface HttpStreamOptions {
  /** Where to bind. Default: tcp://127.0.0.1:0 (any free port). */
  endpoint?: string | undefined;
  /** Stop after answering this many requests. Default: never. */
  requests?: number | undefined;
  /** Called once bound, with the page's URL. */
  onBound?: ((url: string) => void) | undefined;
  /** Stops the server when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

const _encoder = new TextEncoder();
/** The longest request head read; a peer that sends more is closed. */
const _MAX_HEAD_BYTES = 8 * 1024;
const _PAGE = `<!doctype html>
<meta charset="utf-8">
<title>ZMQ_STREAM</title>
<h1>Hello from a ZeroMQ STREAM socket</h1>
<p>This page came over raw TCP, one <code>[routingId, bytes]</code> message.</p>
`;

/** The answer to a request head: the page, or 404 for any other path. */
function _response(head: string): Uint8Array {
  const [method, path] = head.split(" ", 2);
  const found = method === "GET" && path === "/";
  const body = _encoder.encode(found ? _PAGE : "Not found\n");
  const status = found ? "200 OK" : "404 Not Found";
  const type = found ? "text/html; charset=utf-8" : "text/plain";
  const headers = _encoder.encode(
    `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  const response = new Uint8Array(headers.length + body.length);
  response.set(headers);
  response.set(body, headers.length);
  return response;
}

/** A request head as it comes in, read after read. */
class _Head {
  text = "";
  bytes = 0;
  #decoder = new TextDecoder();

  add(data: Uint8Array): void {
    this.text += this.#decoder.decode(data, { stream: true });
    this.bytes += data.length;
  }

  get complete(): boolean {
    return this.text.includes("\r\n\r\n");
  }
}

/**
 * Sends the response, if any, and closes the connection once it is written,
 * unless the peer left after its request came (EHOSTUNREACH): then nobody
 * is there to read.
 */
async function _answer(
  server: Stream,
  id: Uint8Array,
  response?: Uint8Array,
): Promise<void> {
  try {
    if (response) await server.send([id, response]);
    await server.send([id, ""]);
  } catch (error) {
    if (!(error instanceof ZmqError && error.code === "EHOSTUNREACH")) {
      throw error;
    }
  }
}

/** Runs the server. */
export async function httpStream(
  options: HttpStreamOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  await using server = new Stream();
  await server.bind(options.endpoint ?? "tcp://127.0.0.1:0");
  const url = server.lastEndpoint!.replace("tcp://", "http://") + "/";
  print(`Serving ${url}`);
  options.onBound?.(url);
  // What each connection has sent of its request so far, by routing id,
  // with its own decoder: a character may be split across two reads.
  const heads = new Map<string, _Head>();
  let answered = 0;
  for await (const [id, data] of server.messages({ signal: options.signal })) {
    const peer = id.join(".");
    if (data.length === 0) {
      // A connection, or its end: nothing to answer.
      heads.delete(peer);
      continue;
    }
    const head = heads.get(peer) ?? new _Head();
    heads.set(peer, head);
    head.add(data);
    if (!head.complete) {
      if (head.bytes <= _MAX_HEAD_BYTES) continue;
      heads.delete(peer); // too long for a request head: hang up
      await _answer(server, id);
      continue;
    }
    heads.delete(peer);
    print(head.text.slice(0, head.text.indexOf("\r\n")));
    await _answer(server, id, _response(head.text));
    if (++answered === options.requests) break;
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  const [endpoint, requests] = Deno.args;
  await httpStream({
    endpoint,
    requests: requests ? Number(requests) : undefined,
    signal: interrupt.signal,
  });
}
