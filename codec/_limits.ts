/**
 * How far past `maxMessageSize` a peer's frames may go, shared by the
 * framings that check it.
 *
 * @module
 */

/**
 * Room commands get above the message limit (a READY's properties, a CURVE
 * box), so that a small `maxMessageSize` cannot break a handshake.
 */
export const COMMAND_ALLOWANCE = 64 * 1024;
