/**
 * Whether Deno grants a permission already: asked without a prompt, and
 * `false` where there is no Deno, or no such permission.
 *
 * @module
 */

/** A permission, as Deno's `permissions.querySync` takes one. */
export interface PermissionAsked {
  name: "read" | "write" | "net" | "sys";
  path?: string | undefined;
  host?: string | undefined;
  kind?: string | undefined;
}

/** Whether `descriptor` is granted; never prompts, never throws. */
export function granted(descriptor: PermissionAsked): boolean {
  const deno = (globalThis as {
    Deno?: {
      permissions?: {
        querySync?:
          | ((descriptor: PermissionAsked) => { state: string })
          | undefined;
      };
    };
  }).Deno;
  try {
    return deno?.permissions?.querySync?.(descriptor).state === "granted";
  } catch {
    return false; // a descriptor this runtime does not know
  }
}
