/**
 * Elasticsearch field types of the ECS and Elastic Defend fields, and how a record value reads as
 * each type, so that the compiler can type comparisons the way Elasticsearch's mapping does
 * (`@timestamp` compares as a date, `source.ip` as an address, `process.pid` as a number).
 *
 * Sources (data in src/eql/field-types-data.ts, derived with a throwaway script, not copied code):
 * - ECS 9.4.0, `generated/csv/fields.csv` of elastic/ecs at tag v9.4.0
 *   (354fd8d0ca99faa15405d1ea1d3bb396724d3e5a): every field and multi-field (`*.text`) with its type;
 * - Elastic Defend (the `endpoint` package) 9.5.0, `package/endpoint/data_stream/<each>/fields/fields.yml`
 *   of elastic/endpoint-package at tag v9.5.0 (427647b0333ceab7d5384f3ea58e33a59aadf74b): groups
 *   flattened to dotted paths, `multi_fields` included, aliases left out. Where both define a path
 *   the package wins (they agree on every type except 29 `*.text` multi-fields: `text` in the
 *   package, `match_only_text` in ECS);
 * - elastic/integrations package fields for the few non-ECS fields that Elastic's detection rules
 *   (elastic/detection-rules 14cf530) compare with numbers or booleans: azure signinlogs
 *   (packages/azure/data_stream/signinlogs/fields/fields.yml), google_workspace drive,
 *   problemchild predictions, network_traffic flow.
 * Every other field is unknown here (`fieldType` returns undefined) and the compiler treats it as
 * `keyword`, as before.
 *
 * Facts worth knowing, from that data: `process.command_line` (and its parent/leader variants),
 * `registry.data.strings`, `url.original`, `url.path`, `http.*.body.content` are `wildcard` (exact,
 * so every string function and `==` apply to the whole value; there is no ignore_above); names and
 * paths such as `process.name`, `process.executable`, `file.path` are `keyword` with a `.text`
 * multi-field (`text` in Defend): queries use the keyword; `message` is `match_only_text` with no
 * keyword sub-field (not exact: Elasticsearch refuses it in string functions and exact
 * comparisons). The QA suite's own mapping also has `text` fields with a `keyword` sub-field
 * (`hostname`, `file_name`): exact operations use the sub-field there.
 *
 * Malformed values (a record value that does not parse as its field's type): the logs-*-* index
 * templates Elastic Defend and the integrations write to set `index.mapping.ignore_malformed: true`
 * (component template `logs@settings`; elastic/elasticsearch issue 95224, "Change default of
 * ignore_malformed to true in logs-*-* data streams"), under which Elasticsearch keeps the document, records the
 * field in `_ignored` and indexes NO value for it: every comparison on that field is then false and
 * `field == null` true. `indexedValue` returns undefined for such a value and the compiler must
 * treat it as absent (for one element of an array, that element alone is dropped). Without
 * ignore_malformed the whole document would be rejected at ingest and match nothing; we do not
 * emulate that (a scanner must not hide the rest of a record).
 */

import { FIELD_TYPE_LISTS } from "./field-types-data.ts";
import { parseDate } from "./field-types-date.ts";
import { parseIp } from "./field-types-ip.ts";
import { encodeVersion } from "./field-types-version.ts";
import { parseJavaDouble } from "./functions/java.ts";

export { javaDateToString, parseDate, parseEpochMillis, parseIsoDate } from "./field-types-date.ts";
export {
  compareIp,
  formatIp,
  type IpRange,
  type ParsedIp,
  parseIp,
  parseIpAddress,
  parseIpRange,
} from "./field-types-ip.ts";
export { compareVersion, encodeVersion } from "./field-types-version.ts";

export type EsFieldType =
  | "keyword"
  | "text"
  | "date"
  | "date_nanos"
  | "ip"
  | "long"
  | "unsigned_long"
  | "integer"
  | "short"
  | "byte"
  | "double"
  | "float"
  | "scaled_float"
  | "half_float"
  | "boolean"
  | "wildcard"
  | "match_only_text"
  | "constant_keyword"
  | "version"
  | "flattened"
  | "geo_point"
  | "histogram"
  | "object"
  | "nested";

// A Map, never an object literal lookup: a path such as `__proto__` or `constructor` must be unknown.
const TYPES: ReadonlyMap<string, EsFieldType> = (() => {
  const m = new Map<string, EsFieldType>();
  for (const [type, paths] of Object.entries(FIELD_TYPE_LISTS)) {
    for (const path of paths) m.set(path, type as EsFieldType);
  }
  return m;
})();

/**
 * The mapped type of an ECS / Elastic Defend field path (dotted, as written in a query), or
 * undefined when neither defines it. A path below a `flattened` field (`process.pe.imports.x`) is
 * `keyword`, as Elasticsearch exposes the leaves of a flattened field.
 */
export function fieldType(path: string): EsFieldType | undefined {
  const t = TYPES.get(path);
  if (t !== undefined) return t;
  for (let at = path.lastIndexOf("."); at > 0; at = path.lastIndexOf(".", at - 1)) {
    if (TYPES.get(path.slice(0, at)) === "flattened") return "keyword";
  }
  return undefined;
}

/** Every known path with its type (for tests and documentation). */
export function knownFieldTypes(): ReadonlyMap<string, EsFieldType> {
  return TYPES;
}

// [lowest, first value past the top]: the long bounds are not exact doubles, 2 ** 63 is.
const INTEGER_RANGES: Partial<Record<EsFieldType, readonly [number, number]>> = {
  byte: [-128, 128],
  short: [-32768, 32768],
  integer: [-(2 ** 31), 2 ** 31],
  long: [-(2 ** 63), 2 ** 63],
  unsigned_long: [0, 2 ** 64],
};

// A number in a JSON string, as ES's coercion reads it (Java BigDecimal-like syntax).
const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function numericValue(value: unknown, type: EsFieldType): number | undefined {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    // `coerce` (on by default) accepts numbers written as strings.
    const s = value.trim();
    if (INTEGER_RANGES[type]) {
      if (!NUMERIC_TEXT.test(s)) return undefined;
      n = Number(s);
    } else {
      const d = parseJavaDouble(s);
      if (d === null) return undefined;
      n = d;
    }
  } else return undefined;
  if (!Number.isFinite(n)) return undefined; // numeric fields take finite values only
  const range = INTEGER_RANGES[type];
  if (range) {
    n = Math.trunc(n); // coerce truncates a fraction for integer types
    if (n < range[0] || n >= range[1]) return undefined;
  }
  n = roundToFieldType(n, type);
  if (!Number.isFinite(n)) return undefined; // 65520 overflows a half_float: ES refuses it
  return n === 0 ? 0 : n;
}

/** Nearest IEEE half-precision value (round half to even), as a double; +-Infinity past 65504. */
function toHalfFloat(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const abs = Math.abs(x);
  // Below 2^-14 half floats are subnormal with a fixed step of 2^-24; above, 11 significant bits.
  const exp = Math.max(Math.floor(Math.log2(abs)), -14);
  const step = 2 ** (exp - 10);
  let q = abs / step;
  const floor = Math.floor(q);
  const rest = q - floor;
  q = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  const v = q * step;
  const rounded = v > 65504 ? Number.POSITIVE_INFINITY : v;
  return x < 0 ? -rounded : rounded;
}

/**
 * A number as a field of `type` stores it (and as a range or term query on that field parses a
 * constant): `float` rounds to single precision, `half_float` to half precision, so a comparison
 * on such a field happens between the rounded values (`x > 0.98` on a float field is
 * `float(x) > float(0.98)`). `scaled_float` needs its scaling factor, which ECS does not state:
 * left unrounded. Other types are unchanged.
 */
export function roundToFieldType(n: number, type: EsFieldType): number {
  if (type === "float") return Math.fround(n);
  if (type === "half_float") return toHalfFloat(n);
  return n;
}

/**
 * The value Elasticsearch indexes for a record value of a field of type `type`, or undefined when
 * that value is malformed for the type (see the header: it then counts as absent):
 * - keyword family (keyword, constant_keyword, wildcard, text, match_only_text, flattened leaves):
 *   the string; a JSON number or boolean is indexed as its text ("42", "true");
 * - long/integer/short/byte/unsigned_long: a number, strings coerced, fractions truncated, range
 *   checked; double/float/half_float/scaled_float: a finite number (strings coerced);
 * - boolean: true/false, or the strings "true"/"false" ("" is false);
 * - date: epoch milliseconds (`parseDate`); ip: the 128-bit address (`parseIp`);
 * - version: the string (order it with `compareVersion`).
 * Objects and other shapes give undefined.
 */
export function indexedValue(
  value: unknown,
  type: EsFieldType,
): string | number | boolean | bigint | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case "keyword":
    case "constant_keyword":
    case "wildcard":
    case "text":
    case "match_only_text":
    case "flattened":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      return undefined;
    case "long":
    case "unsigned_long":
    case "integer":
    case "short":
    case "byte":
    case "double":
    case "float":
    case "half_float":
    case "scaled_float":
      return numericValue(value, type);
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true") return true;
      if (value === "false" || value === "") return false;
      return undefined;
    case "date":
    case "date_nanos":
      return parseDate(value) ?? undefined;
    case "ip":
      return typeof value === "string" ? (parseIp(value) ?? undefined) : undefined;
    case "version":
      // Compare indexed versions with compareVersion; a digit run of 128+ is refused by ES.
      if (typeof value === "number" || typeof value === "boolean") value = String(value);
      return typeof value === "string" && encodeVersion(value) !== undefined ? value : undefined;
    case "geo_point":
    case "histogram":
    case "object":
    case "nested":
      return undefined;
  }
}
