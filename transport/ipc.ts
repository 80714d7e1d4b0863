/**
 * `ipc:///path`: ZMTP over unix domain sockets.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import { streamCodec, StreamLink } from "./stream_link.ts";
import { bindError, requireDeno, StreamListener } from "./_stream_listener.ts";
import type { Transport } from "./transport.ts";
import { granted } from "./_permission.ts";

/**
 * The longest path a unix socket takes: `sun_path` less its final zero,
 * 108 bytes on Linux, 104 on macOS and the BSDs.
 */
const _os = (globalThis as { Deno?: typeof Deno }).Deno?.build.os;
const MAX_PATH_BYTES = _os === "darwin" || _os === "freebsd" ||
    _os === "netbsd"
  ? 103
  : 107;
const _encoder = new TextEncoder();
const _tooLong = (path: string) =>
  _encoder.encode(path).length > MAX_PATH_BYTES;

/**
 * The `ipc` transport: a unix socket at a path. Binding removes a socket
 * file left by a process that died (and refuses one still in use);
 * closing removes the file, unless another process bound the path since.
 * `ipc://*` binds a socket in a new temporary directory (the bound endpoint
 * names it; closing removes both), and `ipc://@name` is a name in Linux's
 * abstract namespace, as libzmq reads them: no file.
 *
 * @example
 * ```ts
 * import { ipc } from "@zmtp/zmq/transport";
 *
 * console.log(ipc.scheme); // "ipc"
 * ```
 */
export const ipc: Transport = {
  scheme: "ipc",
  raw: "stream",

  check(path, use) {
    requireDeno("ipc", use); // as zmq_connect: EPROTONOSUPPORT at once
    if (path === "@") {
      throw new ZmqError("EINVAL", "ipc://@ names no abstract socket");
    }
    // As libzmq's ipc_address_t::resolve, at connect as at bind: a path
    // the system cannot take would be dialled, and fail, forever.
    if (_tooLong(path)) {
      throw new ZmqError(
        "ENAMETOOLONG",
        `ipc://${path} is longer than a unix socket takes (${MAX_PATH_BYTES} bytes)`,
      );
    }
  },

  async listen(given, options, accept) {
    requireDeno("ipc");
    const abstract = _isAbstract(given);
    let listener: Deno.UnixListener;
    let bound: string | undefined;
    let path = given;
    let directory: string | undefined;
    try {
      // `ipc://*`: a socket of our own in a fresh temporary directory, as
      // libzmq makes one; the bound endpoint names it.
      if (given.startsWith("*")) {
        directory = await Deno.makeTempDir({ prefix: "tmp" });
        path = `${directory}/socket`;
      } else if (!abstract) {
        await _removeStaleSocket(path);
      }
      if (abstract) {
        listener = Deno.listen({ transport: "unix", path: _socketPath(path) });
      } else {
        ({ listener, file: bound } = await _listenAt(path));
      }
    } catch (error) {
      if (directory) await Deno.remove(directory).catch(() => {});
      throw bindError(`ipc://${given}`, error);
    }
    // The file as bound: one another process has bound since (libzmq
    // unlinks and takes a path over) is its own, and stays.
    if (bound !== undefined) _boundHere.add(bound);
    const removeFile = async () => {
      if (bound !== undefined) _boundHere.delete(bound);
      if (bound !== undefined && (await _fileId(path)) === bound) {
        await Deno.remove(path).catch(() => {});
      }
      if (directory) await Deno.remove(directory).catch(() => {});
    };
    return new StreamListener(
      listener,
      `ipc://${path}`,
      options,
      accept,
      abstract ? undefined : removeFile,
    );
  },

  async dial(path, options) {
    requireDeno("ipc", "connect");
    const conn = await Deno.connect({
      transport: "unix",
      path: _socketPath(path),
    });
    return new StreamLink(conn, streamCodec(options, true));
  },
};

/**
 * The files (device and inode) our listeners hold: a bind there is refused
 * without a probe, which their sockets would take for a peer that came and
 * went (a STREAM would read it as two messages).
 */
const _boundHere = new Set<string>();

async function _removeStaleSocket(path: string): Promise<void> {
  let ours: boolean;
  try {
    const info = await Deno.lstat(path);
    if (!info.isSocket) return;
    ours = _boundHere.has(`${info.dev}:${info.ino}`);
  } catch {
    return;
  }
  if (!ours) {
    try {
      const probe = await Deno.connect({ transport: "unix", path });
      probe.close();
    } catch (error) {
      // Refused: nobody listens, a socket file left behind by a process
      // that died (reset: a listener closing as we came). Anything else (a
      // listener whose backlog is full, a file we may not use, a datagram
      // socket bound there) is no proof of that: the path is in use.
      if (
        error instanceof Deno.errors.ConnectionRefused ||
        error instanceof Deno.errors.ConnectionReset ||
        error instanceof Deno.errors.NotFound
      ) {
        await Deno.remove(path).catch(() => {});
        return;
      }
    }
  }
  throw new ZmqError(
    "EADDRINUSE",
    `ipc://${path} is in use: a listener answers there (this socket's, another socket's or another process's); libzmq would take the path over, which strands that listener's peers`,
  );
}

/**
 * Listens at a path. Deno's listener unlinks the path it was bound to when
 * it closes, even a file another process bound there since (as libzmq
 * does, unlinking ours): bound under a name of its own in the same
 * directory and linked into place, it unlinks only that name, and close
 * removes the path only while it is still this socket's file. A link,
 * not a rename: it takes no path that exists (a file that is no socket, a
 * listener that bound it meanwhile), as binding there would not.
 */
async function _listenAt(path: string): Promise<_Listening> {
  const slash = path.lastIndexOf("/");
  const directory = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const own = `${path.slice(0, slash + 1) || "./"}.z${
    crypto.randomUUID().slice(0, 8)
  }`;
  const inPlace = async (): Promise<_Listening> => {
    const listener = Deno.listen({ transport: "unix", path });
    return { listener, file: await _fileId(path) };
  };
  // Our own name too long for a socket (a path near the limit, or
  // `ipc://*` in a long TMPDIR): bound where it is, which refuses a path
  // too long.
  if (_tooLong(own)) return inPlace();
  // Permissions granted for the path alone: bound where it is (and Deno's
  // close unlinks the path, whoever bound it since), asking no prompt for
  // our own name. Asked of the directory and of all net, which grant our
  // name as only they can (no one lists a random name): Deno keeps the
  // answer to each question asked, for good, and a bind a second asked
  // three about a name of its own (about 1 KB each bind, never freed).
  if (
    !granted({ name: "read", path: directory }) ||
    !granted({ name: "write", path: directory }) ||
    !granted({ name: "net" })
  ) return inPlace();
  let listener: Deno.UnixListener;
  try {
    listener = Deno.listen({ transport: "unix", path: own });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    return inPlace();
  }
  try {
    await Deno.link(own, path);
    // Read from our own name: the path could be another's by now.
    return { listener, file: await _fileId(own) };
  } catch (error) {
    listener.close();
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new ZmqError(
        "EADDRINUSE",
        `ipc://${path} is in use: a file that is no socket is there, or a listener bound it meanwhile`,
      );
    }
    // No hard links here (a file system without them): bound in place,
    // awaited here, so that its failure is this bind's.
    if (error instanceof Deno.errors.NotFound) throw error;
    return await inPlace();
  } finally {
    await Deno.remove(own).catch(() => {});
  }
}

/** A listener at a path, and its file (device and inode) as bound. */
interface _Listening {
  listener: Deno.UnixListener;
  file: string | undefined;
}

/** The device and inode of the file at `path`, if there is one. */
async function _fileId(path: string): Promise<string | undefined> {
  try {
    const info = await Deno.lstat(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

function _isAbstract(path: string): boolean {
  return path.startsWith("@");
}

/** The path as the system takes it: `@name` is `\0name`, no file. */
function _socketPath(path: string): string {
  return _isAbstract(path) ? `\0${path.slice(1)}` : path;
}
