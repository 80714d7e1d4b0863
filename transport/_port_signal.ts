/**
 * What crosses the `MessagePort` between the two sides of an `inproc://`
 * link across isolates (see `_port_link.ts`).
 *
 * @module
 */

type _Metadata = [string, Uint8Array][];

/** What crosses the port. */
export type PortSignal =
  /** Hello: who we are; the socket-type check happens on both sides. */
  | {
    t: "h";
    v: number;
    type: string;
    id?: Uint8Array | undefined;
    meta: _Metadata;
  }
  /**
   * Messages, packed (see `packMessages`), the buffers of the frames their
   * senders gave up, which cross on their own, and the bytes flow control
   * counted of them, to credit back.
   */
  | { t: "m"; b: ArrayBuffer; x?: ArrayBuffer[]; n: number }
  /**
   * Credit back: the peer's socket took this many messages and bytes, and
   * all of this many batches.
   */
  | { t: "c"; n: number; bytes: number; k: number }
  /** A subscription (`s`) or its cancellation (`u`). */
  | { t: "s" | "u"; topic: Uint8Array }
  /**
   * The other side closed; `error` if it refused us. `got`: the messages
   * its batches brought it, which its socket counts (read or unread).
   */
  | { t: "x"; error?: string | undefined; got?: number | undefined };

/** What the link needs of a port: `MessagePort` in Deno and browsers. */
export interface SignalPort {
  postMessage(message: PortSignal, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PortSignal>) => void) | null;
  close(): void;
}
