/** The CLI's key arguments: a Z85 key as given, or @file to read one. */
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { codec } from "../../mod.ts";
import { CliError } from "../../cli/_errors.ts";
import { checkServerKey, keygenText, readKey } from "../../cli/_keys.ts";

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

Deno.test("zmq keys: @FILE reads the file even when it reads as a Z85 key; a secret key never falls back to the text", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // "@" and the path make 40 Z85 characters: a key, read as text.
    const path = `${dir}/${"k".repeat(38 - dir.length)}`;
    assertEquals(`@${path}`.length, 40, `temp dir ${dir} is too long`);
    codec.curvePublicKey(`@${path}`);
    const pair = codec.curveKeyPair();
    await Deno.writeTextFile(path, keygenText(pair));
    assertEquals(
      await readKey(`@${path}`, "secret", "--curve-secret-key"),
      pair.secretKey,
    );
    assertEquals(
      await readKey(`@${path}`, "public", "--curve-public-key"),
      pair.publicKey,
    );
    await Deno.remove(path);
    // A path mistyped (or gone) is not taken for the secret.
    await assertRejects(
      () => readKey(`@${path}`, "secret", "--curve-secret-key"),
      CliError,
      "a secret key starting with @ is read from a file only",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
