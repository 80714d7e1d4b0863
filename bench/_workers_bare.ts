/**
 * A Web Worker of the workers bench's platform case (the driver is
 * _workers.ts): what two Deno Workers and a `MessageChannel` allow without
 * this library, batched the way our inproc link batches, so that our
 * PUSH→PULL can be read against it in the same run.
 *
 * - `send`: packs `count` messages of `size` bytes (each a 4-byte length,
 *   then a copy of the same bytes) into fresh buffers of up to 1 MiB and
 *   512 messages, and transfers each; as many in flight as our link's
 *   credit allows (transport/_port_credit.ts), or `batchesInFlight`.
 * - `receive`: makes a view and a one-frame array per message, as a socket
 *   hands out a message, credits each batch back once read, and posts the
 *   rate from the first batch to the last.
 *
 * Says `{ op: "loaded" }` first, as _workers_side.ts does.
 *
 * @module
 */

import { creditSpent } from "../transport/_port_credit.ts";

/** What the driver tells a side. */
export interface BareCommand {
  role: "send" | "receive";
  port: MessagePort;
  count: number;
  size: number;
  /** Batches in flight at most; by default as many as our link's credit allows. */
  batchesInFlight?: number | undefined;
}

/** Bytes of a batch at most, as our link's PORT_BATCH_BYTES. */
const BATCH_BYTES = 1024 * 1024;
/** Messages of a batch at most. */
const BATCH_MESSAGES = 512;
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BareCommand>) => void) | null;
  postMessage(message: unknown): void;
};

function _send(
  { port, count, size, batchesInFlight }: BareCommand,
): void {
  const message = new Uint8Array(size).fill(1);
  const perBatch = Math.max(
    1,
    Math.min(BATCH_MESSAGES, Math.floor(BATCH_BYTES / (size + 4))),
  );
  let sent = 0;
  let messagesInFlight = 0;
  let bytesInFlight = 0;
  // What each batch in flight holds, credited back in order.
  const posted: { messages: number; bytes: number }[] = [];
  const spent = () =>
    batchesInFlight === undefined
      ? creditSpent(messagesInFlight, bytesInFlight)
      : posted.length >= batchesInFlight;
  const pump = () => {
    while (!spent() && sent < count) {
      const messages = Math.min(perBatch, count - sent);
      const bytes = new Uint8Array(messages * (size + 4));
      const view = new DataView(bytes.buffer);
      for (let i = 0, at = 0; i < messages; i++, at += size + 4) {
        view.setUint32(at, size);
        bytes.set(message, at + 4);
      }
      posted.push({ messages, bytes: bytes.length });
      messagesInFlight += messages;
      bytesInFlight += bytes.length;
      port.postMessage({ bytes, messages }, [bytes.buffer]);
      sent += messages;
    }
  };
  port.onmessage = () => {
    const batch = posted.shift()!;
    messagesInFlight -= batch.messages;
    bytesInFlight -= batch.bytes;
    pump();
  };
  pump();
}

function _receive({ port, count }: BareCommand): void {
  let received = 0;
  let first = 0;
  let started = 0;
  let kept: Uint8Array[] = [];
  port.onmessage = (event: MessageEvent<{ bytes: Uint8Array }>) => {
    const { bytes } = event.data;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const messages: Uint8Array[][] = [];
    for (let at = 0; at < bytes.length;) {
      const length = view.getUint32(at);
      messages.push([bytes.subarray(at + 4, at + 4 + length)]);
      at += 4 + length;
    }
    // The last message is kept, as a receiver keeps what it took.
    kept = messages[messages.length - 1];
    if (received === 0) {
      started = performance.now();
      first = messages.length;
    }
    received += messages.length;
    port.postMessage(0);
    if (received >= count) {
      scope.postMessage({
        op: "rate",
        rate: (received - first) / ((performance.now() - started) / 1000),
        kept: kept.length,
      });
      port.close();
    }
  };
}

scope.onmessage = (event) => {
  if (event.data.role === "send") _send(event.data);
  else _receive(event.data);
};
scope.postMessage({ op: "loaded" });
