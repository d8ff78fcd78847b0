/**
 * A short digest of everything loaded at cold start that changes an object's verdict: the rules
 * (id, query and tuning: exceptions, suppression, overrides) and the reader limits. It is part of the idempotency key, so a redelivery with
 * the same configuration publishes nothing again, while a back-scan after a rule is added or
 * changed, or a limit raised, scans every object again instead of answering "duplicate".
 */
import { digest } from "../alerts/index.ts";
import { type Rule, ruleTuning } from "../rules/index.ts";
import type { Config } from "./config.ts";

export function scanFingerprint(
  rules: readonly Rule[],
  config: Pick<Config, "maxRecordBytes" | "maxDecompressedBytes">,
): string {
  const sorted = rules
    .map((r) => {
      const tuning = ruleTuning(r);
      return [r.id, tuning === "" ? r.query : `${r.query}\u0000${tuning}`] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const material = JSON.stringify({
    rules: sorted,
    // null = unset (the reader's default); setting it explicitly, even to the default, rescans once.
    maxRecordBytes: config.maxRecordBytes ?? null,
    maxDecompressedBytes: config.maxDecompressedBytes ?? null,
  });
  return digest([material], 16);
}
