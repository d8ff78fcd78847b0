/**
 * Join keys of sequences and samples, as Elasticsearch extracts them.
 *
 * A step's key is the tuple of its `by` fields (the query's shared `by` first, then the step's
 * own). Elasticsearch (PR #89965, "EQL sequences: support join on multi-values") treats every
 * value of a multi-valued key field as its own key, and several multi-valued fields as the
 * cartesian product of their values, so one event can stand for several keys at once. A key
 * field without a value excludes the event from that step unless the field is written `?field`
 * (an optional field): then the position is `null`, and `null` joins `null` (test_extra's
 * `sequenceOptionalFieldAsKey*` cases; for samples, the composite aggregation's missing bucket).
 *
 * Values are the scalar leaves of the document model (src/document): `null` inside an array is
 * no value, objects are no key. A field whose Elasticsearch type the engine knows (ECS / Elastic
 * Defend, field-types.ts) keys on the value Elasticsearch indexes for it (`indexedValue`): an
 * address for `ip` (`::ffff:10.0.0.1` is `10.0.0.1`), an instant for `date`, a number for
 * numeric types (`"0123"` is 123), and a malformed value is no value (ignore_malformed). Any
 * other field keys on the string form, since Elasticsearch maps a field to one type and so
 * `1234` and `"1234"` in two documents are one term there (a long or a keyword).
 *
 * The key values reported (`joinKeys`) are what Elasticsearch returns: for sequences the fields
 * API's rendering (a date as ISO-8601, an address in canonical form, numbers as numbers), for
 * samples the composite aggregation's bucket key (a date as epoch milliseconds).
 */
import { compileFieldPath, type FieldPath, fieldNodes } from "../document/index.ts";
import { type EsFieldType, fieldType, formatIp, indexedValue } from "./field-types.ts";
// Code point order (JS `<` compares UTF-16 units, which puts U+E000..U+FFFF after astral characters).
import { compareCodePoints } from "./script.ts";

/** One position of a join key as it appears in the events (`null`: an optional field without a value). */
export type KeyValue = string | number | boolean | null;

/** A key field: its path and whether it was written `?field`. */
export interface KeyField {
  readonly path: string;
  readonly optional: boolean;
}

/** One key of an event at a step: the values in key order, and their canonical identity. */
export interface EventKey {
  readonly values: readonly KeyValue[];
  /** Equal for equal keys (string forms compared, `null` distinct from `"null"`). */
  readonly id: string;
}

/** Extracts an event's keys for one step; an empty array when the event has no key there. */
export type KeyExtractor = (event: unknown) => readonly EventKey[];

/** The one key of a query without `by` fields, shared by every event. */
const NO_KEYS: readonly EventKey[] = Object.freeze([Object.freeze({ values: Object.freeze([]), id: "[]" })]);

/**
 * The canonical identity of a key tuple: the string forms of the reported values. Position i of
 * every step's key joins position i of the others whatever field produced it, so the identity is
 * what Elasticsearch compares, the rendered value (a canonical address, an ISO-8601 instant), not
 * anything particular to one step's field.
 */
export function keyId(values: readonly KeyValue[]): string {
  return JSON.stringify(values.map((v) => (v === null ? null : String(v))));
}

/** Whose rendering of key values to report: a sequence's (fields API) or a sample's (bucket keys). */
export type KeyRendering = "sequence" | "sample";

interface Column {
  readonly path: FieldPath;
  readonly optional: boolean;
  readonly type: EsFieldType | undefined;
}

/** Years 0000-9999, the range `toISOString` writes as Elasticsearch's default date format does. */
function inIsoRange(ms: number): boolean {
  return ms >= -62167219200000 && ms <= 253402300799999;
}

/** A key value's identity (its string form, see keyId) and the value reported for it. */
function keyValue(
  node: unknown,
  type: EsFieldType | undefined,
  rendering: KeyRendering,
): [string, KeyValue] | undefined {
  if (type === undefined) {
    if (typeof node === "string" || typeof node === "boolean") return [String(node), node];
    if (typeof node === "number" && Number.isFinite(node)) return [String(node), node];
    return undefined; // objects (and NaN) are no key value
  }
  const v = indexedValue(node, type);
  if (v === undefined) return undefined;
  let shown: KeyValue;
  if (typeof v === "bigint") shown = formatIp(v);
  else if (
    (type === "date" || type === "date_nanos") &&
    rendering === "sequence" &&
    inIsoRange(v as number)
  ) {
    shown = new Date(v as number).toISOString();
  } else shown = v;
  return [String(shown), shown];
}

function columnValues(event: unknown, col: Column, rendering: KeyRendering): KeyValue[] {
  const out: KeyValue[] = [];
  const seen = new Set<string>();
  for (const node of fieldNodes(event, col.path)) {
    const kv = keyValue(node, col.type, rendering);
    if (kv === undefined) continue;
    // Values in document order, each once: a duplicate value is the same key and would only
    // produce the same (event, key) pair twice.
    if (seen.has(kv[0])) continue;
    seen.add(kv[0]);
    out.push(kv[1]);
  }
  return out;
}

/**
 * Builds the key extractor for one step. The cartesian product is bounded by `maxKeysPerEvent`
 * (an attacker-written record with three 1000-element arrays must not make a billion keys):
 * beyond it the event keeps the first keys in order and `onTooManyKeys` is told, so the caller
 * can report it (never a silent drop).
 */
export function compileKeyExtractor(
  fields: readonly KeyField[],
  maxKeysPerEvent: number,
  onTooManyKeys: () => void,
  rendering: KeyRendering = "sequence",
): KeyExtractor {
  if (fields.length === 0) return () => NO_KEYS;
  const cols: Column[] = fields.map((f) => ({
    path: compileFieldPath(f.path),
    optional: f.optional,
    type: fieldType(f.path),
  }));
  return (event) => {
    const columns: KeyValue[][] = [];
    for (const col of cols) {
      const values = columnValues(event, col, rendering);
      if (values.length === 0) {
        if (!col.optional) return [];
        values.push(null);
      }
      columns.push(values);
    }
    const out: EventKey[] = [];
    const tuple: KeyValue[] = new Array(columns.length);
    let truncated = false;
    // Field-major order: the first field's values vary slowest (as a nested loop would).
    const visit = (i: number): void => {
      if (out.length >= maxKeysPerEvent) {
        truncated = true;
        return;
      }
      if (i === columns.length) {
        const values = tuple.slice();
        out.push({ values, id: keyId(values) });
        return;
      }
      for (const v of columns[i]!) {
        tuple[i] = v;
        visit(i + 1);
        if (truncated) return;
      }
    };
    visit(0);
    if (truncated) onTooManyKeys();
    return out;
  };
}

/**
 * Order of one key position in a composite aggregation (samples): the missing bucket (`null`)
 * first, numbers numerically, `false` before `true`, strings by code point (UTF-8 byte order,
 * Lucene's term order).
 */
export function compareKeyValues(a: KeyValue, b: KeyValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return a ? 1 : -1;
  return compareCodePoints(String(a), String(b));
}

/** Lexicographic order of key tuples by compareKeyValues. */
export function compareKeys(a: readonly KeyValue[], b: readonly KeyValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeyValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
