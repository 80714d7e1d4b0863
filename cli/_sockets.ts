/**
 * The socket types the `zmq` command runs, each with the part it plays on
 * the command line (what it reads from stdin, what it prints) and examples
 * for its help.
 *
 * @module
 */

import {
  Channel,
  Client,
  Datagram,
  Dealer,
  Dish,
  Gather,
  type Message,
  Pair,
  Peer,
  Publisher,
  Pull,
  Push,
  Radio,
  Reply,
  Request,
  Router,
  Scatter,
  Server,
  type Socket,
  type SocketOptions,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "../mod.ts";
import { CliError } from "./_errors.ts";
import type { CliMessage, LeadingField } from "./_message.ts";

/**
 * What a type does on the command line: `send` reads stdin and sends,
 * `receive` prints what arrives, `both` does both at once, `request` sends
 * a line and prints its reply (REQ), `reply` prints a request and answers
 * it (REP).
 */
export type Role = "send" | "receive" | "both" | "request" | "reply";

/** The flags only some types take. */
export type TypeFlag = "subscribe" | "join" | "group" | "echo";

/** One socket type of the command line. */
export interface SocketKind {
  /** The name, as typed: `pull`. */
  readonly name: string;
  /** What it does with stdin and stdout. */
  readonly role: Role;
  /** The types it talks to, for the help. */
  readonly peers: string;
  /** One line for the help. */
  readonly summary: string;
  /** What each input message leads with, beside its frames. */
  readonly leading?: LeadingField | undefined;
  /** The flags of its own it takes. */
  readonly flags: readonly TypeFlag[];
  /** Command lines for the help. */
  readonly examples: readonly string[];
  /** Makes the socket. */
  make(options: SocketOptions): Socket;
}

const _both: readonly TypeFlag[] = ["echo"];

/** Every socket type, by name. */
export const SOCKET_KINDS: ReadonlyMap<string, SocketKind> = new Map(
  ([
    {
      name: "pair",
      role: "both",
      peers: "PAIR",
      summary: "talks with one PAIR peer, both ways",
      flags: _both,
      examples: [
        "zmq pair --bind tcp://*:5555",
        "zmq pair --connect tcp://localhost:5555",
      ],
      make: (options) => new Pair(options),
    },
    {
      name: "pub",
      role: "send",
      peers: "SUB, XSUB",
      summary:
        "publishes each line of stdin to the subscribers of its first bytes",
      flags: [],
      examples: [
        "seq 1 1000 | zmq pub --bind tcp://*:5556 --delay 1000",
        "zmq pub --connect tcp://localhost:5559 --format jsonl < updates.jsonl",
      ],
      make: (options) => new Publisher(options),
    },
    {
      name: "sub",
      role: "receive",
      peers: "PUB, XPUB",
      summary:
        "prints the messages that start with a --subscribe prefix (all of them without)",
      flags: ["subscribe"],
      examples: [
        'zmq sub --connect tcp://localhost:5556 --subscribe "10001 "',
        "zmq sub --connect tcp://localhost:5556 -n 10 --format hex",
      ],
      make: (options) => new Subscriber(options),
    },
    {
      name: "req",
      role: "request",
      peers: "REP, ROUTER",
      summary: "sends each line of stdin as a request and prints its reply",
      flags: [],
      examples: [
        "zmq req --connect tcp://localhost:5555 < requests.txt",
        "echo Hello | zmq req --connect tcp://localhost:5555 --timeout 2500",
      ],
      make: (options) => new Request(options),
    },
    {
      name: "rep",
      role: "reply",
      peers: "REQ, DEALER",
      summary:
        "prints each request and replies with the next line of stdin (--echo: with the request)",
      flags: ["echo"],
      examples: [
        "zmq rep --bind tcp://*:5555 --echo",
        "zmq rep --bind tcp://*:5555 < replies.txt",
      ],
      make: (options) => new Reply(options),
    },
    {
      name: "dealer",
      role: "both",
      peers: "ROUTER, REP, DEALER",
      summary: "sends stdin to its peers in turn, and prints what comes back",
      flags: _both,
      examples: [
        "printf '\\tHello\\n' | zmq dealer --connect tcp://localhost:5555 -n 1",
      ],
      make: (options) => new Dealer(options),
    },
    {
      name: "router",
      role: "both",
      peers: "DEALER, REQ, ROUTER",
      summary:
        "prints each message after its sender's routing id; sends each line to the peer its first field names",
      flags: _both,
      examples: [
        "zmq router --bind tcp://*:5555 --format hex",
        "zmq router --bind tcp://*:5555 --echo",
      ],
      make: (options) => new Router(options),
    },
    {
      name: "pull",
      role: "receive",
      peers: "PUSH",
      summary: "prints what its PUSH peers send",
      flags: [],
      examples: [
        "zmq pull --bind tcp://*:5557",
        "zmq pull --bind tcp://*:5557 -n 1 --format raw > received.bin",
      ],
      make: (options) => new Pull(options),
    },
    {
      name: "push",
      role: "send",
      peers: "PULL",
      summary: "sends each line of stdin to its PULL peers in turn",
      flags: [],
      examples: [
        "echo hi | zmq push --connect tcp://localhost:5557",
        "zmq push --connect tcp://localhost:5557 --format raw < photo.jpg",
      ],
      make: (options) => new Push(options),
    },
    {
      name: "xpub",
      role: "both",
      peers: "SUB, XSUB",
      summary:
        "publishes stdin, and prints the subscriptions that arrive (\\x01 or \\x00, then the prefix)",
      flags: _both,
      examples: ["zmq xpub --bind tcp://*:5556 --format hex"],
      make: (options) => new XPublisher(options),
    },
    {
      name: "xsub",
      role: "both",
      peers: "PUB, XPUB",
      summary:
        "prints what it is published; stdin lines are sent upstream (subscriptions are \\x01 and a prefix)",
      flags: ["subscribe", "echo"],
      examples: ["zmq xsub --connect tcp://localhost:5556 --subscribe weather"],
      make: (options) => new XSubscriber(options),
    },
    {
      name: "stream",
      role: "both",
      peers: "raw TCP peers (no ZeroMQ)",
      summary:
        "prints [routing id, data] for what TCP peers send; sends [routing id, data] to one",
      flags: _both,
      examples: [
        "zmq stream --bind tcp://*:7000 --echo   # a TCP echo server: nc localhost 7000",
        "zmq stream --bind tcp://*:8080 --format hex",
      ],
      make: (options) => new Stream(options),
    },
    {
      name: "server",
      role: "both",
      peers: "CLIENT",
      summary:
        "prints each message after its sender's routing id; a line of stdin is a routing id, a tab, a reply",
      leading: "routingId",
      flags: _both,
      examples: [
        "zmq server --bind tcp://*:5555 --echo",
        "zmq server --bind tcp://*:5555 --format jsonl",
      ],
      make: (options) => new Server(options),
    },
    {
      name: "client",
      role: "both",
      peers: "SERVER",
      summary:
        "sends stdin to its SERVER peers in turn, and prints the replies",
      flags: _both,
      examples: ["echo ping | zmq client --connect tcp://localhost:5555 -n 1"],
      make: (options) => new Client(options),
    },
    {
      name: "radio",
      role: "send",
      peers: "DISH",
      summary: "sends each line to a group: --group, or the line's first field",
      leading: "group",
      flags: ["group"],
      examples: [
        "echo sunny | zmq radio --connect udp://239.0.0.1:5555 --group weather",
        'printf "weather\\tsunny\\n" | zmq radio --bind tcp://*:5556 --delay 500',
      ],
      make: (options) => new Radio(options),
    },
    {
      name: "dish",
      role: "receive",
      peers: "RADIO",
      summary: "prints the messages of the --join groups, each after its group",
      flags: ["join"],
      examples: [
        "zmq dish --bind udp://*:5555 --join weather",
        "zmq dish --connect tcp://localhost:5556 --join weather --join news --format jsonl",
      ],
      make: (options) => new Dish(options),
    },
    {
      name: "scatter",
      role: "send",
      peers: "GATHER",
      summary: "sends each line of stdin to its GATHER peers in turn",
      flags: [],
      examples: ["seq 1 10 | zmq scatter --bind tcp://*:5557"],
      make: (options) => new Scatter(options),
    },
    {
      name: "gather",
      role: "receive",
      peers: "SCATTER",
      summary: "prints what its SCATTER peers send",
      flags: [],
      examples: ["zmq gather --connect tcp://localhost:5557"],
      make: (options) => new Gather(options),
    },
    {
      name: "peer",
      role: "both",
      peers: "PEER",
      summary:
        "as server, and it connects too: each --connect's routing id is printed on stderr",
      leading: "routingId",
      flags: _both,
      examples: [
        "zmq peer --bind tcp://*:5555 --echo",
        "zmq peer --connect tcp://localhost:5555   # then type the routing id it printed, a tab, hi",
      ],
      make: (options) => new Peer(options),
    },
    {
      name: "channel",
      role: "both",
      peers: "CHANNEL",
      summary: "talks with one CHANNEL peer, both ways (single-frame PAIR)",
      flags: _both,
      examples: ["zmq channel --bind tcp://*:5555"],
      make: (options) => new Channel(options),
    },
    {
      name: "dgram",
      role: "both",
      peers: "UDP senders and receivers",
      summary:
        "prints [address, datagram] for what arrives; a line is an address (ip:port), a tab, a datagram",
      flags: _both,
      examples: [
        "zmq dgram --bind udp://*:5555 --echo",
        'printf "127.0.0.1:5555\\thello\\n" | zmq dgram --bind udp://*:0 -n 1',
      ],
      make: (options) => new Datagram(options),
    },
  ] satisfies SocketKind[]).map((kind) => [kind.name, kind]),
);

/**
 * A received message as the command line shows it: a SERVER's or PEER's
 * routing id and a DISH's group come along.
 *
 * @example
 * ```ts
 * import { fromReceived } from "./_sockets.ts";
 *
 * const message = fromReceived(Object.assign([new Uint8Array(2)], { routingId: 9 }));
 * console.log(message.routingId, message.frames.length); // 9 1
 * ```
 *
 * @param message What `receive` gave.
 * @returns The message.
 */
export function fromReceived(
  message: Message & { routingId?: number; group?: string },
): CliMessage {
  const received: CliMessage = { frames: [...message] };
  if (message.routingId !== undefined) received.routingId = message.routingId;
  if (message.group !== undefined) received.group = message.group;
  return received;
}

/**
 * Sends a message the way its socket's type wants it: to a routing id, to a
 * group, or as frames.
 *
 * @example
 * ```ts
 * import { Pull, Push } from "../mod.ts";
 * import { sendAs } from "./_sockets.ts";
 *
 * await using pull = new Pull();
 * await pull.bind("tcp://127.0.0.1:0");
 * await using push = new Push();
 * push.connect(pull.lastEndpoint!);
 * await sendAs(push, { frames: [new TextEncoder().encode("hi")] });
 * await pull.receive();
 * ```
 *
 * @param socket The socket.
 * @param message The message.
 * @param signal Abandons the send.
 * @returns Settles when queued.
 * @throws {CliError} When a SERVER or PEER message has no routing id, or a
 * RADIO message no group.
 */
export function sendAs(
  socket: Socket,
  message: CliMessage,
  signal?: AbortSignal,
): Promise<void> {
  if (socket instanceof Server || socket instanceof Peer) {
    if (message.routingId === undefined) {
      throw new CliError(
        `a ${socket.type} message needs the routing id of the peer to send to`,
      );
    }
    return socket.send(message.frames, {
      routingId: message.routingId,
      signal,
    });
  }
  if (socket instanceof Radio) {
    if (message.group === undefined) {
      throw new CliError(
        "a RADIO message needs a group: --group GROUP, or a first field",
      );
    }
    return socket.send(message.frames, { group: message.group, signal });
  }
  return socket.send(message.frames, { signal });
}
