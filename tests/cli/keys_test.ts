/** The CLI's key arguments: a Z85 key as given, or @file to read one. */
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { codec } from "../../mod.ts";
import { CliError } from "../../cli/_errors.ts";
import { checkServerKey, readKey } from "../../cli/_keys.ts";

Deno.test("zmq keys: a Z85 key starting with @ is a key, not a file; @file still reads one", async () => {
  // "@" is in Z85's alphabet: find a key that starts with it.
  let key: string;
  do key = codec.curveKeyPair().publicKey; while (!key.startsWith("@"));
  assertEquals(await readKey(key, "public", "--curve-server-key"), key);

  const file = await Deno.makeTempFile();
  try {
    const other = codec.curveKeyPair().publicKey;
    await Deno.writeTextFile(file, other);
    assertEquals(
      await readKey(`@${file}`, "public", "--curve-server-key"),
      other,
    );
  } finally {
    await Deno.remove(file);
  }
  await assertRejects(
    () => readKey("@/nonexistent/key", "public", "--curve-server-key"),
    CliError,
    "cannot read",
  );
});

Deno.test("zmq keys: a server key of small order is refused naming the flag, a usable one passes", () => {
  const error = assertThrows(
    () => checkServerKey("0".repeat(40), "--curve-server-key"),
    CliError,
  );
  assertEquals(error.message.startsWith("--curve-server-key: "), true);
  assertEquals(error.message.includes("small order"), true);
  checkServerKey(codec.curveKeyPair().publicKey, "--curve-server-key");
});
