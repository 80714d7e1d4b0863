/**
 * A proxy's control socket, as `zmq_proxy_steerable`'s: the commands it
 * takes and what it answers.
 *
 * @module
 */

import { ZmqError } from "../codec/errors.ts";
import type { CoreOptions } from "./_core.ts";
import { UNTIMED } from "./_core.ts";
import type { Socket } from "./socket.ts";

/** What one side of the proxy passed on, as STATISTICS counts it. */
interface SideCounts {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
}

/** What the commands act on: the proxy's ProxyControl. */
export interface Steered {
  pause(): void;
  resume(): void;
  terminate(): void;
  statistics(): { frontend: SideCounts; backend: SideCounts };
}

/**
 * Takes commands on a control socket until the proxy stops, as
 * `zmq_proxy_steerable`'s (libzmq's current one: 4.3.5 swaps PAUSE and
 * RESUME, and answers a PAIR too).
 */
export async function steer(
  socket: Socket,
  control: Steered,
  signal: AbortSignal,
): Promise<void> {
  const answering = socket.type === "REP";
  // A SUB or PULL cannot answer.
  const sends = socket.type !== "SUB" && socket.type !== "PULL";
  // As the proxy's other sockets: the socket's own timeouts never stop it.
  const untimed: CoreOptions = { signal, [UNTIMED]: true };
  try {
    while (true) {
      const message = await socket.receive(untimed);
      const command = message.length === 1 ? _text(message[0]) : undefined;
      if (command === "STATISTICS") {
        if (sends) await socket.send(_statisticsFrames(control), untimed);
        continue;
      }
      if (command === "PAUSE") control.pause();
      else if (command === "RESUME") control.resume();
      // Answered before the proxy stops, as libzmq's.
      if (answering) await socket.send([new Uint8Array()], untimed);
      if (command === "TERMINATE") return control.terminate();
    }
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof ZmqError && error.code === "ETERM") return;
    throw error;
  }
}

/** A frame as a command's name, if short enough to be one (byte for byte). */
function _text(frame: Uint8Array): string | undefined {
  if (frame.length > 10) return undefined;
  return String.fromCharCode(...frame);
}

/** STATISTICS's answer: libzmq's eight counts, each frame counted. */
function _statisticsFrames(control: Steered): Uint8Array[] {
  const { frontend, backend } = control.statistics();
  return [frontend, backend].flatMap((side) =>
    [side.framesIn, side.bytesIn, side.framesOut, side.bytesOut].map(
      (count) => {
        const frame = new Uint8Array(8);
        new DataView(frame.buffer).setBigUint64(0, BigInt(count), true);
        return frame;
      },
    )
  );
}
