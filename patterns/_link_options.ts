/**
 * What a transport needs to make a socket's links, read live from the
 * socket's settings.
 *
 * @module
 */

import { Metadata } from "../codec/metadata.ts";
import type { SocketType } from "../codec/socket_type.ts";
import type {
  LinkOptions,
  MulticastOptions,
  TlsOptions,
} from "../transport/transport.ts";
import type { MechanismFactory } from "./_mechanism_factory.ts";

/** The options the endpoints read, live, from their socket. */
export interface EndpointSettings {
  readonly type: SocketType;
  readonly context: object;
  readonly routingId: Uint8Array | undefined;
  readonly immediate: boolean;
  readonly reconnectInterval: number;
  readonly reconnectIntervalMax: number;
  readonly connectTimeout: number;
  readonly maxMessageSize: number;
  readonly handshakeInterval: number;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  readonly heartbeatTimeToLive: number;
  readonly maxConnections: number;
  /** What `disconnect` waits for what is queued, as close does. */
  readonly linger: number;
  readonly tls: TlsOptions;
  readonly wsOrigins: readonly string[] | undefined;
  readonly multicast: MulticastOptions;
  readonly ipv6: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

/** What a listener reports to its socket. */
export type ListenerHooks = Pick<LinkOptions, "admit" | "acceptFailed">;

/**
 * The link options of a socket: the codec's options are read fresh for
 * each link, as its peer description is, so that an option set after
 * `bind` or `connect` holds for the next link.
 *
 * @param settings The socket's endpoint settings.
 * @param mechanism Its security mechanism.
 * @param hooks A listener's reports, when binding.
 * @returns The options to hand the transport.
 */
export function linkOptions(
  settings: EndpointSettings,
  mechanism: MechanismFactory,
  hooks?: ListenerHooks,
): LinkOptions {
  return {
    ...hooks,
    scope: settings.context,
    connectTimeout: settings.connectTimeout,
    tls: settings.tls,
    origins: settings.wsOrigins,
    multicast: settings.multicast,
    ipv6: settings.ipv6,
    connectionOptions: () => ({
      mechanism,
      socketType: settings.type,
      routingId: settings.routingId,
      properties: Object.entries(settings.metadata),
      maxMessageSize: settings.maxMessageSize,
      handshakeInterval: settings.handshakeInterval,
      heartbeatInterval: settings.heartbeatInterval,
      heartbeatTimeout: settings.heartbeatTimeout,
      heartbeatTimeToLive: settings.heartbeatTimeToLive,
      now: performance.now(),
    }),
    get peer() {
      const routingId = settings.routingId;
      return {
        socketType: settings.type,
        // A copy: an inproc peer in this isolate hands it to its app.
        routingId: routingId?.length ? routingId.slice() : undefined,
        minor: 1,
        metadata: new Metadata([
          ["Socket-Type", settings.type],
          ...Object.entries(settings.metadata),
        ]),
      };
    },
  };
}
