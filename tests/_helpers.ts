import { AssertionError } from "@std/assert";

/**
 * Checks an event's type and narrows it (the npm build of @std/assert has no
 * types, so its `assert` cannot narrow).
 */
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
