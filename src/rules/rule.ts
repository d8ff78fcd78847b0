/** The detection-rule model: what the loader produces and every other part consumes. */
import type { CompiledQuery } from "../eql/index.ts";
import type { CompiledCorrelation } from "./correlation.ts";
import type { RuleExceptions } from "./exceptions.ts";

export type { CompiledQuery, PrefilterLiteral } from "../eql/index.ts";

export interface ThreatTechnique {
  readonly id: string;
  readonly name: string;
  readonly reference?: string;
  readonly subtechnique?: readonly {
    readonly id: string;
    readonly name: string;
    readonly reference?: string;
  }[];
}

/** One `[[rule.threat]]` entry (MITRE ATT&CK), in Elastic's detection-rules shape. */
export interface Threat {
  readonly framework: string;
  readonly tactic: { readonly id: string; readonly name: string; readonly reference?: string };
  readonly technique?: readonly ThreatTechnique[];
}

export type Severity = "low" | "medium" | "high" | "critical";

export interface Rule {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  readonly riskScore: number;
  readonly threat: readonly Threat[];
  readonly tags: readonly string[];
  readonly indices: readonly string[];
  readonly references: readonly string[];
  readonly falsePositives: readonly string[];
  /** Markdown triage guide from the rule file (`note`), when present. */
  readonly note?: string;
  readonly query: string;
  /** Where the rule was loaded from (for error messages). */
  readonly file: string;
  readonly compiled: CompiledQuery;
  /**
   * A sequence or sample rule's matcher plan; `compiled` then matches any step (or `until`) and
   * the scan feeds such events to the sequence stage instead of alerting on them one by one.
   */
  readonly sequence?: CompiledCorrelation;
  /** Where the rule came from: a detection-rules TOML file or a Kibana rule export. */
  readonly format?: "toml" | "kibana-export";
  /** false: loaded but not run (Kibana's `enabled`); absent means enabled. */
  readonly enabled?: boolean;
  /** A building-block rule (Kibana `building_block_type`): its alerts feed other rules and are hidden by default in Kibana. */
  readonly buildingBlock?: boolean;
  /** Kibana's look-back (`from`, e.g. "now-9m"), kept as written. */
  readonly from?: string;
  /** Kibana's `max_signals`: the most alerts one execution creates. */
  readonly maxSignals?: number;
  /** The exception items applied to the rule's events (Kibana `exceptions_list`). */
  readonly exceptions?: RuleExceptions;
  /** Kibana alert suppression (`alert_suppression`). */
  readonly suppression?: AlertSuppression;
  /** Per-event severity overrides (Kibana `severity_mapping`). */
  readonly severityMapping?: readonly SeverityMappingItem[];
  /** Per-event risk score override (Kibana `risk_score_mapping`: the field's numeric value). */
  readonly riskScoreMapping?: readonly { readonly field: string }[];
  /** A field whose value replaces the rule's name in each alert (Kibana `rule_name_override`). */
  readonly ruleNameOverride?: string;
}

export interface SeverityMappingItem {
  readonly field: string;
  readonly value: string;
  readonly severity: Severity;
}

/** Kibana's alert suppression settings for a rule. */
export interface AlertSuppression {
  /** Fields whose values form the group key (Kibana allows 1 to 3). */
  readonly groupBy: readonly string[];
  /** The window in milliseconds; absent: suppress within one rule execution (one scan run / object). */
  readonly durationMs?: number;
  /** "suppress": events missing a group_by field form one group; "doNotSuppress": each alerts on its own. */
  readonly missingFields: "suppress" | "doNotSuppress";
}
