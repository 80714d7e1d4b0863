/**
 * Reports the library's version (the guide's version.c).
 *
 *     deno run examples/version.ts
 *
 * @module
 */
import { version } from "@zmtp/zmq";

/** The line the C original prints, with our version. */
export function versionLine(): string {
  return `Current 0MQ version is ${version}`;
}

if (import.meta.main) console.log(versionLine());
