/**
 * How much a link between isolates may have in flight: messages posted
 * and not yet taken by the peer's socket, which credits them back as it
 * takes them, so that high-water marks hold across the boundary.
 *
 * @module
 */

/**
 * Messages in flight, sent but not yet taken by the peer's socket, at most.
 * At 1,000 a stream waited for credit to cross back between the threads
 * (two Workers: 1 KiB 3.0–3.2M messages/s, 3.4–3.5M at 8,000; 16 B 4.8–4.9M,
 * 5.4–5.5M).
 */
export const PORT_CREDIT_MESSAGES = 8000;
/**
 * Bytes in flight at most while {@linkcode PORT_FEW_MESSAGES} or more are:
 * at 1 and 2 KiB between two Workers twice this measured slower (1 KiB:
 * 1.42–1.55M messages/s against 1.85–1.88M).
 */
export const PORT_CREDIT_BYTES = 4 * 1024 * 1024;
/**
 * Fewer messages in flight than this may hold up to
 * {@linkcode PORT_MOST_CREDIT_BYTES}: large ones, few to a batch, left the
 * sender waiting for credit while the receiver's isolate collected garbage
 * (two Workers, a million messages and more: 64 KiB 36–38k messages/s,
 * 50–53k so; 16 KiB 150–160k, 180–182k; 4 KiB 363–453k, 507–537k).
 */
export const PORT_FEW_MESSAGES = 2048;
/** Bytes in flight at most, however few the messages. */
export const PORT_MOST_CREDIT_BYTES = 32 * 1024 * 1024;

/**
 * Whether a sender with `inFlight` messages of `inFlightBytes` packed bytes
 * in flight waits for credit: never with none in flight, so that a message
 * larger than the bounds still goes. Checked before each message, and the
 * bytes counted as each batch goes: what is in flight may pass the bounds
 * by the last message and about a batch.
 */
export function creditSpent(inFlight: number, inFlightBytes: number): boolean {
  return inFlight > 0 &&
    (inFlight >= PORT_CREDIT_MESSAGES ||
      inFlightBytes >= PORT_MOST_CREDIT_BYTES ||
      (inFlightBytes >= PORT_CREDIT_BYTES && inFlight >= PORT_FEW_MESSAGES));
}
