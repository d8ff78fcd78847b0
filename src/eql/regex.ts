/**
 * EQL's `regex` and `regex~` as Elasticsearch evaluates them. On a field: Lucene's RegExp syntax
 * and semantics (whole-value match, every optional operator enabled, ASCII case folding of
 * characters but not ranges for `regex~`). On a computed value (a function result), which
 * Elasticsearch runs in a script: java.util.regex `matches()`, for the subset we reproduce
 * exactly. Both compile to one automaton that never backtracks. See src/eql/regex/ for the
 * parsers, the automata and the prefilter literals.
 */

import { compileMatcher } from "./regex/automaton.ts";
import { parseJavaRegex } from "./regex/java.ts";
import { requiredLiterals } from "./regex/literals.ts";
import { parseLuceneRegex, type RegexNode } from "./regex/parse.ts";

export { DETERMINIZE_EFFORT_LIMIT, MAX_NFA_STATES } from "./regex/automaton.ts";
export { RegexSyntaxError, RegexUnsupportedError } from "./regex/errors.ts";
export { parseJavaRegex } from "./regex/java.ts";
export { MAX_REGEX_LENGTH, MAX_REPEAT, parseLuceneRegex, type RegexNode } from "./regex/parse.ts";

export interface LuceneRegexOptions {
  /** `regex~`: ASCII letters match either case (Lucene's ASCII_CASE_INSENSITIVE; ranges are not folded). */
  readonly caseInsensitive: boolean;
}

export interface RegexLiteralOptions extends LuceneRegexOptions {
  /** Which parser reads the pattern: "lucene" (default, a field operand) or "java" (a computed operand). */
  readonly dialect?: "lucene" | "java";
}

function matcherFor(ast: RegexNode, caseInsensitive: boolean): (value: string) => boolean {
  // Case-insensitive literals are lower-cased; only those without letters can be searched as is.
  const lits = (requiredLiterals(ast, caseInsensitive) ?? []).filter(
    (l) => !caseInsensitive || !/[a-z]/.test(l),
  );
  return compileMatcher(ast, lits);
}

/**
 * Compiles `pattern` (the decoded string value) into a whole-value matcher with the semantics of
 * Elasticsearch's `regexp` query: use it for `field regex "p"` / `field regex~ "p"`.
 * Throws RegexSyntaxError (Elasticsearch would reject the query) or its subclass
 * RegexUnsupportedError (we refuse a construct by name); both carry `.offset` into the pattern.
 */
export function compileLuceneRegex(pattern: string, options: LuceneRegexOptions): (value: string) => boolean {
  return matcherFor(parseLuceneRegex(pattern, options), options.caseInsensitive);
}

/**
 * The same for a regex whose left side is NOT a field (`substring(f, 5) regex "p"`): Elasticsearch
 * evaluates those in a script with java.util.regex `matches()` (CASE_INSENSITIVE for `regex~`),
 * whose syntax and meaning differ from Lucene's (`.` excludes line terminators, `[a-z]` folds
 * under `~`, `~ & # @ < "` are literals, `^`/`$` are anchors). Supported subset only; the rest is
 * refused by name with RegexUnsupportedError.
 */
export function compileJavaRegex(pattern: string, options: LuceneRegexOptions): (value: string) => boolean {
  return matcherFor(parseJavaRegex(pattern, options), options.caseInsensitive);
}

/**
 * Substrings every matching value contains (longest first), or null when none can be derived.
 * With `options.caseInsensitive` the literals are ASCII-lower-case and must be searched for
 * ASCII-case-insensitively. Throws like the compilers for a pattern they refuse.
 */
export function regexRequiredLiterals(pattern: string, options: RegexLiteralOptions): string[] | null {
  const ast =
    options.dialect === "java" ? parseJavaRegex(pattern, options) : parseLuceneRegex(pattern, options);
  return requiredLiterals(ast, options.caseInsensitive);
}
