/** A string key for bytes (one char per byte), for maps keyed by routing id or topic. */
export function bytesKey(bytes: Uint8Array): string {
  let key = "";
  for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i]);
  return key;
}

/** The bytes a {@linkcode bytesKey} was made from. */
export function keyBytes(key: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
  return bytes;
}

/** Whether bytes are still those a {@linkcode bytesKey} was made from. */
export function sameAsKey(bytes: Uint8Array, key: string): boolean {
  if (bytes.length !== key.length) return false;
  for (let i = 0; i < key.length; i++) {
    if (bytes[i] !== key.charCodeAt(i)) return false;
  }
  return true;
}
