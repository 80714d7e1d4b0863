/**
 * DGRAM: raw UDP datagrams, each addressed (draft in libzmq).
 *
 * @module
 */

import {
  MAX_DATAGRAM_BYTES,
  parseDatagramAddress,
} from "../codec/_datagram.ts";
import { ZmqError } from "../codec/errors.ts";
import type { OutboundMessage } from "./message.ts";
import type { SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { Exclusive } from "./_exclusive.ts";
import type { Pipe } from "./_pipe.ts";
import { combine, defineRouting } from "./_routing.ts";

/**
 * Sends and receives raw UDP datagrams on one bound `udp://` address. A
 * message is two frames, `[address, body]`: the address is `ip:port`
 * (IPv4, or `[ipv6]:port`) to send to, or that the datagram came from.
 * libzmq ends a received address with a NUL byte; ours do not, and `send`
 * takes both. A body sent is at most 8192 bytes, the most libzmq reads; a
 * longer datagram from another sender is received cut to its first 8192
 * bytes, silently, as libzmq receives it. An address of the other family
 * than the bind's (IPv6 from a socket bound on IPv4, or the other way
 * round) is well formed, so `send` takes it, but the datagram reaches
 * nobody: it is lost, as a datagram may be (libzmq reads IPv4 addresses
 * only, and drops any other as silently).
 *
 * A DGRAM binds one `udp://` address (libzmq keeps one: the socket of a
 * second bind is closed at once) and cannot connect; `send` waits until
 * it is bound.
 *
 * @example
 * ```ts
 * import { Datagram } from "@zmtp/zmq";
 *
 * const alice = new Datagram();
 * await alice.bind("udp://127.0.0.1:0");
 * const bob = new Datagram();
 * await bob.bind("udp://127.0.0.1:0");
 * await alice.send([bob.lastEndpoint!.slice("udp://".length), "hello"]);
 * const [from, body] = await bob.receive();
 * await bob.send([from, body]); // back to alice
 * await alice.receive();
 * await bob.close();
 * await alice.close();
 * ```
 */
export class Datagram extends Socket {
  /**
   * Makes a DGRAM socket.
   *
   * @param options Socket options.
   */
  constructor(options: SocketOptions = {}) {
    super("DGRAM", options);
    if (new.target === Datagram) Object.preventExtensions(this);
  }
}

/**
 * DGRAM's rule for what a message is, checked before a send waits.
 *
 * @throws {ZmqError} `EINVAL` for anything but `[address, body]` with an
 * IP address and a body of at most {@linkcode MAX_DATAGRAM_BYTES}.
 */
function _checkDatagram(frames: OutboundMessage): void {
  if (frames.length !== 2) {
    throw new ZmqError(
      "EINVAL",
      'a DGRAM message is two frames: [address, body], such as ["127.0.0.1:5555", data]',
    );
  }
  parseDatagramAddress(frames[0]);
  if (frames[1].length > MAX_DATAGRAM_BYTES) {
    throw new ZmqError(
      "EINVAL",
      `a DGRAM body is at most ${MAX_DATAGRAM_BYTES} bytes (the most libzmq reads); this one is ${
        frames[1].length
      }`,
    );
  }
}

// One bound udp pipe, as PAIR's; the link of a second bind is closed at
// once, so that it holds no port (a PAIR keeps a second peer, unheard).
defineRouting("DGRAM", () => {
  const exclusive = new Exclusive({ ownEndsGiveWay: true });
  return combine({ check: _checkDatagram }, exclusive, {
    ready: (pipe: Pipe) => exclusive.heard(pipe),
  });
});
