/**
 * A rule set: every rule file below the given paths (detection-rules TOML, Kibana rule exports as
 * NDJSON), the exception lists they use, a selection (`--rule-filter`), and an account of each
 * rule that was refused, disabled or filtered out. Nothing is dropped silently: a strict load
 * (the default) fails on the first set of problems; a lenient one (`skipUnsupported`) returns
 * them for the caller to print.
 */
import { readFileSync } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { indexPatternMatches } from "../document/index.ts";
import { compileWildcard } from "../eql/index.ts";
import { type CompiledRuleSet, engineId, readCompiledRuleSet } from "./compiled-set.ts";
import { ExceptionCatalog, type ExportedRule, looksLikeKibanaExport, parseKibanaExport } from "./kibana.ts";
import { type LoadOptions, parseRule, RuleLoadError } from "./load.ts";
import type { Rule, Severity } from "./rule.ts";

/** File names read as rules when a directory is given. */
const RULE_FILE = /\.(toml|ndjson)$/;

export async function listRuleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visited = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    // Symbolic links are followed; a directory reached twice (a link loop) is read once.
    const real = await realpath(d);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(p).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) await walk(p);
      else if (isFile && RULE_FILE.test(e.name)) out.push(p);
    }
  };
  await walk(dir);
  // Sorted by path relative to the root so the order (and alert order) is stable across machines.
  // Each relative path is computed once: in the comparator it was ~4,700 path.relative calls for
  // the Linux pack's 287 files, most of the listing's ~10 ms at start-up.
  const keyed = out.map((p) => [relative(dir, p), p] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map((k) => k[1]);
}

// ---- selection ----

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface RuleFilter {
  /** As written, for messages. */
  readonly text: string;
  test(rule: Rule): boolean;
}

/**
 * `tag:<tag>` (exact, ASCII case-insensitive, e.g. `tag:OS: Linux`), `severity>=<level>` or
 * `severity:<level>`, `id:<rule_id>`, `name:<wildcard>`, `index:<index name>` (rules whose
 * index patterns cover that index).
 */
export function parseRuleFilter(text: string): RuleFilter {
  const fail = (): never => {
    throw new RangeError(
      `invalid --rule-filter ${JSON.stringify(text)}: expected tag:<tag>, severity>=<low|medium|high|critical>, severity:<level>, id:<rule id>, name:<wildcard> or index:<index name>`,
    );
  };
  const sev = /^severity\s*(>=|:)\s*(\w+)$/i.exec(text);
  if (sev !== null) {
    const level = sev[2]!.toLowerCase() as Severity;
    if (!(level in SEVERITY_RANK)) fail();
    const min = SEVERITY_RANK[level];
    return sev[1] === ">="
      ? { text, test: (r) => SEVERITY_RANK[r.severity] >= min }
      : { text, test: (r) => r.severity === level };
  }
  const colon = text.indexOf(":");
  if (colon < 0) fail();
  const key = text.slice(0, colon).trim().toLowerCase();
  const value = text.slice(colon + 1).trim();
  if (value === "") fail();
  switch (key) {
    case "tag": {
      const want = value.toLowerCase();
      return { text, test: (r) => r.tags.some((t) => t.toLowerCase() === want) };
    }
    case "id":
      return { text, test: (r) => r.id === value };
    case "name": {
      const m = compileWildcard(value, true);
      return { text, test: (r) => m(r.name) };
    }
    case "index":
      return { text, test: (r) => indexPatternMatches(r.indices, value) };
    default:
      return fail();
  }
}

// ---- loading ----

export interface RuleSetOptions extends LoadOptions {
  /** Exception-list exports (NDJSON) whose lists the rules may reference. */
  readonly exceptions?: readonly string[];
  /** Load only rules that pass every filter. */
  readonly filters?: readonly RuleFilter[];
  /** Go on when some rules cannot be loaded; they are listed in `refused`. */
  readonly skipUnsupported?: boolean;
  /**
   * The engine id a directory's build-time artefact must carry to be used (compiled-set.ts).
   * Default: the id the build gave this bundle; running from source there is none, so artefacts
   * are ignored. Tests name one to exercise the artefact path.
   */
  readonly compiledEngine?: string;
}

export interface RefusedRule {
  readonly file: string;
  /** The whole error message (file:line:col, source line, caret). */
  readonly message: string;
  /** The reason without its position, for totals ("function calls are not supported ..."). */
  readonly reason: string;
}

export interface RuleSet {
  /** Enabled, selected rules: the ones to run. */
  readonly rules: readonly Rule[];
  /** Loaded but not run (`enabled: false` in a Kibana export). */
  readonly disabled: readonly Rule[];
  /** Loaded but not selected by the filters. */
  readonly filteredOut: readonly Rule[];
  readonly refused: readonly RefusedRule[];
  /** Every file read, in order. */
  readonly files: readonly string[];
  /**
   * How many rule files were taken from their directory's build-time artefact (their text
   * matched its digest; see compiled-set.ts) instead of being parsed and compiled at load.
   */
  readonly precompiled?: number;
}

/** The reason of a load error without its `file:line:col:` prefix and source excerpt. */
export function refusalReason(message: string, file: string): string {
  let first = message.split("\n")[0] ?? message;
  if (first.startsWith(file)) first = first.slice(file.length);
  return first.replace(/^(?:\[line \d+\]|:\d+)*(?: query)?(?::\d+:\d+)?:\s*/, "").trim();
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new RuleLoadError(file, `${file}: cannot read rule file: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Every file's text (or its read error), in order. Read synchronously: at start-up nothing else
 * waits for the event loop, and the pack's 287 small files take ~12 ms this way against 50-170 ms
 * (35-55 ms of CPU) as 32 concurrent promise reads, each a thread-pool round trip per open, stat,
 * read and close (sequential awaits were slower still).
 */
function readAll(files: readonly string[]): (string | RuleLoadError)[] {
  return files.map((file) => {
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      return new RuleLoadError(file, `${file}: cannot read rule file: ${(e as Error).message}`, { cause: e });
    }
  });
}

async function expand(path: string): Promise<{ files: string[]; dir?: string }> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (e) {
    throw new RuleLoadError(path, `${path}: cannot read rules: ${(e as Error).message}`, { cause: e });
  }
  if (!info.isDirectory()) return { files: [path] };
  const files = await listRuleFiles(path);
  if (files.length === 0) {
    throw new RuleLoadError(
      path,
      `${path}: no rule files (*.toml, *.ndjson Kibana exports) found in this directory`,
    );
  }
  return { files, dir: path };
}

/** Loads, validates, links and selects every rule below `paths` (see the module comment). */
export async function loadRuleSet(
  paths: string | readonly string[],
  options: RuleSetOptions = {},
): Promise<RuleSet> {
  if (options.ignoreAbove !== undefined) {
    const v = options.ignoreAbove;
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`ignoreAbove must be a non-negative integer (UTF-16 units), got ${String(v)}`);
    }
  }
  const files: string[] = [];
  // Per file, the build-time artefact of its directory, if that directory has one for this engine.
  const precompiledBy: (CompiledRuleSet | undefined)[] = [];
  for (const p of typeof paths === "string" ? [paths] : paths) {
    const { files: found, dir } = await expand(p);
    const set =
      dir === undefined
        ? undefined
        : await readCompiledRuleSet(dir, { ...options, engine: options.compiledEngine ?? engineId() });
    for (const f of found) {
      files.push(f);
      precompiledBy.push(set);
    }
  }
  let precompiled = 0;
  const problems: RuleLoadError[] = [];
  const catalog = new ExceptionCatalog();
  const exported: ExportedRule[] = [];
  const toml: Rule[] = [];
  // Read every file before parsing any (see readAll). Order is kept.
  const texts = readAll(files);
  for (const [i, file] of files.entries()) {
    try {
      const text = texts[i]!;
      if (text instanceof RuleLoadError) throw text;
      if (file.endsWith(".ndjson") || (!file.endsWith(".toml") && looksLikeKibanaExport(text))) {
        const x = parseKibanaExport(text, file, options);
        for (const l of x.lists) catalog.addList(l);
        for (const i of x.items) catalog.addItem(i);
        exported.push(...x.rules);
        problems.push(...x.problems);
      } else {
        const built = precompiledBy[i]?.rule(file, text);
        if (built !== undefined) precompiled++;
        toml.push(built ?? parseRule(text, file, options));
      }
    } catch (e) {
      if (!(e instanceof RuleLoadError)) throw e;
      problems.push(e);
    }
  }
  for (const file of options.exceptions ?? []) {
    const text = await readText(file);
    const x = parseKibanaExport(text, file, options);
    for (const l of x.lists) catalog.addList(l);
    for (const i of x.items) catalog.addItem(i);
    problems.push(...x.problems);
    if (x.rules.length > 0) {
      problems.push(
        new RuleLoadError(
          file,
          `${file}: an --exceptions file holds rules (${x.rules.length}); pass rule exports with --rules`,
        ),
      );
    }
  }
  const all: Rule[] = [...toml];
  for (const e of exported) {
    try {
      all.push(catalog.link(e));
    } catch (err) {
      if (!(err instanceof RuleLoadError)) throw err;
      problems.push(err);
    }
  }
  const seen = new Map<string, string>();
  const unique: Rule[] = [];
  for (const r of all) {
    const other = seen.get(r.id);
    if (other !== undefined) {
      problems.push(
        new RuleLoadError(r.file, `${r.file}: duplicate rule_id ${JSON.stringify(r.id)} (also in ${other})`),
      );
      continue;
    }
    seen.set(r.id, r.file);
    unique.push(r);
  }
  if (problems.length > 0 && options.skipUnsupported !== true) {
    if (problems.length === 1) throw problems[0]!;
    const first = problems[0]!;
    throw new RuleLoadError(
      first.file,
      `${problems.length} rule files failed to load:\n\n${problems.map((p) => p.message).join("\n\n")}`,
      { cause: first, problems },
    );
  }
  const filters = options.filters ?? [];
  const selected = unique.filter((r) => filters.every((f) => f.test(r)));
  return {
    rules: selected.filter((r) => r.enabled !== false),
    disabled: selected.filter((r) => r.enabled === false),
    filteredOut: unique.filter((r) => !selected.includes(r)),
    refused: problems.map((p) => ({
      file: p.file,
      message: p.message,
      reason: refusalReason(p.message, p.file),
    })),
    files,
    precompiled,
  };
}

/**
 * Loads a detection-rules TOML file, a Kibana export, or every rule file below a directory
 * (recursively, sorted). Throws RuleLoadError naming the file at fault (all failing files are in
 * `problems`); rule ids must be unique across the set. Disabled rules are not returned.
 */
export async function loadRules(path: string, options: LoadOptions = {}): Promise<Rule[]> {
  return [...(await loadRuleSet(path, options)).rules];
}

/**
 * What a rule's tuning contributes to a scan's outcome, as stable JSON: enabled, exceptions (every
 * item's entries, OS types and expiry), suppression and per-event overrides. Part of the Lambda's
 * idempotency fingerprint, so a change of tuning rescans what it should.
 */
export function ruleTuning(rule: Rule): string {
  const untuned =
    rule.enabled !== false &&
    (rule.exceptions?.items.length ?? 0) === 0 &&
    rule.suppression === undefined &&
    rule.severityMapping === undefined &&
    rule.riskScoreMapping === undefined &&
    rule.ruleNameOverride === undefined;
  // Untuned rules contribute nothing, so their fingerprint is what it was before tuning existed.
  if (untuned) return "";
  return JSON.stringify([
    rule.enabled !== false,
    (rule.exceptions?.items ?? []).map((x) => [
      x.item.listId,
      x.item.itemId,
      x.item.entries,
      x.item.osTypes,
      x.item.expireTime ?? null,
    ]),
    rule.suppression ?? null,
    rule.severityMapping ?? null,
    rule.riskScoreMapping ?? null,
    rule.ruleNameOverride ?? null,
  ]);
}
