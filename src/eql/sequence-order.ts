/**
 * Elasticsearch's event order for sequences: @timestamp ascending, then the tiebreaker field
 * ascending with missing values last (Ordinal.compareTo: "nulls are last"), then the implicit
 * tiebreaker `_shard_doc`, for which the input order stands. Events without a usable timestamp
 * go last; the matcher skips and counts them.
 */
import { compileFieldPath, fieldNodes } from "../document/index.ts";
import { compareKeyValues } from "./sequence-keys.ts";
import { compileTimestampReader } from "./sequence-time.ts";

type Tiebreaker = string | number | boolean | undefined;

function compareTiebreakers(a: Tiebreaker, b: Tiebreaker): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  // Numbers numerically, strings in Lucene's term order (code points), as the sort on the field.
  return compareKeyValues(a, b);
}

/** Indexes of `events` in Elasticsearch's order (a stable sort: ties keep the input order). */
export function orderEvents(
  events: readonly unknown[],
  timestampField: string,
  tiebreakerField?: string,
): number[] {
  const readTs = compileTimestampReader(timestampField);
  const tbPath = tiebreakerField === undefined ? undefined : compileFieldPath(tiebreakerField);
  const keys = events.map((e) => {
    const ts = readTs(e);
    let tb: Tiebreaker;
    if (tbPath !== undefined) {
      const nodes = fieldNodes(e, tbPath);
      const v = nodes.length === 1 ? nodes[0] : undefined;
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") tb = v;
    }
    return { ts: ts ?? Number.POSITIVE_INFINITY, tb };
  });
  const idx = events.map((_, i) => i);
  idx.sort((i, j) => {
    const a = keys[i]!;
    const b = keys[j]!;
    if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
    return compareTiebreakers(a.tb, b.tb) || i - j;
  });
  return idx;
}
