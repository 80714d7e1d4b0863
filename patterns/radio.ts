/**
 * RADIO: the sending end of radio-dish (RFC 48), a publish-subscribe by
 * exact group, over ZMTP and over `udp://` (draft in libzmq).
 *
 * @module
 */

import type { MessageLike } from "./message.ts";
import type { SendOptions, SocketOptions } from "./options.ts";
import { Socket } from "./socket.ts";
import { coreOf } from "./_core.ts";
import { GroupFanOut } from "./_group_fan_out.ts";
import { toGroup } from "./_groups.ts";
import { checkSwitch, defineOptionNames } from "./_option_names.ts";
import { defineRouting } from "./_routing.ts";
import { sendBehind } from "./_single_frame.ts";

/** Options of a {@linkcode Radio}, with libzmq's meaning. */
export interface RadioOptions extends SocketOptions {
  /** Make `send` wait instead of dropping when a member of the group (or a `udp://` destination) is at its high-water mark (ZMQ_XPUB_NODROP, which libzmq's RADIO takes). */
  xpubNoDrop?: boolean | undefined;
}

/**
 * Options of {@linkcode Radio.send}. `transfer` is accepted, as every
 * socket's `send` takes it, and changes nothing: a message may go to several
 * dishes.
 */
export interface RadioSendOptions extends SendOptions {
  /**
   * The group the message goes to: at most `codec.MAX_GROUP_BYTES` bytes
   * (UTF-8 for a string), with no NUL byte.
   */
  group: string | Uint8Array;
}

/**
 * Sends each message to the dishes that joined its group (filtering happens
 * here, for ZMTP peers) and to every `udp://` destination it connected to,
 * unicast or multicast (one datagram per message; the dishes there filter).
 * Messages are single-frame. A peer at its high-water mark misses the
 * message (unless {@linkcode RadioOptions.xpubNoDrop}: then `send` waits),
 * and a message too long for one datagram (8192 bytes with its group) is
 * not sent over udp, as in libzmq, nor one whose group is over 127 bytes
 * (libzmq 4.3.5 aborts on it).
 *
 * Over udp a RADIO connects (`udp://127.0.0.1:5555`, or a multicast group
 * `udp://239.1.1.1:5555`, optionally on one interface:
 * `udp://192.168.1.2;239.1.1.1:5555` or `udp://eth0;239.1.1.1:5555`) and
 * cannot bind; its multicast has `multicastHops` as its TTL and
 * `multicastLoop`, as libzmq's.
 *
 * @example
 * ```ts
 * import { Dish, Radio } from "@zmtp/zmq";
 *
 * const radio = new Radio();
 * await radio.bind("tcp://127.0.0.1:0");
 * const dish = new Dish();
 * dish.join("weather");
 * dish.connect(radio.lastEndpoint!);
 * await dish.events.wait("handshake-succeeded");
 * await radio.send("nobody joined: dropped", { group: "news" });
 * await dish.close();
 * await radio.close();
 * ```
 */
export class Radio extends Socket {
  #xpubNoDrop = false;
  /** See {@linkcode RadioOptions.xpubNoDrop}. */
  get xpubNoDrop(): boolean {
    return this.#xpubNoDrop;
  }
  set xpubNoDrop(on: boolean) {
    this.#xpubNoDrop = checkSwitch("xpubNoDrop", on);
    // A send that waited for it goes now, dropped as the switch is off.
    coreOf(this).retrySends();
  }

  /**
   * Makes a RADIO socket.
   *
   * @param options Socket and RADIO options.
   */
  constructor(options: RadioOptions = {}) {
    super("RADIO", options);
    this.xpubNoDrop = options.xpubNoDrop ?? false;
    if (new.target === Radio) Object.preventExtensions(this);
  }

  /**
   * Sends a message to a group.
   *
   * @param message One frame: a string or bytes.
   * @param options The group, and an abort signal (`transfer` changes
   * nothing here).
   * @returns Settles at once: the message is queued for every member (or
   * dropped for those at their high-water mark).
   * @throws {ZmqError} `EINVAL` for a multipart message, or a group missing,
   * too long or holding a NUL byte; `ETERM` once closed.
   */
  override send(
    message: MessageLike,
    options: RadioSendOptions,
  ): Promise<void> {
    return sendBehind(
      () => toGroup(options?.group),
      message,
      (frames) => super.send(frames, options),
    );
  }
}

defineRouting<Radio>(
  "RADIO",
  (socket, host) => new GroupFanOut(socket, host),
);

defineOptionNames<RadioOptions, SocketOptions>()(Radio, ["xpubNoDrop"]);
