/**
 * Weather update server over multicast: the guide's wuserver.c with its
 * PUB on `epgm://` (PGM over UDP) instead of tcp, so any number of
 * clients on the network hear one stream, libzmq's among them. The group
 * and port are the guide's; the interface is loopback here (name yours,
 * such as eth0, to reach other hosts). The rate caps what the publisher
 * sends (ZMQ_RATE, 100 kbit/s by default; 10 Mbit/s here).
 *
 *     deno run --allow-net --unstable-net examples/wuserver_pgm.ts [interface]
 *
 * @module
 */
import { catchInterrupt } from "./_interrupt.ts";
import { weatherServer } from "./wuserver.ts";

if (import.meta.main) {
  using interrupt = catchInterrupt();
  const iface = Deno.args[0] ?? "127.0.0.1";
  await weatherServer({
    endpoint: `epgm://${iface};239.192.1.1:5556`,
    signal: interrupt.signal,
    socketOptions: { rate: 10_000 },
  });
}
