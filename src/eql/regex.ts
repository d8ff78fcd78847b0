/**
 * EQL's `regex` and `regex~` as Elasticsearch evaluates them on a field: Lucene's RegExp syntax
 * and semantics (whole-value match, all optional operators enabled, ASCII case folding for
 * `regex~`), matched by an automaton that never backtracks. See src/eql/regex/ for the parser,
 * the automata and the prefilter literals, and docs/rules-and-eql.md for the user-facing rules.
 */

import { compileMatcher } from "./regex/automaton.ts";
import { requiredLiterals } from "./regex/literals.ts";
import { parseLuceneRegex } from "./regex/parse.ts";

export { MAX_DFA_STATES, MAX_NFA_STATES } from "./regex/automaton.ts";
export { RegexSyntaxError, RegexUnsupportedError } from "./regex/errors.ts";
export { MAX_REGEX_LENGTH, MAX_REPEAT, parseLuceneRegex, type RegexNode } from "./regex/parse.ts";

export interface LuceneRegexOptions {
  /** `regex~`: ASCII letters match either case (Lucene's ASCII_CASE_INSENSITIVE; ranges are not folded). */
  readonly caseInsensitive: boolean;
}

/**
 * Compiles `pattern` (the decoded string value) into a whole-value matcher.
 * Throws RegexSyntaxError (Elasticsearch would reject the query) or its subclass
 * RegexUnsupportedError (we refuse a construct by name); both carry `.offset` into the pattern.
 */
export function compileLuceneRegex(pattern: string, options: LuceneRegexOptions): (value: string) => boolean {
  const ast = parseLuceneRegex(pattern, options);
  // Case-insensitive literals are lower-cased; only those without letters can be searched as is.
  const lits = (requiredLiterals(ast, options.caseInsensitive) ?? []).filter(
    (l) => !options.caseInsensitive || !/[a-z]/.test(l),
  );
  return compileMatcher(ast, lits);
}

/**
 * Substrings every matching value contains (longest first), or null when none can be derived.
 * With `options.caseInsensitive` the literals are ASCII-lower-case and must be searched for
 * ASCII-case-insensitively. Throws like compileLuceneRegex for a pattern it refuses.
 */
export function regexRequiredLiterals(pattern: string, options: LuceneRegexOptions): string[] | null {
  return requiredLiterals(parseLuceneRegex(pattern, options), options.caseInsensitive);
}
