/**
 * Prefilter literal derivation: from a query, a small set of strings at least one of which occurs
 * (as a value, before JSON escaping) in every record the query can match. The reader uses it to
 * skip most records without parsing them (src/scan/prefilter/ does the byte-level search).
 *
 * Soundness argument, node by node (`null` = no constraint known, `[]` = cannot match at all):
 * - a leaf that needs a field value equal to / matching a constant: that value occurs in the
 *   record, so the constant (or, for a wildcard pattern, its longest literal run) does too;
 *   `:`, `like~` and `in~` give case-insensitive literals;
 * - `and`: every conjunct holds, so any one conjunct's set is a valid set: take the most selective;
 * - `or`: one disjunct holds, so the union is valid (and no disjunct may be unconstrained);
 * - `not`, `!=`, `not in`, null checks and `< <= > >=` constrain nothing (null).
 * Values that a record can spell differently are skipped: numbers (the event holds String(n),
 * the raw text may say `1e2` or `100.0`), so a literal made only of number characters is unused;
 * and fields whose ECS value a source derives rather than copies (NON_VERBATIM_FIELDS: e.g.
 * SentinelOne's `event.type` "creation" comes from raw "File Creation").
 *
 * Whole values (`wholeValues`, for records whose ECS view is the record itself, e.g. Elastic
 * Defend): the engine compares a keyword-family field's whole value (`==`, `in`, `:` without a
 * wildcard) or matches a pattern from its first to its last character, so a literal can also say
 * that it begins a value (`valueStart`: the raw JSON has the value's opening quote before it) or
 * ends one (`valueEnd`: the closing quote after it). `"exec"` then rejects every record that only
 * holds `executable`. Not for texts a raw boolean could stand for (a keyword field indexes raw
 * `true` as "true", without quotes); raw numbers are already excluded above.
 */

import type { Constant, EventQuery, Expr, FieldRef } from "./ast.ts";
import type { PrefilterLiteral } from "./compiled.ts";
import { fieldType } from "./field-types.ts";
import { regexRequiredLiterals } from "./regex.ts";
import { asciiLower } from "./wildcard.ts";

/**
 * ECS fields whose values some source normaliser derives instead of copying verbatim from the raw
 * record (see ../shared/spec/sources.md): literals from them would not be sound for raw text.
 * Every other field a normaliser fills MUST be a verbatim copy of a raw value.
 */
export const NON_VERBATIM_FIELDS: readonly string[] = [
  "event.category",
  "event.type",
  "event.kind",
  "event.outcome",
  "event.action",
  "@timestamp",
  // Derived by the SentinelOne view (src/sources, SENTINELONE_DERIVED_FIELDS): renamed
  // ("OUTGOING" -> "egress"), lower-cased, upper-cased, table-mapped or percent-decoded values.
  "network.direction",
  "network.protocol",
  "file.drive_letter",
  "dns.question.type",
  "dns.answers.type",
  "url.path",
  "url.query",
  "url.fragment",
  "url.extension",
  "url.user_info",
  "url.username",
  "url.password",
];

export interface LiteralOptions {
  /**
   * The Elasticsearch mapping type of a field (default: the ECS data of src/eql/field-types.ts).
   * Only keyword-like and untyped fields give literals: a date, ip, number or boolean field
   * compares converted values (`10.0.0.0/8` matches `10.1.2.3`, `42` matches `"4.2e1"`), so the
   * constant need not occur in the raw text.
   */
  readonly fieldType?: (path: string) => string | undefined;
  /** Fields whose values are not verbatim in the raw record (default NON_VERBATIM_FIELDS). */
  readonly nonVerbatimFields?: readonly string[];
  /** Above this many alternatives a set is considered too costly to search (default 32). */
  readonly maxPrefilterLiterals?: number;
  /**
   * Derive `valueStart`/`valueEnd` (see the module comment). Sound only for a record whose ECS
   * view is the record itself (no source mapping in between); default false.
   */
  readonly wholeValues?: boolean;
}

type LitSet = PrefilterLiteral[] | null;

/** Characters of String(number) for a finite number: a literal made only of them may be spelt otherwise. */
const NUMBERISH = /^[0-9.eE+-]*$/;

function constantText(c: Constant): string {
  return c.kind === "string" ? c.value : String(c.value);
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function usable(text: string): boolean {
  // U+FFFD can stand for bytes that are not UTF-8 in the raw record; never rely on it.
  return text.length > 0 && !NUMBERISH.test(text) && !text.includes("\uFFFD");
}

/** A keyword field indexes a raw JSON boolean as "true"/"false": such a value has no quotes. */
const couldBeRawBoolean = (folded: string): boolean => "true".includes(folded) || "false".includes(folded);

/** Where a literal sits in the value it comes from (whole-value anchoring, module comment). */
interface Anchors {
  readonly start: boolean;
  readonly end: boolean;
}
const FLOATING: Anchors = { start: false, end: false };
const WHOLE: Anchors = { start: true, end: true };

/**
 * Last path segments that may name a multi-field (`process.name.text`) rather than a key of the
 * record: a literal of such a field names no key.
 */
const MULTI_FIELD_SUFFIXES: ReadonlySet<string> = new Set(["text", "keyword", "caseless"]);

function literal(
  text: string,
  caseInsensitive: boolean,
  at: Anchors = FLOATING,
  field?: string,
): PrefilterLiteral {
  const ci = caseInsensitive && /[A-Za-z]/.test(text);
  const t = ci ? asciiLower(text) : text;
  if ((!at.start && !at.end) || couldBeRawBoolean(asciiLower(text))) return { text: t, caseInsensitive: ci };
  const anchors =
    at.start && at.end
      ? ({ valueStart: true, valueEnd: true } as const)
      : at.start
        ? ({ valueStart: true } as const)
        : ({ valueEnd: true } as const);
  const last = field?.slice(field.lastIndexOf(".") + 1);
  if (field === undefined || last === undefined || last.length === 0 || MULTI_FIELD_SUFFIXES.has(last)) {
    return { text: t, caseInsensitive: ci, ...anchors };
  }
  return { text: t, caseInsensitive: ci, ...anchors, field };
}

/** The longest usable literal run of a wildcard pattern (`*` and `?` split runs), or null. */
export function longestRun(pattern: string): string | null {
  return longestRunAt(pattern)?.run ?? null;
}

/** The longest usable run and whether it starts / ends the pattern (no wildcard before / after it). */
function longestRunAt(pattern: string): { run: string; at: Anchors } | null {
  const runs = pattern.split(/[*?]/);
  let best = -1;
  let bestLen = -1;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (!usable(run)) continue;
    const len = utf8Length(run);
    if (len > bestLen) {
      best = i;
      bestLen = len;
    }
  }
  if (best < 0) return null;
  return { run: runs[best]!, at: { start: best === 0, end: best === runs.length - 1 } };
}

/** Bytes a literal's raw search must find: its text, plus a quote per anchor. */
function searchedLength(l: PrefilterLiteral): number {
  return utf8Length(l.text) + (l.valueStart ? 1 : 0) + (l.valueEnd ? 1 : 0);
}

/** Selectivity of a set: its weakest literal decides (case-insensitive counts a little less). */
function quality(set: PrefilterLiteral[]): number {
  if (set.length === 0) return Number.POSITIVE_INFINITY;
  let q = Number.POSITIVE_INFINITY;
  for (const l of set) q = Math.min(q, searchedLength(l) - (l.caseInsensitive ? 0.5 : 0));
  return q - Math.log2(set.length) * 0.25;
}

/** A literal's identity: case mode, anchors and text. */
export function literalKey(l: PrefilterLiteral): string {
  const f = l.field === undefined ? "" : `@${l.field}`;
  return `${l.caseInsensitive ? "i" : "s"}${l.valueStart ? "<" : ""}${l.valueEnd ? ">" : ""}${f}:${l.text}`;
}

function dedupe(set: PrefilterLiteral[]): PrefilterLiteral[] {
  const seen = new Set<string>();
  const out: PrefilterLiteral[] = [];
  for (const l of set) {
    const key = literalKey(l);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(l);
  }
  // A case-insensitive literal already covers the case-sensitive one with the same folded text
  // and the same anchors (nothing to drop unless the set has both kinds).
  if (!out.some((l) => l.caseInsensitive) || out.every((l) => l.caseInsensitive)) return out;
  return out.filter(
    (l) =>
      l.caseInsensitive || !seen.has(literalKey({ ...l, text: asciiLower(l.text), caseInsensitive: true })),
  );
}

/** Mapping types whose values a query compares as the text the record holds. */
const TEXT_TYPES: ReadonlySet<string> = new Set([
  "keyword",
  "constant_keyword",
  "wildcard",
  "text",
  "match_only_text",
]);

/** Functions whose query form needs its constant in the field's value (wildcard syntax kept). */
const CONTAINING_FUNCTIONS: ReadonlySet<string> = new Set(["startswith", "endswith", "stringcontains"]);

class Deriver {
  private readonly nonVerbatim: ReadonlySet<string>;
  private readonly max: number;
  private readonly typeOf: (path: string) => string | undefined;
  /** Anchors for whole values and patterns (FLOATING when wholeValues is off). */
  private readonly whole: Anchors;

  constructor(options: LiteralOptions) {
    this.whole = options.wholeValues === true ? WHOLE : FLOATING;
    this.nonVerbatim = new Set(options.nonVerbatimFields ?? NON_VERBATIM_FIELDS);
    this.max = options.maxPrefilterLiterals ?? 32;
    this.typeOf = options.fieldType ?? fieldType;
  }

  private verbatim(field: FieldRef | string): boolean {
    const path = typeof field === "string" ? field : field.path;
    if (this.nonVerbatim.has(path)) return false;
    const t = this.typeOf(path);
    return t === undefined || TEXT_TYPES.has(t);
  }

  /** `regex`: one of the pattern's required substrings (the longest usable) per pattern. */
  private regexes(field: FieldRef, pats: readonly string[], ci: boolean): LitSet {
    if (!this.verbatim(field)) return null;
    const out: PrefilterLiteral[] = [];
    for (const p of pats) {
      let lits: string[] | null;
      try {
        lits = regexRequiredLiterals(p, { caseInsensitive: ci });
      } catch {
        return null;
      }
      const best = (lits ?? []).filter(usable).sort((a, b) => utf8Length(b) - utf8Length(a))[0];
      if (best === undefined) return null;
      out.push(literal(best, ci));
    }
    return this.cap(out);
  }

  /** startsWith / endsWith / stringContains as a query on a field: the constant's longest literal run. */
  private call(node: Extract<Expr, { kind: "call" }>): LitSet {
    const [first, second, ...rest] = node.args;
    if (rest.length > 0 || first?.kind !== "field" || second?.kind !== "string") return null;
    if (!CONTAINING_FUNCTIONS.has(node.name.toLowerCase()) || !this.verbatim(first)) return null;
    // The query form is a Lucene wildcard: `*`, `?` and `\` are not literal there.
    let best: string | null = null;
    for (const run of second.value.split(/[*?\\]/)) {
      if (usable(run) && (best === null || utf8Length(run) > utf8Length(best))) best = run;
    }
    return best === null ? null : [literal(best, node.caseInsensitive)];
  }

  private cap(set: LitSet): LitSet {
    if (set === null) return null;
    const d = dedupe(set);
    return d.length > this.max ? null : d;
  }

  /** All texts must be usable for the set to be valid (a value needs only one of them). */
  private exact(field: FieldRef, texts: readonly string[], ci: boolean): LitSet {
    if (!this.verbatim(field)) return null;
    const out: PrefilterLiteral[] = [];
    for (const t of texts) {
      if (!usable(t)) return null;
      out.push(literal(t, ci, this.whole, field.path));
    }
    return this.cap(out);
  }

  private patterns(field: FieldRef, pats: readonly string[], ci: boolean): LitSet {
    if (!this.verbatim(field)) return null;
    const out: PrefilterLiteral[] = [];
    for (const p of pats) {
      const r = longestRunAt(p);
      if (r === null) return null;
      out.push(literal(r.run, ci, this.whole === WHOLE ? r.at : FLOATING, field.path));
    }
    return this.cap(out);
  }

  expr(node: Expr): LitSet {
    switch (node.kind) {
      case "and": {
        let best: LitSet = null;
        for (const o of node.operands) {
          const s = this.expr(o);
          if (s === null) continue;
          if (s.length === 0) return [];
          if (best === null || quality(s) > quality(best)) best = s;
        }
        return best;
      }
      case "or": {
        const out: PrefilterLiteral[] = [];
        for (const o of node.operands) {
          const s = this.expr(o);
          if (s === null) return null;
          out.push(...s);
        }
        return this.cap(out);
      }
      case "not":
      case "null-check":
        return null;
      case "bool":
        return node.value ? null : [];
      case "compare":
        if (node.op !== "==") return null;
        return this.exact(node.field, [constantText(node.value)], false);
      case "in":
        if (node.negated) return null;
        return this.exact(node.field, node.values.map(constantText), node.caseInsensitive);
      case "like":
        return this.patterns(
          node.field,
          node.patterns.map((p) => p.value),
          node.caseInsensitive,
        );
      case "colon":
        return this.patterns(
          node.field,
          node.patterns.map((p) => p.value),
          true,
        );
      case "regex":
        return this.regexes(
          node.field,
          node.patterns.map((p) => p.value),
          node.caseInsensitive,
        );
      case "call":
        return this.call(node);
      case "boolean":
        return node.value ? null : [];
      case "null":
        return [];
      // Script forms and values: the engine compares computed values (a function result, a
      // number, a folded constant), which need not occur in the raw text.
      case "match":
      case "compare-values":
      case "in-values":
      case "arith":
      case "negate":
      case "field":
      case "string":
      case "number":
        return null;
    }
  }

  query(q: EventQuery): LitSet {
    const cond = this.expr(q.condition);
    if (q.category === null || !this.verbatim("event.category")) return cond;
    const cat = usable(q.category.name)
      ? [literal(q.category.name, false, this.whole, "event.category")]
      : null;
    if (cond === null) return cat;
    if (cat === null || cond.length === 0) return cond;
    return quality(cat) > quality(cond) ? cat : cond;
  }
}

/**
 * The prefilter literals of a parsed query (see the module comment), or null when every record
 * must be parsed. An empty array means the query can match nothing.
 */
export function deriveLiterals(
  ast: EventQuery,
  options: LiteralOptions = {},
): readonly PrefilterLiteral[] | null {
  return new Deriver(options).query(ast);
}
