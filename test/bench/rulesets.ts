/**
 * The rules dimension of the bench (issue 15): the shipped rule alone, a directory of rule files
 * (Elastic's Linux pack when present; only the rules that load), and N synthetic rules. Each set
 * is loaded the same way in every measurement process, outside the clock.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { builtinRulesDir, parseRule, type Rule } from "../../src/rules/index.ts";

export type RuleSetSpec =
  | { readonly kind: "builtin" }
  | { readonly kind: "dir"; readonly dir: string }
  | { readonly kind: "synthetic"; readonly count: number };

export interface LoadedRuleSet {
  readonly rules: Rule[];
  /** Files that did not load (a construct the engine refuses, ...). */
  readonly refused: number;
  /**
   * Sequence and sample rules left out: their alerts come from a stateful stage, while the naive
   * reference scanner (measure.ts) can only evaluate one event at a time.
   */
  readonly sequences: number;
}

/** A sequence or sample rule (the model's `sequence` field, or the query's first keyword). */
export function isSequenceRule(rule: Rule): boolean {
  return (
    (rule as { sequence?: unknown }).sequence !== undefined || /^\s*(sequence|sample)\b/i.test(rule.query)
  );
}

function tomlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return tomlFiles(p);
      return name.endsWith(".toml") ? [p] : [];
    });
}

function builtinText(): { file: string; text: string } {
  const dir = builtinRulesDir();
  const name = readdirSync(dir).find((f) => f.endsWith(".toml"));
  if (name === undefined) throw new Error(`no rule file in ${dir}`);
  const file = join(dir, name);
  return { file, text: readFileSync(file, "utf8") };
}

/**
 * Synthetic rule i: one of four families over process, file, network and DNS events, each with
 * literals of its own, so the prefilter has `count` different rules to look for. None matches the
 * generated data; the set also holds the shipped rule, so the planted records still alert and
 * the scanners' alerts can be compared.
 */
export function syntheticQuery(i: number): string {
  switch (i % 4) {
    case 0:
      return `process where host.os.type == "linux" and event.type == "start" and process.name == "bench-tool-${i}"`;
    case 1:
      return `file where host.os.type == "linux" and event.type == "creation" and file.path like~ "/opt/bench-app-${i}/*"`;
    case 2:
      return `network where host.os.type == "linux" and process.name in ("bench-agent-${i}", "bench-beacon-${i}")`;
    default:
      return `network where dns.question.name : "*.bench-zone-${i}.example" and event.action == "lookup_requested"`;
  }
}

function synthetic(count: number): Rule[] {
  const { file, text } = builtinText();
  const shipped = parseRule(text, file);
  const rules: Rule[] = [shipped];
  for (let i = 1; i < count; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const toml = text
      .replace(/^rule_id = ".*"$/m, `rule_id = "${id}"`)
      .replace(/^name = ".*"$/m, `name = "Bench synthetic rule ${i}"`)
      .replace(/^index = \[.*\]$/m, 'index = ["logs-endpoint.events.*"]')
      .replace(/^query = '''[\s\S]*?^'''$/m, `query = '''\n${syntheticQuery(i)}\n'''`);
    rules.push(parseRule(toml, `synthetic-${i}.toml`));
  }
  return rules;
}

export function loadBenchRules(spec: RuleSetSpec): LoadedRuleSet {
  switch (spec.kind) {
    case "builtin": {
      const { file, text } = builtinText();
      return { rules: [parseRule(text, file)], refused: 0, sequences: 0 };
    }
    case "synthetic":
      return { rules: synthetic(spec.count), refused: 0, sequences: 0 };
    case "dir": {
      const rules: Rule[] = [];
      let refused = 0;
      let sequences = 0;
      for (const f of tomlFiles(spec.dir)) {
        let rule: Rule;
        try {
          rule = parseRule(readFileSync(f, "utf8"), f);
        } catch {
          refused++;
          continue;
        }
        if (isSequenceRule(rule)) sequences++;
        else rules.push(rule);
      }
      return { rules, refused, sequences };
    }
  }
}

export function describeRuleSet(spec: RuleSetSpec): string {
  switch (spec.kind) {
    case "builtin":
      return "1 rule";
    case "synthetic":
      return `${spec.count} synthetic`;
    case "dir":
      return "pack";
  }
}
