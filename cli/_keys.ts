/**
 * CURVE keys on the command line: given as Z85 text or as `@file`, and
 * printed by `zmq keygen` as a certificate file that `@file` reads back.
 *
 * @module
 */

import { generateKeyPair, sharesKey } from "../codec/_nacl.ts";
import { curveKeyPair, curvePublicKey } from "../codec/curve.ts";
import { toCurveKey } from "../codec/curve_keys.ts";
import { ZmqError } from "../codec/errors.ts";
import { z85Encode } from "../codec/z85.ts";
import { CliError } from "./_errors.ts";

/** Which key of a certificate file a flag wants. */
export type KeyRole = "public" | "secret";

/**
 * A key pair as czmq's certificate files hold it (ZPL: `curve`, then
 * `public-key = "…"` and `secret-key = "…"`), so `zmq keygen > server.cert`
 * gives a file that `--curve-secret-key @server.cert` reads.
 *
 * @example
 * ```ts
 * import { keygenText } from "./_keys.ts";
 *
 * const text = keygenText();
 * console.log(text.includes('public-key = "')); // true
 * ```
 *
 * @param pair The keys; a fresh pair by default.
 * @returns The file's text.
 */
export function keygenText(
  pair: { publicKey: string; secretKey: string } = curveKeyPair(),
): string {
  return [
    "#   ZeroMQ CURVE key pair (Z85), made by zmq keygen.",
    "#   Give the public key to peers; keep the secret key secret.",
    "curve",
    `    public-key = "${pair.publicKey}"`,
    `    secret-key = "${pair.secretKey}"`,
    "",
  ].join("\n");
}

/**
 * Reads a key flag's value: 40 Z85 characters, or `@path` to a file that
 * holds them, or 32 raw bytes, or a certificate with `public-key`/
 * `secret-key` lines (a secret-key certificate also gives its public key).
 * `@path` reads the file whenever it exists; a public key starting with
 * `@` is taken as written only when no such file exists, a secret key
 * never.
 *
 * @example
 * ```ts
 * import { readKey } from "./_keys.ts";
 *
 * const key = await readKey("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "public", "--curve-server-key");
 * console.log(key); // "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 * ```
 *
 * @param value The flag's value.
 * @param role Which key is wanted.
 * @param flag The flag, for the messages.
 * @returns The key as Z85.
 * @throws {CliError} For a file that cannot be read or a malformed key.
 */
export async function readKey(
  value: string,
  role: KeyRole,
  flag: string,
): Promise<string> {
  if (!value.startsWith("@")) return _checked(value, role, flag);
  const path = value.slice(1);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    // Z85 has "@" in its alphabet, so a key may start with it; but a path
    // is Z85 too, and a mistyped one taken for a secret key would be a
    // secret anyone could read off the command line. Only a public key
    // falls back: a wrong one fails the handshake, it weakens nothing.
    const missing = error instanceof Deno.errors.NotFound;
    if (missing && role === "public" && _isZ85Key(value)) {
      return _checked(value, role, flag);
    }
    throw new CliError(
      `${flag}: cannot read ${path}: ${(error as Error).message}${
        missing && role === "secret" && _isZ85Key(value)
          ? " (a secret key starting with @ is read from a file only)"
          : ""
      }`,
    );
  }
  if (bytes.length === 32) return _checked(bytes, role, flag);
  const text = new TextDecoder().decode(bytes);
  const lines = [...text.matchAll(/^\s*(public|secret)-key\s*=\s*"(.*)"/gm)];
  if (lines.length === 0) return _checked(text.trim(), role, flag);
  const wanted = lines.find((line) => line[1] === role)?.[2];
  if (wanted !== undefined) return _checked(wanted, role, flag);
  const secret = lines.find((line) => line[1] === "secret")?.[2];
  if (role === "public" && secret !== undefined) {
    return _derived(secret, flag);
  }
  throw new CliError(`${flag}: ${path} holds no ${role} key`);
}

/**
 * Checks a server key a client will use: a point of small order (all
 * zeros is one) shares no key with any secret, so every handshake would
 * fail; said here with the flag that gave it, rather than by the socket,
 * which names its option.
 *
 * @example
 * ```ts
 * import { checkServerKey } from "./_keys.ts";
 *
 * checkServerKey("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--curve-server-key");
 * ```
 *
 * @param key The key, as {@linkcode readKey} returned it.
 * @param flag The flag, for the message.
 * @throws {CliError} For a key of small order.
 */
export function checkServerKey(key: string, flag: string): void {
  // Any secret tells: a point of small order shares a key with none.
  const { secretKey } = generateKeyPair();
  const usable = sharesKey(toCurveKey(key, "public key"), secretKey);
  secretKey.fill(0);
  if (!usable) {
    throw new CliError(
      `${flag}: not a usable CURVE public key (a point of small order, as all zeros is): no server has it`,
    );
  }
}

function _isZ85Key(value: string): boolean {
  try {
    toCurveKey(value, "key");
    return true;
  } catch {
    return false;
  }
}

function _checked(
  key: string | Uint8Array,
  role: KeyRole,
  flag: string,
): string {
  try {
    const bytes = toCurveKey(key, `${role} key`);
    return typeof key === "string" ? key : z85Encode(bytes);
  } catch (error) {
    if (error instanceof ZmqError) {
      throw new CliError(
        `${flag}: ${error.message} (give the key, or @file to read it from)`,
      );
    }
    throw error;
  }
}

function _derived(secret: string, flag: string): string {
  try {
    return curvePublicKey(secret);
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`);
  }
}
