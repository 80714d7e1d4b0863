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
