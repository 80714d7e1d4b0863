/**
 * A pipe's outgoing order: control actions for a new link first, in-line
 * ones (an XSUB's subscriptions) after the messages queued before them,
 * across writes that stop at the batch's size, drops and conflation.
 */
import { assertEquals } from "@std/assert";
import { Pipe } from "../../patterns/_pipe.ts";
import type { MessageWriter } from "../../transport/transport.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Records what is written; holds `room` messages per write at most. */
class Recorder implements MessageWriter {
  written: string[] = [];
  room = Infinity;
  #sent = 0;

  get pendingOutputBytes(): number {
    return this.#sent >= this.room ? Infinity : 0;
  }
  sendMessage(frames: readonly Uint8Array[]): void {
    this.#sent++;
    this.written.push(decoder.decode(frames[0]));
  }
  sendSubscribe(topic: Uint8Array): void {
    this.written.push(`+${decoder.decode(topic)}`);
  }
  sendCancel(topic: Uint8Array): void {
    this.written.push(`-${decoder.decode(topic)}`);
  }
  /** Writes the pipe out as a link does, `room` messages at a time. */
  drain(pipe: Pipe, room: number): void {
    for (let writes = 0; writes < 100; writes++) {
      this.#sent = 0;
      this.room = room;
      pipe.writeWithControl(this, 1);
      if (pipe.outbound.length === 0 && !pipe.controlPending) return;
    }
    throw new Error("the pipe does not drain");
  }
}

function pipe(conflate = false): Pipe {
  return new Pipe({
    endpoint: "tcp://127.0.0.1:1",
    accepted: false,
    transient: false,
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
    conflate,
  });
}
const message = (text: string) => [encoder.encode(text)];
const subscribe = (topic: string) => (writer: MessageWriter) =>
  writer.sendSubscribe(encoder.encode(topic));
const cancel = (topic: string) => (writer: MessageWriter) =>
  writer.sendCancel(encoder.encode(topic));

Deno.test("pipe: in-line actions go after the messages queued before them, however the writes split", () => {
  for (const room of [1, 2, 3, Infinity]) {
    const queue = pipe();
    queue.writeInLine(subscribe("first")); // nothing queued: at once
    queue.write(message("a"));
    queue.writeInLine(subscribe("x"));
    queue.write(message("b"));
    queue.write(message("c"));
    queue.writeInLine(cancel("x"));
    queue.writeInLine(subscribe("y"));
    queue.writeControl(subscribe("probe")); // before any message
    const writer = new Recorder();
    writer.drain(queue, room);
    assertEquals(writer.written, [
      "+first",
      "+probe",
      "a",
      "+x",
      "b",
      "c",
      "-x",
      "+y",
    ], `${room} a write`);
  }
});

Deno.test("pipe: messages dropped or conflated make the actions behind them due", () => {
  const dropped = pipe();
  dropped.write(message("a"));
  dropped.writeInLine(subscribe("x"));
  dropped.write(message("b"));
  assertEquals(dropped.dropOutbound(), 2);
  dropped.write(message("c"));
  let writer = new Recorder();
  writer.drain(dropped, 1);
  assertEquals(writer.written, ["+x", "c"]);

  const conflated = pipe(true);
  conflated.write(message("a"));
  conflated.writeInLine(subscribe("x"));
  conflated.write(message("b"));
  writer = new Recorder();
  writer.drain(conflated, Infinity);
  assertEquals(writer.written, ["+x", "b"]);
});

Deno.test("pipe: a link's end drops its actions, as the next link is told every subscription afresh", () => {
  const queue = pipe();
  queue.write(message("a"));
  queue.writeInLine(subscribe("x"));
  queue.writeControl(subscribe("y"));
  queue.dropControl();
  assertEquals(queue.controlPending, false);
  const writer = new Recorder();
  writer.drain(queue, Infinity);
  assertEquals(writer.written, ["a"]);
});
