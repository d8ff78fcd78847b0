/**
 * Loads detection rules written in Elastic's detection-rules TOML format (one rule per file,
 * `[metadata]` + `[rule]` + `[[rule.threat]]`), validates them and compiles their EQL query.
 * Every problem names the file (and, for query errors, the line:column in that file).
 */
import { parse as parseToml, TomlError } from "smol-toml";
import {
  compileStatement,
  EqlError,
  EqlUnsupportedError,
  type Pipe,
  parseStatement,
  type SourceOrigin,
} from "../eql/index.ts";
import { rememberAst } from "./ast.ts";
import { type CompiledRuleQuery, compileRuleQuery } from "./correlation.ts";
import type { Rule, Severity, Threat, ThreatTechnique } from "./rule.ts";

export interface LoadOptions {
  /** Emulate Elasticsearch's keyword ignore_above for every rule (see CompileOptions.ignoreAbove). */
  readonly ignoreAbove?: number;
}

/** A rule file could not be read, parsed, validated or compiled. The message starts with the file. */
export class RuleLoadError extends Error {
  override readonly name = "RuleLoadError";
  readonly file: string;
  /** Every problem found when several files failed (this error describes the first). */
  readonly problems: readonly RuleLoadError[];

  constructor(
    file: string,
    message: string,
    options?: { cause?: unknown; problems?: readonly RuleLoadError[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.problems = options?.problems ?? [this];
  }
}

const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);
const own = (t: Table, k: string): unknown => (Object.hasOwn(t, k) ? t[k] : undefined);

/** Validation helpers that name the file and the key at fault (shared with the Kibana export reader). */
export class Check {
  constructor(readonly file: string) {}

  fail(msg: string): never {
    throw new RuleLoadError(this.file, `${this.file}: ${msg}`);
  }

  string(t: Table, key: string, where: string, required: true): string;
  string(t: Table, key: string, where: string, required: false): string | undefined;
  string(t: Table, key: string, where: string, required: boolean): string | undefined {
    const v = own(t, key);
    if (v === undefined) {
      if (required) this.fail(`missing required key \`${where}.${key}\``);
      return undefined;
    }
    if (typeof v !== "string") this.fail(`\`${where}.${key}\` must be a string, got ${describeValue(v)}`);
    if (required && v.trim() === "") this.fail(`\`${where}.${key}\` must not be empty`);
    return v;
  }

  strings(t: Table, key: string, where: string): string[] {
    const v = own(t, key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      this.fail(`\`${where}.${key}\` must be an array of strings, got ${describeValue(v)}`);
    }
    return v as string[];
  }

  table(t: Table, key: string, where: string, required: boolean): Table | undefined {
    const v = own(t, key);
    if (v === undefined) {
      if (required)
        this.fail(`missing required ${where === "" ? `table [${key}]` : `key \`${where}.${key}\``}`);
      return undefined;
    }
    if (!isTable(v))
      this.fail(`\`${where === "" ? key : `${where}.${key}`}\` must be a table, got ${describeValue(v)}`);
    return v;
  }

  tables(t: Table, key: string, where: string): Table[] {
    const v = own(t, key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every(isTable)) {
      this.fail(
        `\`${where}.${key}\` must be an array of tables ([[${where}.${key}]]), got ${describeValue(v)}`,
      );
    }
    return v as Table[];
  }
}

export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "a table";
  const s = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

/** `threat` entries (MITRE ATT&CK) of a rule table or a Kibana rule object, validated. */
export function parseThreat(c: Check, rule: Table): Threat[] {
  return c.tables(rule, "threat", "rule").map((t, i) => {
    const where = `rule.threat[${i}]`;
    const tactic = c.table(t, "tactic", where, true)!;
    const techniques: ThreatTechnique[] = c.tables(t, "technique", where).map((tech, j) => {
      const tw = `${where}.technique[${j}]`;
      const subs = c.tables(tech, "subtechnique", tw).map((s, k) => {
        const sw = `${tw}.subtechnique[${k}]`;
        const reference = c.string(s, "reference", sw, false);
        return {
          id: c.string(s, "id", sw, true),
          name: c.string(s, "name", sw, true),
          ...(reference === undefined ? {} : { reference }),
        };
      });
      const reference = c.string(tech, "reference", tw, false);
      return {
        id: c.string(tech, "id", tw, true),
        name: c.string(tech, "name", tw, true),
        ...(reference === undefined ? {} : { reference }),
        ...(subs.length > 0 ? { subtechnique: subs } : {}),
      };
    });
    const tacticRef = c.string(tactic, "reference", `${where}.tactic`, false);
    return {
      framework: c.string(t, "framework", where, true),
      tactic: {
        id: c.string(tactic, "id", `${where}.tactic`, true),
        name: c.string(tactic, "name", `${where}.tactic`, true),
        ...(tacticRef === undefined ? {} : { reference: tacticRef }),
      },
      ...(techniques.length > 0 ? { technique: techniques } : {}),
    };
  });
}

/**
 * Where the `query` string's first character sits in the TOML text, so EQL errors point at the
 * file's line. Exact for literal strings (`'''...'''`, `'...'`); for basic strings with escapes
 * the line is still right for the first line and approximate after an escape.
 */
export function queryOrigin(text: string, query?: string): SourceOrigin | undefined {
  const ruleHeader = /^[ \t]*\[rule\][ \t]*(?:#.*)?$/m.exec(text);
  const from = ruleHeader === null ? 0 : ruleHeader.index;
  const re = /^[ \t]*query[ \t]*=[ \t]*('''|"""|'|")/gm;
  re.lastIndex = from;
  const m = re.exec(text);
  if (m === null) return undefined;
  let start = m.index + m[0].length;
  const delim = m[1]!;
  if (delim.length === 3) {
    // TOML trims a newline that immediately follows the opening delimiter of a multi-line string.
    if (text.startsWith("\r\n", start)) start += 2;
    else if (text.startsWith("\n", start)) start += 1;
  }
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < start; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = start - lineStart + 1;
  // Quote the file's own lines only when the query sits in it verbatim (no escapes to undo).
  return query !== undefined && text.startsWith(query, start)
    ? { line, column, fileText: text }
    : { line, column };
}

/** A rule file's query parsed once, its pipes refused, compiled (throws EqlError). */
function compileTomlQuery(
  query: string,
  file: string,
  options: LoadOptions,
  origin: SourceOrigin | undefined,
): CompiledRuleQuery {
  const opts = {
    file,
    ...(origin === undefined ? {} : { origin }),
    ...(options.ignoreAbove === undefined ? {} : { ignoreAbove: options.ignoreAbove }),
  };
  const stmt = parseStatement(query, opts);
  // Kibana refuses pipes in a detection rule's EQL query; so do we, before anything else.
  const pipe = stmt.pipes[0];
  if (pipe !== undefined) {
    throw new EqlUnsupportedError(
      `pipes (\`| ${pipe.name}\`) are not allowed in a rule's query (Kibana refuses them too): run the query ad hoc with \`edr-scan --query\``,
      { file, source: query, offset: pipe.span.start, ...(origin === undefined ? {} : { origin }) },
      "pipe",
    );
  }
  return compileRuleQuery(query, opts, stmt);
}

/** Parses, validates and compiles one rule from its TOML text (pure: no file system access). */
export function parseRule(text: string, file: string, options: LoadOptions = {}): Rule {
  const c: Check = new Check(file);
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0] ?? e.message;
      throw new RuleLoadError(file, `${file}:${e.line}:${e.column}: invalid TOML: ${first}\n${e.codeblock}`, {
        cause: e,
      });
    }
    throw new RuleLoadError(file, `${file}: invalid TOML: ${(e as Error).message}`, { cause: e });
  }
  const metadata = c.table(doc, "metadata", "", false);
  if (metadata !== undefined) {
    c.string(metadata, "maturity", "metadata", false);
  }
  const rule = c.table(doc, "rule", "", true)!;
  const type = c.string(rule, "type", "rule", true);
  if (type !== "eql") {
    c.fail(`rule type ${JSON.stringify(type)} is not supported: only EQL rules (type = "eql") can be loaded`);
  }
  const language = c.string(rule, "language", "rule", true);
  if (language !== "eql") {
    c.fail(`rule language ${JSON.stringify(language)} is not supported: only language = "eql"`);
  }
  const id = c.string(rule, "rule_id", "rule", true);
  const name = c.string(rule, "name", "rule", true);
  const description = c.string(rule, "description", "rule", true);
  const severity = c.string(rule, "severity", "rule", true);
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    c.fail(`\`rule.severity\` must be one of ${SEVERITIES.join(", ")}, got ${JSON.stringify(severity)}`);
  }
  const risk = own(rule, "risk_score");
  if (risk === undefined) c.fail("missing required key `rule.risk_score`");
  const riskScore = typeof risk === "bigint" ? Number(risk) : risk;
  if (typeof riskScore !== "number" || !Number.isInteger(riskScore) || riskScore < 0 || riskScore > 100) {
    c.fail(`\`rule.risk_score\` must be an integer from 0 to 100, got ${describeValue(risk)}`);
  }
  const query = c.string(rule, "query", "rule", true);
  const note = c.string(rule, "note", "rule", false);
  const threat = parseThreat(c, rule);
  const tags = c.strings(rule, "tags", "rule");
  const indices = c.strings(rule, "index", "rule");
  const references = c.strings(rule, "references", "rule");
  const falsePositives = c.strings(rule, "false_positives", "rule");
  // Kibana's look-back: the window of a sequence rule without maxspan across objects (docs/sequences.md).
  const from = c.string(rule, "from", "rule", false);

  let compiled: Rule["compiled"];
  let sequence: Rule["sequence"];
  try {
    // Without the query's place in the file first: finding it costs a scan of the whole file
    // (~40 us per rule, 12 ms for the Linux pack), and only an error message needs it.
    ({ compiled, sequence } = compileTomlQuery(query, file, options, undefined));
  } catch (e) {
    if (!(e instanceof EqlError)) throw e;
    // The same query again, placed in its file, so the message names the file's line:col. The
    // compile is deterministic: it fails the same way, now with file coordinates.
    try {
      compileTomlQuery(query, file, options, queryOrigin(text, query));
    } catch (placed) {
      if (placed instanceof EqlError) throw new RuleLoadError(file, placed.message, { cause: placed });
      throw placed;
    }
    throw new RuleLoadError(file, e.message, { cause: e });
  }
  return {
    id,
    name,
    description,
    severity: severity as Severity,
    riskScore,
    threat,
    tags,
    indices,
    references,
    falsePositives,
    ...(note === undefined ? {} : { note }),
    query,
    file,
    compiled,
    ...(sequence === undefined ? {} : { sequence }),
    ...(from === undefined ? {} : { from }),
  };
}

/** Applies a query's pipes to a list of results in @timestamp order (re-exported for the CLI). */
export { applyPipes } from "../eql/index.ts";

/** The id and file name an ad-hoc query's rule carries (alerts name it). */
export const QUERY_RULE_ID = "ad-hoc-query";

/**
 * One EQL query given on the command line (`edr-scan --query '...'`) as a rule the scanner runs,
 * plus its pipes (`| head N`, `| tail N`), which the caller applies to the run's results in
 * @timestamp order (applyPipes in src/eql). A sequence or a sample becomes a rule with
 * `sequence` set, which the scan's sequence stage runs across every input. Throws RuleLoadError whose message is `--query:1:col: ...`
 * with the query and a caret.
 */
export function queryRule(query: string, options: LoadOptions = {}): { rule: Rule; pipes: readonly Pipe[] } {
  const file = "--query";
  let compiled: Rule["compiled"];
  let sequence: Rule["sequence"];
  let pipes: readonly Pipe[];
  try {
    const r = compileStatement(query, {
      file,
      ...(options.ignoreAbove === undefined ? {} : { ignoreAbove: options.ignoreAbove }),
    });
    if (r.event === null) {
      // A sequence or sample: run across every input of the scan by the sequence stage.
      ({ compiled, sequence } = compileRuleQuery(
        query,
        { file, ...(options.ignoreAbove === undefined ? {} : { ignoreAbove: options.ignoreAbove }) },
        r.statement,
      ));
    } else {
      compiled = r.event;
      rememberAst(compiled, query, r.statement);
    }
    pipes = r.statement.pipes;
  } catch (e) {
    if (e instanceof EqlError) throw new RuleLoadError(file, e.message, { cause: e });
    throw e;
  }
  const rule: Rule = {
    id: QUERY_RULE_ID,
    name: "Ad-hoc query",
    description: query,
    severity: "low",
    riskScore: 0,
    threat: [],
    tags: [],
    indices: [],
    references: [],
    falsePositives: [],
    query,
    file,
    compiled,
    ...(sequence === undefined ? {} : { sequence }),
  };
  return { rule, pipes };
}
