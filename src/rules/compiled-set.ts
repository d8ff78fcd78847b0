/**
 * A rule directory compiled at build time: `.compiled-rules.json` next to the rule files, written
 * by the build (scripts/build.mjs) for the rules it bundles. At start-up each rule file is still
 * read and its SHA-256 compared with the digest recorded at build time, and the artefact is used
 * only by the engine build that wrote it (the bundle's engine id, injected by esbuild as
 * `__EDR_ENGINE_ID__`). A file that matches was parsed, validated and compiled by this very
 * engine from this very text, so its rule is rebuilt from the artefact instead of parsing the
 * TOML and the EQL again; its event predicate is compiled on first use (a deterministic compile
 * that succeeded at build time). A file that does not match (edited, added, or a different
 * engine) goes through the full loader, so every error still names file:line:col.
 *
 * Why: on the Linux pack (287 files) the loader spent ~350 ms of CPU at start-up, most of it
 * first-run (unoptimised) TOML parsing, EQL parsing and compiling, which no cache of parses
 * inside one process can avoid.
 */
import * as crypto from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  type CompiledQuery,
  compileAst,
  type EventQuery,
  type PrefilterLiteral,
  parseStatement,
  type Statement,
} from "../eql/index.ts";
import { correlationSteps, rememberAst, rememberAstJson, ruleAst, statementOf } from "./ast.ts";
import { compileRuleQuery } from "./correlation.ts";
import { type LoadOptions, parseRule, RuleLoadError } from "./load.ts";
import type { Rule } from "./rule.ts";

/** The artefact's file name in a rule directory (a dot file: rule listings skip it). */
export const COMPILED_RULES_FILE = ".compiled-rules.json";
const FORMAT = "edr-compiled-rules/1";

declare const __EDR_ENGINE_ID__: string | undefined;

/** The id of the engine build running now (set in bundles by the build), or undefined from source. */
export function engineId(): string | undefined {
  return typeof __EDR_ENGINE_ID__ === "string" ? __EDR_ENGINE_ID__ : undefined;
}

/** Everything of a rule but its compiled forms and its file (which is where it is read from). */
type RuleData = Omit<Rule, "compiled" | "sequence" | "file">;

interface Entry {
  /** The file's path relative to the directory, with `/` separators. */
  readonly name: string;
  readonly sha256: string;
  /** The rule's data; a string held verbatim in the file is null here and located in `slices`. */
  readonly rule: RuleData;
  /**
   * `[offset, length]` in the file's text of the string values of `rule` that the file holds
   * verbatim (a TOML literal string: the note, the query, the description): the text is read
   * anyway for its digest, and the pack's notes alone are a megabyte of JSON to parse.
   */
  readonly slices?: Readonly<Record<string, readonly [number, number]>>;
  /**
   * The parsed query, when JSON carries it exactly (no non-finite number, no -0...): checked at
   * build time, so a rule whose AST does not survive the round trip is parsed at load instead.
   * An event rule's is JSON text, parsed when first read (rememberAstJson): start-up does not
   * build ASTs that the scan, with its stored clauses, reads only when a predicate is compiled.
   * A sequence's or sample's is an object: its plan is built at load, and text would be parsed
   * twice (the artefact's string, then the AST; ~7 ms for the Linux pack's 65).
   */
  readonly ast?: string | Statement;
  /** An event rule's compiled fields and prefilter; absent for a sequence or sample. */
  readonly event?: CompiledParts;
  /** What the writer's `extras` gave for the rule (ruleExtras); absent when none or not JSON-exact. */
  readonly extras?: unknown;
  /** A sequence's or sample's steps (then its `until`), the same for each. */
  readonly steps?: readonly CompiledParts[];
}

interface CompiledParts {
  readonly fields: readonly string[];
  readonly prefilter: readonly PrefilterLiteral[] | null;
  /** A step's text (correlationSteps) and what `extras` gave for it as a rule of that text. */
  readonly query?: string;
  readonly extras?: unknown;
}

const partsOf = (c: CompiledQuery): CompiledParts => ({ fields: c.fields, prefilter: c.prefilter });

interface Artefact {
  readonly format: typeof FORMAT;
  readonly engine: string;
  readonly rules: readonly Entry[];
}

// crypto.hash (Node 20.12+, 21.7+) digests in one call without a Hash object: start-up digests
// every rule file (287 for the Linux pack). Looked up on the namespace: a named import of it
// would fail to link on the Node 20 releases before it.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha256 = (text: string): string =>
  typeof oneShot === "function"
    ? oneShot("sha256", text, "hex")
    : crypto.createHash("sha256").update(text).digest("hex");
const nameIn = (dir: string, file: string): string => relative(dir, file).split(sep).join("/");

/** Long string values found verbatim in `text` are replaced by their place in it. */
function verbatim(data: RuleData, text: string): Pick<Entry, "rule" | "slices"> {
  const slices: Record<string, readonly [number, number]> = {};
  const rule: Record<string, unknown> = { ...data };
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string" || v.length < 64) continue;
    const at = text.indexOf(v);
    if (at < 0) continue;
    slices[k] = [at, v.length];
    rule[k] = null;
  }
  return Object.keys(slices).length === 0 ? { rule: data } : { rule: rule as RuleData, slices };
}

function dataOf(rule: Rule): RuleData {
  const { compiled: _c, sequence: _s, file: _f, ...data } = rule;
  return data;
}

export interface WriteCompiledOptions {
  /**
   * Something derived from each rule that its readers would otherwise derive at start-up (the
   * scan's prefilter clauses: src/scan/prefilter/clauses.ts), kept opaque here because rules do
   * not know the scan. Called with every event rule, and with each step (then the `until`) of a
   * sequence or sample as a rule `{ ...rule, query: step text, compiled: step filter }`, which is
   * how the scan's dispatch sees a step. `ruleExtras` gives the value back at start-up for a rule
   * loaded from the artefact. A value that JSON does not carry exactly is not kept.
   */
  readonly extras?: (rule: Rule) => unknown;
}

/** What `extras` gives for a rule, if JSON gives it back exactly (else undefined: the reader derives it). */
function extrasFor(extras: (rule: Rule) => unknown, rule: Rule): unknown {
  let v: unknown;
  try {
    v = extras(rule);
  } catch {
    return undefined; // the reader meets the same case at start-up, as it did without an artefact
  }
  if (v === undefined) return undefined;
  const text = JSON.stringify(v);
  if (text === undefined) return undefined;
  const back: unknown = JSON.parse(text);
  return isDeepStrictEqual(back, v) ? back : undefined;
}

/** The step rules `extras` is called with (null: the steps are not known without parsing). */
function stepRulesFor(rule: Rule): (readonly [string, Rule])[] | null {
  const steps = correlationSteps(rule);
  if (steps === null) return null;
  const { sequence: _s, ...rest } = rule;
  return steps.map((s) => [s.text, { ...rest, query: s.text, compiled: s.compiled }] as const);
}

/**
 * Writes the artefact for every `.toml` rule of `files` (below `dir`) that loads; the others are
 * left out, so they fail at start-up exactly as they fail now. Returns how many were compiled.
 */
export async function writeCompiledRuleSet(
  dir: string,
  files: readonly string[],
  engine: string,
  options: WriteCompiledOptions = {},
): Promise<{ readonly compiled: number; readonly refused: readonly RuleLoadError[] }> {
  const extrasOf = options.extras;
  const rules: Entry[] = [];
  const refused: RuleLoadError[] = [];
  for (const file of files) {
    if (!file.endsWith(".toml")) continue;
    const text = await readFile(file, "utf8");
    let rule: Rule;
    try {
      rule = parseRule(text, file);
    } catch (e) {
      if (!(e instanceof RuleLoadError)) throw e;
      refused.push(e);
      continue;
    }
    const ast = ruleAst(rule);
    const extras =
      extrasOf === undefined || rule.sequence !== undefined ? undefined : extrasFor(extrasOf, rule);
    const stepRules = extrasOf === undefined || rule.sequence === undefined ? null : stepRulesFor(rule);
    rules.push({
      name: nameIn(dir, file),
      sha256: sha256(text),
      ...verbatim(dataOf(rule), text),
      ...astEntry(ast, rule.sequence === undefined),
      ...(extras === undefined ? {} : { extras }),
      ...(rule.sequence === undefined
        ? { event: partsOf(rule.compiled) }
        : {
            steps: [
              ...rule.sequence.steps,
              ...(rule.sequence.kind === "sequence" && rule.sequence.until !== null
                ? [rule.sequence.until]
                : []),
            ].map((c, i) => {
              const parts = partsOf(c);
              const step = stepRules?.[i];
              // The steps are the filters in the same order (correlationSteps): checked, not assumed.
              if (step === undefined || step[1].compiled !== c || extrasOf === undefined) return parts;
              const x = extrasFor(extrasOf, step[1]);
              return x === undefined ? parts : { ...parts, query: step[0], extras: x };
            }),
          }),
    });
  }
  const artefact: Artefact = { format: FORMAT, engine, rules };
  await writeFile(join(dir, COMPILED_RULES_FILE), JSON.stringify(artefact));
  return { compiled: rules.length, refused };
}

/** The AST as the artefact keeps it (see Entry.ast), when JSON gives the very same AST back. */
function astEntry(ast: Statement, asText: boolean): { ast?: string | Statement } {
  const text = JSON.stringify(ast);
  const back: unknown = JSON.parse(text);
  if (!isDeepStrictEqual(back, ast)) return {};
  return { ast: asText ? text : (back as Statement) };
}

/** The AST kept as JSON text parsed (undefined when it is not the JSON of an object). */
function parsedAst(text: string): Statement | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? (v as unknown as Statement) : undefined;
  } catch {
    return undefined;
  }
}

/** Per compiled query from an artefact: the query text it holds for and the writer's extras. */
const extrasBy = new WeakMap<CompiledQuery, { readonly query: string; readonly extras: unknown }>();

function rememberExtras(compiled: CompiledQuery, query: string, extras: unknown): void {
  extrasBy.set(compiled, { query, extras });
}

/**
 * What the artefact's writer derived for this rule at build time (WriteCompiledOptions.extras),
 * or undefined: the rule was not loaded from an artefact of this engine build and this very file
 * text, or its text is not the one the value was derived for (a copy with another query), or the
 * writer kept nothing. The value is parsed JSON from a file: its reader checks its shape.
 */
export function ruleExtras(rule: Rule): unknown {
  const k = extrasBy.get(rule.compiled);
  return k !== undefined && k.query === rule.query ? k.extras : undefined;
}

/** An event predicate compiled on its first call (the prefilter and fields are known already). */
function lazyCompiled(
  query: string,
  file: string,
  fields: readonly string[],
  prefilter: CompiledQuery["prefilter"],
): CompiledQuery {
  let real: CompiledQuery["matches"] | undefined;
  const stub: { -readonly [K in keyof CompiledQuery]: CompiledQuery[K] } = {
    matches(event: unknown): boolean {
      // The statement is the one ruleAst gives every other reader of this rule (parsed once).
      real ??= compileRuleQuery(query, { file }, statementOf(stub, query, file)).compiled.matches;
      // Later calls through the rule go straight to the compiled predicate; a caller that kept
      // this function finds it compiled in `real`.
      stub.matches = real;
      return real(event);
    },
    fields,
    prefilter,
  };
  return stub;
}

/** A step of a sequence or sample whose filter is compiled on its first call. */
function lazyStep(step: EventQuery, source: string, file: string, parts: CompiledParts): CompiledQuery {
  let real: CompiledQuery["matches"] | undefined;
  const stub: { -readonly [K in keyof CompiledQuery]: CompiledQuery[K] } = {
    matches(event: unknown): boolean {
      real ??= compileAst(step, { file }, source).matches;
      stub.matches = real;
      return real(event);
    },
    fields: parts.fields,
    prefilter: parts.prefilter,
  };
  return stub;
}

/** A rule with its keys in parseRule's order (file, compiled and sequence follow the query). */
function assemble(
  data: RuleData,
  file: string,
  compiled: CompiledQuery,
  sequence: Rule["sequence"] | undefined,
): Rule {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    // JSON.parse makes `__proto__` an own key; assigning it would replace the prototype.
    if (k === "__proto__") continue;
    out[k] = v;
    if (k === "query") {
      out.file = file;
      out.compiled = compiled;
      if (sequence !== undefined) out.sequence = sequence;
    }
  }
  return out as unknown as Rule;
}

/** The entry with its verbatim strings read back from the file's text (undefined if malformed). */
function withSlices(e: Entry, text: string): Entry | undefined {
  if (e.slices === undefined) return e;
  if (!isObject(e.slices)) return undefined;
  const rule: Record<string, unknown> = { ...e.rule };
  for (const [k, v] of Object.entries(e.slices)) {
    if (k === "__proto__" || !Array.isArray(v) || !Object.hasOwn(rule, k)) return undefined;
    const [at, n] = v as unknown[];
    if (typeof at !== "number" || typeof n !== "number" || at < 0 || at + n > text.length) return undefined;
    rule[k] = text.slice(at, at + n);
  }
  return { ...e, rule: rule as RuleData };
}

/** The precompiled rules of one directory, checked file by file against their text. */
export interface CompiledRuleSet {
  /** The rule of `file` (whose text is `text`) when the artefact holds it for exactly this text. */
  rule(file: string, text: string): Rule | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The artefact of `dir`, or undefined when there is none, it is not `engine`'s, the options
 * differ from the build's (defaults), or it cannot be read: then every file is loaded in full.
 */
export async function readCompiledRuleSet(
  dir: string,
  options: LoadOptions & { readonly engine: string | undefined },
): Promise<CompiledRuleSet | undefined> {
  const engine = options.engine;
  if (engine === undefined || options.ignoreAbove !== undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, COMPILED_RULES_FILE), "utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.format !== FORMAT || parsed.engine !== engine) return undefined;
  if (!Array.isArray(parsed.rules)) return undefined;
  const byName = new Map<string, Entry>();
  for (const e of parsed.rules as unknown[]) {
    if (isObject(e) && typeof e.name === "string" && typeof e.sha256 === "string" && isObject(e.rule)) {
      byName.set(e.name, e as unknown as Entry);
    }
  }
  return {
    rule(file, text) {
      const found = byName.get(nameIn(dir, file));
      if (found === undefined || found.sha256 !== sha256(text)) return undefined;
      const e = withSlices(found, text);
      if (e === undefined) return undefined;
      const { query } = e.rule;
      const astJson = typeof e.ast === "string" ? e.ast : undefined;
      const astObject = isObject(e.ast) ? (e.ast as unknown as Statement) : undefined;
      if (e.event === undefined) {
        // A sequence or sample: its plan is built now (the scan's dispatch reads it at once), its
        // steps are compiled on first use like an event rule's predicate.
        const statement =
          astObject ??
          (astJson === undefined ? undefined : parsedAst(astJson)) ??
          parseStatement(query, { file });
        const parts = Array.isArray(e.steps) ? e.steps : [];
        let next = 0;
        const compileStep = (step: EventQuery): CompiledQuery => {
          const p: unknown = parts[next++];
          const ok =
            isObject(p) && Array.isArray(p.fields) && (p.prefilter === null || Array.isArray(p.prefilter));
          if (!ok) return compileAst(step, { file }, query);
          const compiled = lazyStep(step, query, file, p as unknown as CompiledParts);
          if (typeof p.query === "string" && p.extras !== undefined)
            rememberExtras(compiled, p.query, p.extras);
          return compiled;
        };
        const { compiled, sequence } = compileRuleQuery(query, { file }, statement, compileStep);
        // The steps recorded must be the steps compiled (same count), else compile them all now.
        if (next !== parts.length) {
          const again = compileRuleQuery(query, { file }, statement);
          return assemble(e.rule, file, again.compiled, again.sequence);
        }
        return assemble(e.rule, file, compiled, sequence);
      }
      const compiled = lazyCompiled(query, file, e.event.fields, e.event.prefilter);
      if (e.extras !== undefined) rememberExtras(compiled, query, e.extras);
      // ruleAst (the scan's prefilter and dispatch) and the first-use compile read this one.
      if (astObject !== undefined) rememberAst(compiled, query, astObject);
      else if (astJson !== undefined) rememberAstJson(compiled, query, astJson, file);
      return assemble(e.rule, file, compiled, undefined);
    },
  };
}
