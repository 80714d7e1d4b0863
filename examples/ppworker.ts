/**
 * Paranoid Pirate worker (the guide's ppworker.c): a DEALER that connects
 * to the queue on tcp://localhost:5556, says READY, echoes each request,
 * and heartbeats the queue once a second. If the queue goes three
 * heartbeats without a word, the worker drops its socket, waits (one
 * second, doubling up to 32), and starts over with a fresh one. After a few
 * requests it simulates problems: a crash or CPU overload.
 *
 *     deno run --allow-net examples/ppworker.ts
 *
 * @module
 */
import { Dealer } from "@zmtp/zmq";
import { catchInterrupt } from "./_interrupt.ts";
import { dump } from "./identity.ts";
import { pollOnce } from "./_poll_once.ts";
import { sleep } from "./_sleep.ts";
import { PPP_HEARTBEAT, PPP_READY } from "./ppqueue.ts";

/** Options for running the worker inside a test. */
export interface ParanoidWorkerOptions {
  /** The queue. Default: the guide's tcp://localhost:5556. */
  endpoint?: string | undefined;
  /** Time between heartbeats, in ms. Default 1000. */
  heartbeatIntervalMs?: number | undefined;
  /** Heartbeats the queue may miss before the worker reconnects. Default 3. */
  liveness?: number | undefined;
  /** The first wait before reconnecting, in ms. Default 1000. */
  reconnectMs?: number | undefined;
  /** The longest, after doubling. Default 32000. */
  reconnectMaxMs?: number | undefined;
  /** Simulated work after each reply, in ms. Default 1000. */
  workMs?: number | undefined;
  /** Returns a number in [0, 1); the problems are drawn from it. */
  random?: (() => number) | undefined;
  /** Stops the worker when aborted (Ctrl-C when run alone). */
  signal?: AbortSignal | undefined;
  /** Where lines go. */
  print?: ((line: string) => void) | undefined;
}

/** Works until it simulates a crash or the signal aborts. */
export async function paranoidWorker(
  options: ParanoidWorkerOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const random = options.random ?? Math.random;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 1000;
  const maxLiveness = options.liveness ?? 3;
  const initialInterval = options.reconnectMs ?? 1000;
  const workMs = options.workMs ?? 1000;
  const signal = options.signal;
  const heartbeat = new Uint8Array([PPP_HEARTBEAT]);

  // A fresh socket, connected, that has told the queue we're ready.
  const connect = async () => {
    // linger 0: the simplest, most brutal way to discard what we sent to a
    // queue that is gone.
    const socket = new Dealer({ linger: 0 });
    socket.connect(options.endpoint ?? "tcp://localhost:5556");
    print("I: worker ready");
    await socket.send(new Uint8Array([PPP_READY]));
    return socket;
  };

  let worker = await connect();
  try {
    // If liveness hits zero, the queue is considered disconnected
    let liveness = maxLiveness;
    let interval = initialInterval;
    let heartbeatAt = Date.now() + heartbeatInterval;
    let cycles = 0;
    while (!signal?.aborted) {
      const next = await pollOnce({ worker }, {
        signal,
        timeoutMs: heartbeatInterval,
      });
      if (signal?.aborted) break;
      if (next !== undefined) {
        // An envelope and content is a request; 1 part, a heartbeat.
        const [, message] = next;
        if (message.length > 1) {
          // Simulate problems, once the architecture is up and running
          cycles++;
          if (cycles > 3 && Math.floor(random() * 5) === 0) {
            print("I: simulating a crash");
            return;
          }
          if (cycles > 3 && Math.floor(random() * 5) === 0) {
            print("I: simulating CPU overload");
            await sleep(3 * workMs, signal);
            if (signal?.aborted) break;
          }
          print("I: normal reply");
          await worker.send(message);
          liveness = maxLiveness;
          await sleep(workMs, signal); // Do some heavy work
        } else if (
          message.length === 1 && message[0].length === 1 &&
          message[0][0] === PPP_HEARTBEAT
        ) {
          // The queue was (recently) alive
          liveness = maxLiveness;
        } else {
          print("E: invalid message");
          dump(message).forEach((line) => print(line));
        }
        interval = initialInterval;
      } else if (--liveness === 0) {
        print("W: heartbeat failure, can't reach queue");
        print(`W: reconnecting in ${interval} msec...`);
        await sleep(interval, signal);
        if (signal?.aborted) break;
        interval = Math.min(2 * interval, options.reconnectMaxMs ?? 32000);
        await worker.close();
        worker = await connect();
        liveness = maxLiveness;
      }
      // Send a heartbeat to the queue if it's time
      if (Date.now() > heartbeatAt) {
        heartbeatAt = Date.now() + heartbeatInterval;
        print("I: worker heartbeat");
        await worker.send(heartbeat);
      }
    }
  } finally {
    await worker.close();
  }
}

if (import.meta.main) {
  using interrupt = catchInterrupt();
  await paranoidWorker({ signal: interrupt.signal });
}
