/** The detection-rule model: what the loader produces and every other part consumes. */

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

/**
 * A literal that must occur in the raw text of any record the rule can match
 * (see src/eql/literals.ts). `caseInsensitive` means ASCII case folding.
 */
export interface PrefilterLiteral {
  readonly text: string;
  readonly caseInsensitive: boolean;
}

/** A compiled EQL query: a pure predicate over one (ECS-view) event. */
export interface CompiledQuery {
  /** True when the event matches (Elasticsearch semantics, ../shared/spec/eql-semantics.md). */
  matches(event: unknown): boolean;
  /** Every field path the query reads, in order of first appearance. */
  readonly fields: readonly string[];
  /**
   * At least one of these must occur in the raw JSON text of a record the query can match;
   * `null` when no such set can be derived (every record must then be parsed).
   */
  readonly prefilter: readonly PrefilterLiteral[] | null;
}

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
