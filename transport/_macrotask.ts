/**
 * Running a callback after the current macrotask, in any runtime.
 *
 * @module
 */

type Schedule = (callback: () => void) => void;

const _setImmediate = (globalThis as { setImmediate?: Schedule }).setImmediate;

/**
 * Runs `callback` once pending I/O has had its turn: `setImmediate` where
 * the runtime has it (Deno, Node), else a `MessageChannel` message
 * (browsers, workers). A microtask would not do: a loop of sends that
 * settle at once must let the event loop write what they queued.
 */
export const macrotask: Schedule = _setImmediate
  ? (callback) => _setImmediate.call(globalThis, callback)
  : _messageChannelMacrotask();

function _messageChannelMacrotask(): Schedule {
  const callbacks: (() => void)[] = [];
  let channel: MessageChannel | undefined;
  return (callback) => {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => callbacks.shift()?.();
    }
    callbacks.push(callback);
    channel.port2.postMessage(undefined);
  };
}

let turn = 0;
let turnEnding = false;

function endTurn(): void {
  turn++;
  turnEnding = false;
}

/**
 * A number that stays the same until the current macrotask (and the
 * microtasks it queued) is over: how a writer tells that it already wrote
 * in this turn, so it waits for the next one and takes what else was
 * queued meanwhile along.
 */
export function currentTurn(): number {
  if (!turnEnding) {
    turnEnding = true;
    macrotask(endTurn);
  }
  return turn;
}
