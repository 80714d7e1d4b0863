// The libzmq peer for our interop tests: a Node process using the npm package
// `zeromq` (libzmq 4.3.5 inside), driven over stdin/stdout with one JSON line
// per command. zeromq.js stalls inside Deno (denoland/deno#36317), so it runs
// here, under Node, as a real separate peer.
"use strict";
const zmq = require("zeromq");
const readline = require("node:readline");

// The draft types (Server, Client, Radio, Dish, Scatter, Gather, Datagram),
// loaded only when a test opens one: loading them prints a warning.
let draft;
const socketClass = (type) =>
  zmq[type] ?? (draft ??= require("zeromq/draft"))[type];

// A libzmq socket type zeromq.js has no class for (ZMQ_PEER 19, ZMQ_CHANNEL
// 20), opened by number: the base class, plus the option `receive` sets.
class ByNumber extends zmq.Socket {
  get receiveTimeout() {
    return this.getInt32Option(27);
  }
  set receiveTimeout(value) {
    this.setInt32Option(27, value);
  }
}

const sockets = new Map();
const zapLog = [];
const decode = (frames) => frames.map((f) => Buffer.from(f, "base64"));
const encode = (frames) => frames.map((f) => Buffer.from(f).toString("base64"));

function reply(id, body) {
  process.stdout.write(JSON.stringify({ id, ...body }) + "\n");
}

async function echo(socket) {
  // Sends every message back as it came (REP: the reply; ROUTER: to its sender).
  try {
    for await (const message of socket) await socket.send(message);
  } catch {
    // Closed.
  }
}

const handlers = {
  version: () => ({ version: zmq.version }),
  open({ socket, type, options }) {
    const instance = typeof type === "number"
      ? new ByNumber(type, options ?? {})
      : new (socketClass(type))(options ?? {});
    sockets.set(socket, instance);
    return {};
  },
  async bind({ socket, endpoint }) {
    const s = sockets.get(socket);
    await s.bind(endpoint);
    return { endpoint: s.lastEndpoint };
  },
  connect({ socket, endpoint, options }) {
    // zeromq.js takes connect options on ROUTER only, and checks the count.
    if (options && Object.keys(options).length > 0) {
      sockets.get(socket).connect(endpoint, options);
    } else {
      sockets.get(socket).connect(endpoint);
    }
    return {};
  },
  async sendSequence({ socket, prefix, count }) {
    const s = sockets.get(socket);
    for (let i = 1; i <= count; i++) await s.send(`${prefix}${i}`);
    return {};
  },
  // Sends `size`-byte messages until one waits `wait` ms in vain (EAGAIN:
  // the peer stopped reading) or `limit` went.
  async sendUntilBlocked({ socket, size, limit, wait }) {
    const s = sockets.get(socket);
    s.sendTimeout = wait;
    const body = Buffer.alloc(size, 0x61);
    let sent = 0;
    try {
      while (sent < limit) {
        await s.send(body);
        sent++;
      }
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
      return { sent, blocked: true };
    }
    return { sent, blocked: false };
  },
  // `routingId` (Server) and `group` (Radio) go with the message.
  async send({ socket, frames, routingId, group }) {
    const s = sockets.get(socket);
    const message = decode(frames);
    if (routingId !== undefined) await s.send(message, { routingId });
    else if (group !== undefined) {
      await s.send(message, { group: Buffer.from(group, "base64") });
    } else await s.send(message);
    return {};
  },
  // A draft type's receive also reports the Server's routingId or the
  // Dish's group.
  async receive({ socket, timeout }) {
    const s = sockets.get(socket);
    s.receiveTimeout = timeout ?? 5000;
    const received = await s.receive();
    const last = received[received.length - 1];
    if (last && !Buffer.isBuffer(last) && typeof last === "object") {
      const frames = received.slice(0, -1);
      return {
        frames: encode(frames),
        routingId: last.routingId,
        group: last.group && Buffer.from(last.group).toString("base64"),
      };
    }
    return { frames: encode(received) };
  },
  join({ socket, group }) {
    sockets.get(socket).join(Buffer.from(group, "base64"));
    return {};
  },
  leave({ socket, group }) {
    sockets.get(socket).leave(Buffer.from(group, "base64"));
    return {};
  },
  subscribe({ socket, topic }) {
    sockets.get(socket).subscribe(Buffer.from(topic ?? "", "base64"));
    return {};
  },
  unsubscribe({ socket, topic }) {
    sockets.get(socket).unsubscribe(Buffer.from(topic ?? "", "base64"));
    return {};
  },
  echo({ socket }) {
    echo(sockets.get(socket));
    return {};
  },
  // A ZAP handler (RFC 27) on inproc://zeromq.zap.01 in zeromq.js's
  // context: allows the PLAIN users and CURVE keys (Z85) it is given, and
  // logs every request it judges; with `status`, answers every one so.
  async zapHandler({ users, keys, userId, status }) {
    const handler = new zmq.Reply();
    await handler.bind("inproc://zeromq.zap.01");
    sockets.set("zap", handler);
    (async () => {
      for await (const request of handler) {
        const [version, id, domain, , , mechanism, ...credentials] = request;
        const kind = mechanism.toString();
        const entry = { domain: domain.toString(), mechanism: kind };
        let allowed = false;
        if (kind === "PLAIN") {
          entry.username = credentials[0].toString();
          entry.password = credentials[1].toString();
          allowed = (users ?? {})[entry.username] === entry.password;
        } else if (kind === "CURVE") {
          entry.keyHex = credentials[0].toString("hex");
          allowed = (keys ?? []).includes(entry.keyHex);
        } else {
          allowed = true;
        }
        zapLog.push(entry);
        if (status) {
          await handler.send([version, id, status, "judged", "", ""]);
          continue;
        }
        await handler.send([
          version,
          id,
          allowed ? "200" : "400",
          allowed ? "OK" : "denied",
          allowed ? (userId ?? entry.username ?? "") : "",
          "",
        ]);
      }
    })().catch(() => {});
    return {};
  },
  zapLog: () => ({ log: zapLog }),
  // libzmq attaches a new peer (a bound SUB sends it its subscriptions) only
  // when the application thread next uses the socket; reading ZMQ_EVENTS does.
  touch({ socket }) {
    const s = sockets.get(socket);
    return { readable: s.readable, writable: s.writable };
  },
  // A libzmq option zeromq.js has no property for, as bytes (ZMQ_HELLO_MSG
  // 110: a message the socket sends each new peer).
  setBytesOption({ socket, option, value }) {
    sockets.get(socket).setStringOption(option, Buffer.from(value, "base64"));
    return {};
  },
  close({ socket }) {
    sockets.get(socket).close();
    sockets.delete(socket);
    return {};
  },
  exit() {
    for (const s of sockets.values()) {
      s.linger = 0;
      s.close();
    }
    setImmediate(() => process.exit(0));
    return {};
  },
};

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const command = JSON.parse(line);
  try {
    const result = await handlers[command.op](command);
    reply(command.id, { ok: true, ...result });
  } catch (error) {
    reply(command.id, {
      ok: false,
      error: String(error && error.message || error),
      code: error && error.code,
    });
  }
});
process.stdin.on("end", () => handlers.exit());
