/**
 * Reading a peer's metadata without copying it, for this library's own
 * checks during a handshake; what the app is handed stays a copy.
 *
 * @module
 */

// No import of Metadata, whose module imports this one: `object` stands
// for it.

/** Set by Metadata's static block, which sees its fields. */
let _views: (metadata: object, name: string) => Uint8Array[];

/** Called once, by Metadata's static block. */
export function provideMetadataViews(
  views: (metadata: object, name: string) => Uint8Array[],
): void {
  _views = views;
}

/**
 * Every value of a property, in order, as views of the metadata's own
 * bytes: a peer's may be shared by every peer that sent the same, so they
 * are read here, never written, and never handed to the app.
 *
 * @example
 * ```ts ignore
 * for (const value of metadataViews(peer, "Socket-Type")) check(value);
 * ```
 */
export function metadataViews(metadata: object, name: string): Uint8Array[] {
  return _views(metadata, name);
}
