/**
 * Event timestamps for sequences. The timestamp field is a `date` in Elasticsearch, read with the
 * same parser the rest of the engine uses for date fields (field-types.ts `parseDate`: the default
 * format `strict_date_optional_time||epoch_millis`, epoch milliseconds out), so that the order a
 * sequence sees and a `@timestamp` comparison in a filter agree.
 *
 * Elasticsearch fails a sequence query when a matching event's timestamp is absent, malformed or
 * multi-valued (SequenceCriterion.timestamp: "Expected timestamp field [..] to hold a single
 * value"); a scan cannot fail on one bad record, so such an event takes no part in sequences and
 * is counted instead (SequenceMatcherStats.skippedNoTimestamp).
 */
import { compileFieldPath, type FieldPath, fieldNodes } from "../document/index.ts";
import { parseDate } from "./field-types.ts";

/** Reads an event's timestamp (epoch ms); undefined when absent, malformed or multi-valued. */
export type TimestampReader = (event: unknown) => number | undefined;

export function compileTimestampReader(field: string): TimestampReader {
  const path: FieldPath = compileFieldPath(field);
  const simple = !field.includes(".");
  return (event) => {
    // Fast path for an undotted field such as `@timestamp` holding an integral number of
    // milliseconds (what parseDate would return for it): no walk, no allocation.
    if (simple && event !== null && typeof event === "object" && Object.hasOwn(event, field)) {
      const v = (event as Record<string, unknown>)[field];
      if (typeof v === "number" && Number.isSafeInteger(v)) return v;
    }
    const nodes = fieldNodes(event, path);
    if (nodes.length !== 1) return undefined;
    return parseDate(nodes[0]) ?? undefined;
  };
}
