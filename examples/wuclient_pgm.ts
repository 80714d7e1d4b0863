/**
 * Weather update client over multicast: the guide's wuclient.c with its
 * SUB on `epgm://`, hearing wuserver_pgm.ts (or a libzmq server on the
 * same group). It collects 100 updates for a zip code prefix (argument,
 * default "10001 ") and prints the average temperature. Over PGM every
 * update reaches every client; the SUB keeps only what it subscribed to.
 * At the server's 10 Mbit/s (about 75,000 updates a second, one zip code
 * in 100,000) the 100 updates take about two minutes: give a shorter
 * prefix (`1`) to see an average sooner.
 *
 *     deno run --allow-net --unstable-net examples/wuclient_pgm.ts [zipcode] [interface]
 *
 * @module
 */
import { weatherClient } from "./wuclient.ts";

if (import.meta.main) {
  const iface = Deno.args[1] ?? "127.0.0.1";
  await weatherClient(Deno.args[0], `epgm://${iface};239.192.1.1:5556`);
}
