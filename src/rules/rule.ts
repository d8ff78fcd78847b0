/** The detection-rule model: what the loader produces and every other part consumes. */
import type { CompiledQuery } from "../eql/index.ts";

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
}
