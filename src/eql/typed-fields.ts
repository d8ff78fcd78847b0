/**
 * How a field's values read, given its Elasticsearch mapping type (src/eql/field-types.ts):
 * Elasticsearch converts both the record's values and the query's constants to the field's type,
 * so `@timestamp < "2017-08-30T20:47:32Z"` compares instants, `process.pid > 100` numbers and
 * `source.ip == "10.0.0.0/8"` addresses. A field the mapping data does not know is `untyped`: its
 * values keep their JSON type (a string is a keyword, a JSON number a number), as today.
 *
 * Record values that do not parse as the field's type count as absent for that field, as with
 * `index.mapping.ignore_malformed: true`, which Elastic's `logs@settings` template sets for the
 * logs-*-* data streams the integrations write (without it Elasticsearch would refuse the whole
 * document, so no query could match it either).
 */

import { type EsFieldType, encodeVersion, indexedValue, roundToFieldType } from "./field-types.ts";
import { parseDate } from "./field-types-date.ts";
import { parseIp } from "./field-types-ip.ts";
import type { NumericKind } from "./functions.ts";

export type FieldClass = "untyped" | "keyword" | "numeric" | "date" | "ip" | "boolean" | "version";

export interface FieldInfo {
  readonly path: string;
  readonly cls: FieldClass;
  /** The mapping type as the data names it (undefined for an untyped field). */
  readonly esType: string | undefined;
  /** For numeric fields: the Java kind of the value a script sees (a `long` field is `long`). */
  readonly kind: NumericKind | undefined;
  /** Integer mapping types store whole numbers: `41.9` in a long field is 41 (ES truncates on index). */
  readonly integral: boolean;
}

const KEYWORD_TYPES = new Set(["keyword", "constant_keyword", "wildcard", "text", "match_only_text"]);
const INT_TYPES: Readonly<Record<string, NumericKind>> = {
  long: "long",
  integer: "int",
  short: "int",
  byte: "int",
};
const FLOAT_TYPES = new Set(["double", "float", "half_float", "scaled_float"]);

/** The class of a mapping type, or a message naming why the engine cannot evaluate it. */
export function classifyField(path: string, esType: string | undefined): FieldInfo | string {
  const base = { path, esType };
  if (esType === undefined) return { ...base, cls: "untyped", kind: undefined, integral: false };
  if (KEYWORD_TYPES.has(esType)) return { ...base, cls: "keyword", kind: undefined, integral: false };
  if (Object.hasOwn(INT_TYPES, esType))
    return { ...base, cls: "numeric", kind: INT_TYPES[esType], integral: true };
  if (esType === "unsigned_long") return { ...base, cls: "numeric", kind: "long", integral: true };
  if (FLOAT_TYPES.has(esType)) return { ...base, cls: "numeric", kind: "double", integral: false };
  if (esType === "date" || esType === "date_nanos")
    return { ...base, cls: "date", kind: undefined, integral: false };
  if (esType === "ip") return { ...base, cls: "ip", kind: undefined, integral: false };
  if (esType === "boolean") return { ...base, cls: "boolean", kind: undefined, integral: false };
  if (esType === "version") return { ...base, cls: "version", kind: undefined, integral: false };
  return `field \`${path}\` is mapped as \`${esType}\`, which the engine cannot compare`;
}

/**
 * A record value read as a number of this numeric field (coercion of numeric strings, integer
 * types truncated and range-checked, float / half_float rounded to their precision: see
 * indexedValue in field-types.ts), or undefined when malformed.
 */
export function numericValue(info: FieldInfo, raw: unknown): number | undefined {
  const v = indexedValue(raw, info.esType as EsFieldType);
  return typeof v === "number" ? v : undefined;
}

/** A query constant as the numeric field's range and term queries parse it (float precision kept). */
export function numericConstant(info: FieldInfo, n: number): number {
  return roundToFieldType(n, info.esType as EsFieldType);
}

/** A record value read as a date (epoch milliseconds), or undefined when malformed. */
export function dateValue(raw: unknown): number | undefined {
  return parseDate(raw) ?? undefined;
}

/** A record value read as an address (128-bit, IPv4 mapped), or undefined when malformed. */
export function ipValue(raw: unknown): bigint | undefined {
  return typeof raw === "string" ? (parseIp(raw) ?? undefined) : undefined;
}

/** A record value read as a boolean field does (`true`/`false`, their strings, `""` is false), or undefined. */
export function booleanValue(raw: unknown): boolean | undefined {
  const v = indexedValue(raw, "boolean");
  return typeof v === "boolean" ? v : undefined;
}

/** A record value read as a `version` field (its text when Elasticsearch accepts it), or undefined. */
export function versionValue(raw: unknown): string | undefined {
  const s = typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw;
  return typeof s === "string" && encodeVersion(s) !== undefined ? s : undefined;
}
