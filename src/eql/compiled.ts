/** What compiling an EQL query produces: the engine's output types. */

/**
 * A literal that must occur in the raw text of any record the rule can match
 * (derived in literals.ts). `caseInsensitive` means ASCII case folding.
 */
export interface PrefilterLiteral {
  readonly text: string;
  readonly caseInsensitive: boolean;
}

/** A compiled EQL query: a pure predicate over one (ECS-view) event. */
export interface CompiledQuery {
  /** True when the event matches (Elasticsearch semantics; docs/rules-and-eql.md). */
  matches(event: unknown): boolean;
  /** Every field path the query reads, in order of first appearance. */
  readonly fields: readonly string[];
  /**
   * At least one of these must occur in the raw JSON text of a record the query can match;
   * `null` when no such set can be derived (every record must then be parsed).
   */
  readonly prefilter: readonly PrefilterLiteral[] | null;
}
