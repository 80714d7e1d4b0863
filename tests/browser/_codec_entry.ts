/**
 * A browser bundle entry of the codec alone, shaped like `mod.ts` (a `codec`
 * namespace), for checking the browser harness while the rest of the library
 * cannot load in a browser: `ZMQ_BROWSER_ENTRY=tests/browser/_codec_entry.ts`.
 *
 * @module
 */

export * as codec from "../../codec/mod.ts";
