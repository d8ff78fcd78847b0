/**
 * Dispatch: which rules to evaluate for a record, instead of every rule for every record.
 *
 * Before parsing, the prefilter (src/scan/prefilter) names the rules whose literals the raw
 * record holds; a record it names no rule for is not parsed at all. After parsing, a named rule
 * is evaluated only when the record's ECS `event.category` holds the rule's category (`file
 * where` needs "file": the compiled query tests exactly that, so skipping it is exact), and when
 * the rule's index patterns admit the record's index (a hook: `indexFilter`, fed by index routing
 * in src/sources). With the Linux pack (212 rules) a Linux record names about 25 rules in the
 * prefilter and far fewer survive the category test.
 *
 * One RuleDispatch per scan (it holds the current record's candidates); the prefilter, which is
 * costly to build, is shared per rules array.
 */
import { compileFieldPath, fieldValues } from "../document/index.ts";
import type { Rule } from "../rules/index.ts";
import { MAPPED_VIEW_MARKERS, type SourceOption } from "../sources/index.ts";
import {
  createRulePrefilter,
  eventQueryOf,
  type PrefilterStrategy,
  type RulePrefilter,
  type RulePrefilterOptions,
  ruleClauses,
  wholeValueClauses,
} from "./prefilter/index.ts";

export interface DispatchOptions {
  /**
   * Index routing: does a rule with these `index` patterns search `index` (undefined: the record's
   * index is unknown)? Default: every rule sees every record.
   */
  readonly indexFilter?: (patterns: readonly string[], index: string | undefined) => boolean;
  /** Prefilter strategy (default: chosen by the number of literals). */
  readonly strategy?: PrefilterStrategy;
  /**
   * The scan's source option (default "auto"). Records whose ECS view is the record itself
   * (Defend, unknown shapes) get the stronger whole-value clauses: all of them with "defend",
   * those without a mapped source's marker with "auto", none with "sentinelone" or "endgame".
   */
  readonly source?: SourceOption;
}

export interface RuleDispatch {
  readonly rules: readonly Rule[];
  /** True when every record must be parsed (some rule has nothing to search for). */
  readonly parsesAll: boolean;
  /**
   * The gate before parsing, for the records of one buffer: false when no rule can match the
   * record in `buf[start, end)` (skip it unparsed); true when some rule may, and then those rules
   * are remembered for the next `match(event, true, ...)`.
   */
  forBuffer(buf: Uint8Array): (start: number, end: number) => boolean;
  /**
   * Evaluates rules on an ECS event and appends the ones that match to `hits`, in rule order.
   * `gated`: the event is the view of the record the gate passed last (its candidates apply);
   * false for anything else (a CloudWatch Logs message, a record not put to the gate): every
   * rule is then a candidate. Throws what a rule throws.
   */
  match(event: unknown, gated: boolean, hits: Rule[], index?: string): void;
}

/** Compiled once: fieldValues compiles a path given as a string on every call. */
const CATEGORY = compileFieldPath("event.category");

/** The category a rule's query requires (`file where` -> "file"), or null (`any where`, sequences). */
function categoryOf(rule: Rule): string | null {
  return eventQueryOf(rule)?.category?.name ?? null;
}

interface Shared {
  /** The rules the prefilter was built for (the array's elements when it was built). */
  readonly rules: readonly Rule[];
  readonly prefilter: RulePrefilter;
  /** Per rule: the category it requires, or null. */
  readonly categories: readonly (string | null)[];
  readonly anyCategory: boolean;
  /** Every rule index, for an event the gate did not see. */
  readonly all: Int32Array;
  /** Per index filter and index name: which rules search it (1) or not (0). */
  readonly verdicts: WeakMap<IndexFilter, Map<string | undefined, Uint8Array>>;
}

type IndexFilter = (patterns: readonly string[], index: string | undefined) => boolean;

/**
 * The prefilter costs ~1 ms per 10 rules to build (the automaton); the CLI and the Lambda scan
 * many objects with one rules array, so it is built once per array (and rebuilt when a rule's
 * literal set changes, as the old gate did).
 */
const shared = new WeakMap<readonly Rule[], Map<string, Shared>>();

/** How the scan's source option tells records with whole-value clauses (DispatchOptions.source). */
function wholeValueOption(rules: readonly Rule[], source: SourceOption): RulePrefilterOptions {
  if (source === "sentinelone" || source === "endgame") return {};
  const clauses = rules.map((r) => wholeValueClauses(r));
  return { wholeValue: { clauses, markers: source === "defend" ? "every-record" : MAPPED_VIEW_MARKERS } };
}

function sharedFor(
  rules: readonly Rule[],
  strategy: PrefilterStrategy | undefined,
  source: SourceOption,
): Shared {
  const key = `${strategy ?? "auto"}/${source}`;
  let byStrategy = shared.get(rules);
  if (byStrategy === undefined) {
    byStrategy = new Map();
    shared.set(rules, byStrategy);
  }
  // (Clauses are computed once per Rule object: the same elements give the same prefilter.)
  const cached = byStrategy.get(key);
  if (
    cached !== undefined &&
    cached.rules.length === rules.length &&
    cached.rules.every((r, i) => r === rules[i])
  ) {
    return cached;
  }
  const categories = rules.map(categoryOf);
  const s: Shared = {
    rules: [...rules],
    // The general clauses are derived when first needed (dispatch of a Defend archive: never).
    prefilter: createRulePrefilter(() => rules.map((r) => ruleClauses(r)), {
      ...wholeValueOption(rules, source),
      ...(strategy === undefined ? {} : { strategy }),
    }),
    categories,
    anyCategory: categories.some((c) => c !== null),
    all: Int32Array.from({ length: rules.length }, (_, i) => i),
    verdicts: new WeakMap(),
  };
  byStrategy.set(key, s);
  return s;
}

export function createRuleDispatch(rules: readonly Rule[], options: DispatchOptions = {}): RuleDispatch {
  // Built once per rules array and shared by every object's dispatch (a pack scanned over many
  // small objects must not pay for it per object); only the candidates are per dispatch.
  const sh = sharedFor(rules, options.strategy, options.source ?? "auto");
  const { prefilter, categories, anyCategory, all } = sh;
  const count = rules.length;
  const candidates = new Int32Array(count);
  let candidateCount = 0;
  const indexFilter = options.indexFilter;
  // Per index name, which rules search it (1) or not (0); index names are few per archive.
  let byIndex = indexFilter === undefined ? undefined : sh.verdicts.get(indexFilter);
  if (indexFilter !== undefined && byIndex === undefined) {
    byIndex = new Map();
    sh.verdicts.set(indexFilter, byIndex);
  }
  const indexVerdicts = (index: string | undefined): Uint8Array => {
    let v = byIndex!.get(index);
    if (v === undefined) {
      v = Uint8Array.from(rules, (r) => (indexFilter!(r.indices, index) ? 1 : 0));
      if (byIndex!.size < 1024) byIndex!.set(index, v);
    }
    return v;
  };

  return {
    rules,
    parsesAll: prefilter.parsesAll,
    forBuffer(buf) {
      const admit = prefilter.forBuffer(buf);
      return (start, end) => {
        candidateCount = admit(start, end, candidates);
        return candidateCount > 0;
      };
    },
    match(event, gated, hits, index) {
      const list = gated ? candidates : all;
      const n = gated ? candidateCount : count;
      // Consumed: a later event not put to the gate must not reuse this record's candidates.
      candidateCount = 0;
      let cats: string[] | null = null;
      const verdicts = indexFilter === undefined ? null : indexVerdicts(index);
      for (let k = 0; k < n; k++) {
        const r = list[k]!;
        if (verdicts !== null && verdicts[r] === 0) continue;
        const cat = anyCategory ? categories[r]! : null;
        if (cat !== null) {
          if (cats === null) cats = fieldValues(event, CATEGORY);
          if (!cats.includes(cat)) continue;
        }
        const rule = rules[r]!;
        if (rule.compiled.matches(event)) hits.push(rule);
      }
    },
  };
}
