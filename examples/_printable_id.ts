/**
 * The guide's `s_set_id`: a random printable identity, so the envelopes a
 * broker juggles can be read when traced.
 *
 * @module
 */

/**
 * A random identity such as `"0F3A-B2C4"`.
 *
 * @example
 * ```ts
 * import { printableId } from "./_printable_id.ts";
 *
 * console.log(printableId()); // "0F3A-B2C4"
 * ```
 *
 * @param random Returns a number in [0, 1).
 * @returns Two random 16-bit numbers in hexadecimal.
 */
export function printableId(random: () => number = Math.random): string {
  const part = () =>
    Math.floor(random() * 0x10000).toString(16).toUpperCase().padStart(4, "0");
  return `${part()}-${part()}`;
}
