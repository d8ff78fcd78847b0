/**
 * Per-event overrides Kibana applies when it builds an alert: `severity_mapping` (the highest
 * severity among the mappings whose field holds the mapped value), `risk_score_mapping` (the
 * field's value when it is a number from 0 to 100), `rule_name_override` (the field's value as
 * the rule's name). An event without the field keeps the rule's own value.
 */
import { fieldValues } from "../document/index.ts";
import type { Rule, Severity } from "./rule.ts";

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface EffectiveRule {
  readonly name: string;
  readonly severity: Severity;
  readonly riskScore: number;
}

export function effectiveRule(rule: Rule, event: unknown): EffectiveRule {
  let severity = rule.severity;
  let matched: Severity | undefined;
  for (const m of rule.severityMapping ?? []) {
    if (
      fieldValues(event, m.field).includes(m.value) &&
      (matched === undefined || RANK[m.severity] > RANK[matched])
    ) {
      matched = m.severity;
    }
  }
  if (matched !== undefined) severity = matched;
  let riskScore = rule.riskScore;
  const riskField = rule.riskScoreMapping?.[0]?.field;
  if (riskField !== undefined) {
    const v = fieldValues(event, riskField)[0];
    const n = v === undefined || v.trim() === "" ? Number.NaN : Number(v);
    if (Number.isFinite(n) && n >= 0 && n <= 100) riskScore = n;
  }
  let name = rule.name;
  if (rule.ruleNameOverride !== undefined) {
    const v = fieldValues(event, rule.ruleNameOverride)[0];
    if (v !== undefined && v !== "") name = v;
  }
  return { name, severity, riskScore };
}
