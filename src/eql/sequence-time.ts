/**
 * Event timestamps for sequences, read as Elasticsearch reads a `date` field with its default
 * format `strict_date_optional_time||epoch_millis`: a JSON number or a string of digits is epoch
 * milliseconds, any other string must be ISO-8601 (`yyyy[-MM[-dd[THH[:mm[:ss[.fraction]]]]]]`
 * with an optional `Z` or `±HH[:]mm` offset; no offset means UTC, unlike `Date.parse`, which
 * reads a date-time without offset as local time). Fractions finer than a millisecond are kept
 * as a fraction of a millisecond (maxspan compares them).
 *
 * Elasticsearch fails a sequence query when a matching event's timestamp is absent, not a date
 * or multi-valued ("Expected timestamp field [..] to hold a single value"); a scan cannot fail
 * on one bad record, so such an event takes no part in sequences and is counted instead.
 */
import { compileFieldPath, type FieldPath, fieldNodes } from "../document/index.ts";

const EPOCH_MILLIS = /^-?\d+(?:\.\d+)?$/;
const ISO =
  /^([+-]?\d{4,9})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function inRange(v: number, lo: number, hi: number): boolean {
  return v >= lo && v <= hi;
}

/** Epoch milliseconds of a date value, or undefined when Elasticsearch would not parse it. */
export function parseTimestampMillis(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (EPOCH_MILLIS.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  const m = ISO.exec(value);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!inRange(month, 1, 12) || !inRange(day, 1, 31) || !inRange(hour, 0, 23)) return undefined;
  if (!inRange(minute, 0, 59) || !inRange(second, 0, 59)) return undefined;
  // An offset needs a time (a zone on a bare date is not in strict_date_optional_time).
  if (m[8] !== undefined && m[4] === undefined) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  // Day 31 of a 30-day month rolls over in Date: refuse it as the strict parser does.
  if (d.getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const hh = Number(digits.slice(0, 2));
    const mm = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (!inRange(hh, 0, 18) || !inRange(mm, 0, 59)) return undefined;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (hh * 60 + mm);
  }
  const t = d.getTime() + fraction - offsetMinutes * 60_000;
  return Number.isFinite(t) ? t : undefined;
}

/** Reads an event's timestamp (epoch ms); undefined when absent, malformed or multi-valued. */
export type TimestampReader = (event: unknown) => number | undefined;

export function compileTimestampReader(field: string): TimestampReader {
  const path: FieldPath = compileFieldPath(field);
  return (event) => {
    const nodes = fieldNodes(event, path);
    if (nodes.length !== 1) return undefined;
    return parseTimestampMillis(nodes[0]);
  };
}
