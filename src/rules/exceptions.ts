/**
 * Rule exceptions as Kibana evaluates them (docs/rules-and-eql.md, "Exceptions").
 *
 * Kibana turns a rule's exception items into one negated filter on the rule's search: an event
 * that matches ANY item is never seen by the query, so it can neither raise an alert nor be a
 * step of a sequence. Within an item every entry must hold (AND). Entry semantics follow the
 * clauses Kibana builds (security-solution's build_exceptions_filter):
 *   match      `match_phrase`  some value of the field equals the value (keyword: exact, case-sensitive)
 *   match_any  one `match_phrase` per value, any of them
 *   wildcard   `wildcard` query: `*` any run, `?` one code point, `\` escapes the next character;
 *              case-sensitive, whole value
 *   exists     the field has a value
 *   nested     one element of the array at `field` satisfies every inner entry together
 *   excluded   the entry's clause inside `must_not`: true when the field is missing
 *   os_types   the item holds only on hosts whose `host.os.type` (or `host.os.name`, compared
 *              case-insensitively as Defend's `host.os.name.caseless` is) is one of them
 *   expire_time  an item whose expiry has passed is not applied
 * `<field>.caseless` names the lower-cased keyword sub-field Elastic Defend maps: it compares the
 * base field case-insensitively. Value lists (`type: list`) live in Kibana, not in exports, and are
 * refused by name; so are `.text` sub-fields (analysed text: phrase semantics we do not emulate).
 */
import { compileFieldPath, type FieldPath, fieldNodes, fieldValues } from "../document/index.ts";

export type ExceptionOperator = "included" | "excluded";

interface EntryBase {
  readonly field: string;
  readonly operator: ExceptionOperator;
}
export interface MatchEntry extends EntryBase {
  readonly type: "match";
  readonly value: string;
}
export interface MatchAnyEntry extends EntryBase {
  readonly type: "match_any";
  readonly value: readonly string[];
}
export interface WildcardEntry extends EntryBase {
  readonly type: "wildcard";
  readonly value: string;
}
export interface ExistsEntry extends EntryBase {
  readonly type: "exists";
}
export type InnerEntry = MatchEntry | MatchAnyEntry | WildcardEntry | ExistsEntry;
export interface NestedEntry {
  readonly type: "nested";
  readonly field: string;
  readonly entries: readonly InnerEntry[];
}
export type ExceptionEntry = InnerEntry | NestedEntry;

export interface ExceptionItem {
  /** `item_id` (stable across exports) and the list it belongs to. */
  readonly itemId: string;
  readonly listId: string;
  readonly namespaceType: string;
  readonly name: string;
  readonly osTypes: readonly string[];
  /** ISO 8601; the item is not applied after it. */
  readonly expireTime?: string;
  readonly entries: readonly ExceptionEntry[];
  /** Where it was read from, e.g. `export.ndjson:14`. */
  readonly origin: string;
}

export interface ExceptionListInfo {
  readonly listId: string;
  readonly namespaceType: string;
  readonly name: string;
  /** detection, rule_default, endpoint, endpoint_trusted_apps, ... */
  readonly type: string;
  readonly origin: string;
}

/** A reference from a rule to a list (`exceptions_list[]` in Kibana's rule schema). */
export interface ExceptionListRef {
  readonly listId: string;
  readonly namespaceType: string;
  readonly type: string;
}

/** An exception item or list could not be read. The message names the origin and the fix. */
export class ExceptionError extends Error {
  override readonly name = "ExceptionError";
  constructor(
    readonly origin: string,
    message: string,
  ) {
    super(`${origin}: ${message}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function str(o: Obj, key: string, origin: string, where: string): string {
  const v = own(o, key);
  if (typeof v !== "string" || v === "") {
    throw new ExceptionError(
      origin,
      `${where}: \`${key}\` must be a non-empty string, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function checkField(field: string, origin: string, where: string): void {
  if (field.endsWith(".text")) {
    throw new ExceptionError(
      origin,
      `${where}: field ${JSON.stringify(field)} is an analysed text sub-field, whose phrase matching is not emulated; use the keyword field ${JSON.stringify(field.slice(0, -5))} instead`,
    );
  }
}

function parseInner(e: unknown, origin: string, where: string, nested: boolean): ExceptionEntry {
  if (!isObj(e)) throw new ExceptionError(origin, `${where}: an entry must be an object`);
  const type = own(e, "type");
  const field = str(e, "field", origin, where);
  if (type === "nested") {
    if (nested) throw new ExceptionError(origin, `${where}: nested entries cannot contain nested entries`);
    const inner = own(e, "entries");
    if (!Array.isArray(inner) || inner.length === 0) {
      throw new ExceptionError(origin, `${where}: a nested entry needs a non-empty \`entries\` array`);
    }
    return {
      type,
      field,
      entries: inner.map((x, i) => parseInner(x, origin, `${where}.entries[${i}]`, true) as InnerEntry),
    };
  }
  checkField(field, origin, where);
  const op = own(e, "operator");
  if (op !== "included" && op !== "excluded") {
    throw new ExceptionError(
      origin,
      `${where}: \`operator\` must be "included" or "excluded", got ${JSON.stringify(op)}`,
    );
  }
  switch (type) {
    case "match":
    case "wildcard": {
      const value = own(e, "value");
      if (typeof value !== "string") {
        throw new ExceptionError(
          origin,
          `${where}: a ${type} entry needs a string \`value\`, got ${JSON.stringify(value)}`,
        );
      }
      return { type, field, operator: op, value };
    }
    case "match_any": {
      const value = own(e, "value");
      if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== "string")) {
        throw new ExceptionError(
          origin,
          `${where}: a match_any entry needs a non-empty array of strings as \`value\``,
        );
      }
      return { type, field, operator: op, value: value as string[] };
    }
    case "exists":
      return { type, field, operator: op };
    case "list":
      throw new ExceptionError(
        origin,
        `${where}: value-list entries (type "list", field ${JSON.stringify(field)}) are not supported: Kibana keeps value lists outside rule and exception exports; replace the entry with a match_any of the list's values`,
      );
    default:
      throw new ExceptionError(
        origin,
        `${where}: unknown entry type ${JSON.stringify(type)} (expected match, match_any, wildcard, exists, nested or list)`,
      );
  }
}

/** Validates one exported exception item (`type: "simple"` objects of an exception-list export). */
export function parseExceptionItem(o: Obj, origin: string): ExceptionItem {
  const itemId = str(o, "item_id", origin, "exception item");
  const where = `exception item ${JSON.stringify(itemId)}`;
  const listId = str(o, "list_id", origin, where);
  const entries = own(o, "entries");
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ExceptionError(origin, `${where}: \`entries\` must be a non-empty array`);
  }
  const osTypes = own(o, "os_types") ?? [];
  if (!Array.isArray(osTypes) || osTypes.some((t) => typeof t !== "string")) {
    throw new ExceptionError(origin, `${where}: \`os_types\` must be an array of strings`);
  }
  const expire = own(o, "expire_time");
  if (
    expire !== undefined &&
    expire !== null &&
    (typeof expire !== "string" || Number.isNaN(Date.parse(expire)))
  ) {
    throw new ExceptionError(
      origin,
      `${where}: \`expire_time\` must be an ISO 8601 date, got ${JSON.stringify(expire)}`,
    );
  }
  const name = own(o, "name");
  const ns = own(o, "namespace_type");
  return {
    itemId,
    listId,
    namespaceType: typeof ns === "string" ? ns : "single",
    name: typeof name === "string" ? name : itemId,
    osTypes: osTypes as string[],
    ...(typeof expire === "string" ? { expireTime: expire } : {}),
    entries: entries.map((e, i) => parseInner(e, origin, `${where}.entries[${i}]`, false)),
    origin,
  };
}

/** Validates one exported exception list header. */
export function parseExceptionList(o: Obj, origin: string): ExceptionListInfo {
  const listId = str(o, "list_id", origin, "exception list");
  const ns = own(o, "namespace_type");
  const name = own(o, "name");
  const type = own(o, "type");
  return {
    listId,
    namespaceType: typeof ns === "string" ? ns : "single",
    name: typeof name === "string" ? name : listId,
    type: typeof type === "string" ? type : "detection",
    origin,
  };
}

// ---- evaluation ----

type EventTest = (event: unknown) => boolean;

const CASELESS = ".caseless";

/** Values of `field`, and whether they compare case-insensitively (`.caseless` sub-fields). */
function reader(field: string): { fp: FieldPath; fold: boolean } {
  const fold = field.endsWith(CASELESS) && field.length > CASELESS.length;
  return { fp: compileFieldPath(fold ? field.slice(0, -CASELESS.length) : field), fold };
}

// Defend's `caseless` normalizer lower-cases with Lucene's LowerCaseFilter (Unicode), as does
// JavaScript's toLowerCase without a locale.
const lower = (s: string): string => s.toLowerCase();

interface Segment {
  readonly kind: "lit" | "star" | "one";
  /** The literal's code points (empty for `*` and `?`). */
  readonly cps: readonly string[];
}

/** Splits an Elasticsearch wildcard-query pattern into literal runs, `*` and `?` (with `\` escapes). */
function wildcardSegments(pattern: string): Segment[] {
  const out: Segment[] = [];
  let lit = "";
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === "\\" && i + 1 < cps.length) {
      lit += cps[++i]!;
    } else if (c === "*" || c === "?") {
      if (lit !== "") out.push({ kind: "lit", cps: Array.from(lit) });
      lit = "";
      if (c === "*" && out.at(-1)?.kind === "star") continue;
      out.push({ kind: c === "*" ? "star" : "one", cps: [] });
    } else {
      lit += c;
    }
  }
  if (lit !== "") out.push({ kind: "lit", cps: Array.from(lit) });
  return out;
}

/**
 * Whole-value glob over code points, backtracking only to the last star (O(value x pattern) at
 * worst, never exponential): values are attacker-written and can be hundreds of KB long.
 */
export function compileEsWildcard(pattern: string): (value: string) => boolean {
  const segs = wildcardSegments(pattern);
  return (value) => {
    const v = Array.from(value);
    let vi = 0;
    let si = 0;
    let starSeg = -1;
    let starV = 0;
    while (vi < v.length || si < segs.length) {
      const seg = segs[si];
      if (seg !== undefined) {
        if (seg.kind === "star") {
          starSeg = si++;
          starV = vi;
          continue;
        }
        if (seg.kind === "one" && vi < v.length) {
          si++;
          vi++;
          continue;
        }
        if (seg.kind === "lit") {
          const lit = seg.cps;
          let ok = vi + lit.length <= v.length;
          for (let k = 0; ok && k < lit.length; k++) if (v[vi + k] !== lit[k]) ok = false;
          if (ok) {
            si++;
            vi += lit.length;
            continue;
          }
        }
      }
      if (starSeg < 0 || starV >= v.length) return false;
      si = starSeg + 1;
      vi = ++starV;
    }
    return true;
  };
}

function compileInner(e: InnerEntry, prefix: string): EventTest {
  const { fp, fold } = reader(prefix === "" ? e.field : `${prefix}.${e.field}`);
  let holds: EventTest;
  switch (e.type) {
    case "exists":
      holds = (ev) => fieldValues(ev, fp).length > 0;
      break;
    case "match": {
      const want = fold ? lower(e.value) : e.value;
      holds = (ev) => fieldValues(ev, fp).some((v) => (fold ? lower(v) : v) === want);
      break;
    }
    case "match_any": {
      const want = new Set(fold ? e.value.map(lower) : e.value);
      holds = (ev) => fieldValues(ev, fp).some((v) => want.has(fold ? lower(v) : v));
      break;
    }
    case "wildcard": {
      const test = compileEsWildcard(fold ? lower(e.value) : e.value);
      holds = (ev) => fieldValues(ev, fp).some((v) => test(fold ? lower(v) : v));
      break;
    }
  }
  return e.operator === "excluded" ? (ev) => !holds(ev) : holds;
}

function compileEntry(e: ExceptionEntry): EventTest {
  if (e.type !== "nested") return compileInner(e, "");
  const parent = compileFieldPath(e.field);
  // Inner fields are relative to each element of the parent array.
  const inner = e.entries.map((x) => compileInner(x, ""));
  return (ev) => fieldNodes(ev, parent).some((el) => inner.every((t) => t(el)));
}

const OS_TYPE = compileFieldPath("host.os.type");
const OS_NAME = compileFieldPath("host.os.name");

export interface CompiledException {
  readonly item: ExceptionItem;
  /** Epoch ms after which the item is not applied (Infinity: never expires). */
  readonly expiresAt: number;
  matches(event: unknown): boolean;
}

export function compileExceptionItem(item: ExceptionItem): CompiledException {
  const tests = item.entries.map(compileEntry);
  const all: EventTest = (ev) => tests.every((t) => t(ev));
  const os = item.osTypes;
  const osLower = os.map(lower);
  const matches: EventTest =
    os.length === 0
      ? all
      : (ev) =>
          (fieldValues(ev, OS_TYPE).some((v) => os.includes(v)) ||
            fieldValues(ev, OS_NAME).some((v) => osLower.includes(lower(v)))) &&
          all(ev);
  return {
    item,
    expiresAt: item.expireTime === undefined ? Number.POSITIVE_INFINITY : Date.parse(item.expireTime),
    matches,
  };
}

/** The exceptions one rule applies: every item of every list it references. */
export interface RuleExceptions {
  readonly lists: readonly ExceptionListRef[];
  readonly items: readonly CompiledException[];
}

/** The first unexpired item that matches `event`, or undefined (then the event stays). */
export function matchingException(
  exceptions: RuleExceptions,
  event: unknown,
  nowMs: number,
): CompiledException | undefined {
  for (const x of exceptions.items) if (nowMs <= x.expiresAt && x.matches(event)) return x;
  return undefined;
}
