/**
 * Helpers for the codec's tests, which import the codec alone: it needs
 * nothing of the sockets and transports above it.
 */
import { AssertionError } from "@std/assert";

/** Narrows an event to the type expected, or fails the test. */
export function expectEvent<E extends { type: string }, T extends E["type"]>(
  event: E | undefined,
  type: T,
): Extract<E, { type: T }> {
  if (event?.type !== type) {
    throw new AssertionError(
      `expected a "${type}" event, got ${event ? `"${event.type}"` : "none"}`,
    );
  }
  return event as Extract<E, { type: T }>;
}
