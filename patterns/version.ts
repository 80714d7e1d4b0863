/**
 * The library's version.
 *
 * @module
 */

/**
 * The version of @zmtp/zmq (it speaks ZMTP 3.1, as libzmq 4.3 does).
 *
 * @example
 * ```ts
 * import { version } from "@zmtp/zmq";
 *
 * console.log(`@zmtp/zmq ${version}`);
 * ```
 */
export const version: string = "0.1.0";
