/** The udp datagrams, byte for byte as libzmq's udp engine writes them. */
import { assertEquals, assertThrows } from "@std/assert";
import {
  decodeGroupDatagram,
  encodeGroupDatagram,
  formatDatagramAddress,
  MAX_DATAGRAM_BYTES,
  parseDatagramAddress,
} from "../../codec/_datagram.ts";
import { ProtocolError, ZmqError } from "../../codec/errors.ts";
import { MAX_GROUP_BYTES } from "../../codec/socket_type.ts";

const text = new TextEncoder();

Deno.test("datagram: a RADIO message is [group length][group][body]", () => {
  assertEquals(
    encodeGroupDatagram(text.encode("TV"), text.encode("Friends")),
    new Uint8Array([2, ...text.encode("TV"), ...text.encode("Friends")]),
  );
  assertEquals(
    encodeGroupDatagram(new Uint8Array(), new Uint8Array()),
    new Uint8Array([0]),
  );
});

Deno.test("datagram: decoding gives back the group and body, empty ones included", () => {
  const cases: [string, Uint8Array][] = [
    ["TV", text.encode("Friends")],
    ["", text.encode("no group")],
    ["g".repeat(Math.min(MAX_GROUP_BYTES, 127)), new Uint8Array()],
    ["long", new Uint8Array(300).map((_, i) => i)],
  ];
  for (const [group, body] of cases) {
    const datagram = encodeGroupDatagram(text.encode(group), body)!;
    assertEquals(decodeGroupDatagram(datagram), [text.encode(group), body]);
  }
});

Deno.test("datagram: a RADIO message over 8192 bytes is not encoded (libzmq drops it)", () => {
  const group = text.encode("g");
  const fits = new Uint8Array(MAX_DATAGRAM_BYTES - 2);
  assertEquals(encodeGroupDatagram(group, fits)?.length, MAX_DATAGRAM_BYTES);
  const over = new Uint8Array(MAX_DATAGRAM_BYTES - 1);
  assertEquals(encodeGroupDatagram(group, over), undefined);
});

Deno.test("datagram: a group over 127 bytes is not encoded (libzmq 4.3.5 aborts on one)", () => {
  assertEquals(
    encodeGroupDatagram(new Uint8Array(128).fill(0x61), new Uint8Array()),
    undefined,
  );
});

Deno.test("datagram: what is not a RADIO datagram throws a ProtocolError saying why", () => {
  const bad: [string, Uint8Array][] = [
    ["empty", new Uint8Array()],
    ["a group length beyond its end", new Uint8Array([5, 1, 2])],
    ["a group length of 255 and nothing", new Uint8Array([255])],
  ];
  for (const [what, datagram] of bad) {
    const error = assertThrows(
      () => decodeGroupDatagram(datagram),
      ProtocolError,
      undefined,
      what,
    );
    assertEquals(error.kind, "protocol", what);
  }
});

Deno.test("datagram: a DGRAM address frame is ip:port, with or without libzmq's NUL", () => {
  const expected = { hostname: "127.0.0.1", port: 5555 };
  assertEquals(parseDatagramAddress(text.encode("127.0.0.1:5555")), expected);
  assertEquals(
    parseDatagramAddress(text.encode("127.0.0.1:5555\0")),
    expected,
  );
  assertEquals(parseDatagramAddress(text.encode("[::1]:80")), {
    hostname: "::1",
    port: 80,
  });
  assertEquals(
    formatDatagramAddress(expected),
    text.encode("127.0.0.1:5555"),
  );
  assertEquals(
    formatDatagramAddress({ hostname: "::1", port: 80 }),
    text.encode("[::1]:80"),
  );
});

Deno.test("datagram: a DGRAM address that is not an IP and a port is EINVAL", () => {
  for (
    const address of [
      "",
      "127.0.0.1",
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "300.0.0.1:5555",
      "localhost:5555",
      "::1:5555",
      "127.0.0.1:5555\0\0",
    ]
  ) {
    const error = assertThrows(
      () => parseDatagramAddress(text.encode(address)),
      ZmqError,
      undefined,
      address,
    );
    assertEquals(error.code, "EINVAL", address);
  }
});
