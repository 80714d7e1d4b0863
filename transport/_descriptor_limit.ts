/**
 * The process's limit of open file descriptors, where a program can read
 * it without asking, and the peers a socket accepts by default below it.
 *
 * @module
 */
import { granted } from "./_permission.ts";

/**
 * Descriptors a socket's accepts leave to the rest of the program by
 * default: an eighth of the limit, and at least this many.
 */
const LEAVE_AT_LEAST = 32;

let _limit: number | null | undefined;

/**
 * The soft limit (`ulimit -n`), read once from Linux's /proc/self/limits
 * where read access is granted already (Deno lets only a program with
 * every permission read it): never a prompt. `undefined` elsewhere (no
 * permission, another system, a browser) or if it is unlimited.
 */
function descriptorLimit(): number | undefined {
  if (_limit === undefined) _limit = _readLimit() ?? null;
  return _limit ?? undefined;
}

function _readLimit(): number | undefined {
  const path = "/proc/self/limits";
  if (!granted({ name: "read", path })) return undefined;
  try {
    const deno = (globalThis as { Deno?: typeof Deno }).Deno;
    const soft = /^Max open files\s+(\d+)/m.exec(deno!.readTextFileSync(path));
    return soft ? Number(soft[1]) : undefined;
  } catch {
    return undefined; // Not Linux, or a read Deno allows only with -A.
  }
}

/**
 * `maxConnections` when not given: the limit less an eighth of it (at
 * least 32), so that accepting peers never takes the last descriptors;
 * -1 (no limit) where the limit cannot be read.
 */
export function defaultMaxConnections(): number {
  const limit = descriptorLimit();
  if (limit === undefined) return -1;
  return Math.max(1, limit - Math.max(LEAVE_AT_LEAST, Math.ceil(limit / 8)));
}

/**
 * Accepted peers being served by every socket of this isolate (the sockets
 * count them): what the default `maxConnections` bounds, all together.
 */
export const acceptedInIsolate = { count: 0 };

/**
 * Whether one more accepted peer fits under `maxConnections`: a socket's
 * own peers under its own, or this isolate's under the default, which
 * bounds every socket together, as the descriptors are the process's (two
 * sockets at the default take no more of them than one).
 *
 * @param maxConnections The socket's; -1 for no limit.
 * @param accepted The socket's accepted peers being served.
 */
export function admitsAnother(
  maxConnections: number,
  accepted: number,
): boolean {
  if (maxConnections < 0) return true;
  const counted = maxConnections === defaultMaxConnections()
    ? acceptedInIsolate.count
    : accepted;
  return counted < maxConnections;
}
