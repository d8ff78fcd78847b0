/** What compiling an EQL query produces: the engine's output types. */

/**
 * A literal that must occur in the raw text of any record the rule can match
 * (derived in literals.ts). `caseInsensitive` means ASCII case folding.
 */
export interface PrefilterLiteral {
  readonly text: string;
  readonly caseInsensitive: boolean;
  /**
   * The text begins a string value (derived only with `LiteralOptions.wholeValues`): in a record
   * whose ECS view is the record itself, it follows the value's opening quote in the raw JSON.
   */
  readonly valueStart?: true;
  /** The text ends a string value: its closing quote follows it (see valueStart). */
  readonly valueEnd?: true;
  /**
   * With an anchor: the field whose value it is (the raw record's key for that value is the
   * field's last path segment, possibly behind a dotted prefix). Absent: any key.
   */
  readonly field?: string;
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
