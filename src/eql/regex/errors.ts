/**
 * Errors for `regex` / `regex~` patterns. `offset` is a 0-based UTF-16 offset into the pattern
 * (the decoded string value), so the EQL compiler can point its caret at the offending character.
 */

/** The pattern is not one Elasticsearch accepts: the query would fail there. */
export class RegexSyntaxError extends Error {
  override readonly name: string = "RegexSyntaxError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Elasticsearch accepts the pattern but we refuse it rather than risk a different verdict or an
 * unbounded cost; `construct` names what is refused (for the compiler's "not supported" message).
 */
export class RegexUnsupportedError extends RegexSyntaxError {
  override readonly name: string = "RegexUnsupportedError";
  constructor(
    message: string,
    offset: number,
    readonly construct: string,
  ) {
    super(message, offset);
  }
}
