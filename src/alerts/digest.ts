/**
 * The one id helper: sha256 over the parts joined by NUL, as lower-case hex cut to `hexChars`.
 * Alert ids, message ids, Slack thread ids and the Lambda's configuration fingerprint all come
 * from here, so an id that must be stable across runs is computed one way only.
 */
import { createHash } from "node:crypto";

export function digest(parts: readonly (string | number)[], hexChars = 32): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, hexChars);
}
