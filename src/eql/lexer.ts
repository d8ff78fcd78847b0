/**
 * EQL lexer: query text -> tokens with spans. Strings are decoded here (escapes `\n \r \t \b \f \\ \"
 * \' \u{XX..XXXXXXXX}`; `"""raw"""` has none), so the parser only sees values. Anything the
 * lexer cannot place in the supported language is reported with its position; single-quoted
 * strings are refused as Elasticsearch refuses them.
 */
import type { Span } from "./ast.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";

export const KEYWORDS = [
  "and",
  "or",
  "not",
  "in",
  "in~",
  "like",
  "like~",
  "regex",
  "regex~",
  "where",
  "any",
  "true",
  "false",
  "null",
  "sequence",
  "sample",
  "join",
  "by",
  "with",
  "until",
  "maxspan",
  "of",
] as const;
export type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

export const PUNCTUATION = [
  "![",
  "==",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "=",
  ":",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  "?",
  "|",
  "+",
  "-",
  "*",
  "/",
  "%",
  "~",
  "!",
] as const;
export type Punct = (typeof PUNCTUATION)[number];

export interface IdentToken {
  readonly kind: "ident";
  /** Dotted path (backtick-quoted segments already unquoted). */
  readonly path: string;
  /** True when any segment was backtick-quoted (then it is never a keyword). */
  readonly quoted: boolean;
  readonly span: Span;
}
export interface KeywordToken {
  readonly kind: "keyword";
  readonly word: Keyword;
  readonly span: Span;
}
export interface StringToken {
  readonly kind: "string";
  readonly value: string;
  readonly raw: boolean;
  readonly span: Span;
}
export interface NumberToken {
  readonly kind: "number";
  readonly text: string;
  readonly span: Span;
}
export interface PunctToken {
  readonly kind: "punct";
  readonly text: Punct;
  readonly span: Span;
}
export interface EofToken {
  readonly kind: "eof";
  readonly span: Span;
}
export type Token = IdentToken | KeywordToken | StringToken | NumberToken | PunctToken | EofToken;

export interface LexOptions {
  readonly file?: string;
  readonly origin?: SourceOrigin;
}

const isIdentStart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 64; // a-z A-Z _ @
// Elasticsearch's IDENTIFIER: (LETTER | '_' | '@') (LETTER | DIGIT | '_')*, so `@` only leads.
const isIdentPart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

export function tokenize(source: string, options: LexOptions = {}): Token[] {
  const file = options.file ?? "<query>";
  const origin = options.origin;
  const syntax = (msg: string, at: number): EqlSyntaxError =>
    new EqlSyntaxError(msg, { file, source, offset: at, origin });
  const unsupported = (msg: string, at: number, construct: string): EqlUnsupportedError =>
    new EqlUnsupportedError(msg, { file, source, offset: at, origin }, construct);

  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;

  const readSegment = (): { text: string; quoted: boolean } => {
    const c = source.charCodeAt(i);
    if (c === 96 /* ` */) {
      const start = i;
      i++;
      let text = "";
      for (;;) {
        if (i >= n) throw syntax("unterminated backtick-quoted field name", start);
        const ch = source.charCodeAt(i);
        if (ch === 96) {
          if (source.charCodeAt(i + 1) === 96) {
            text += "`";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += source[i];
        i++;
      }
      if (text === "") throw syntax("empty backtick-quoted field name", start);
      return { text, quoted: true };
    }
    const start = i;
    i++; // the leading letter, `_` or `@`
    while (i < n && isIdentPart(source.charCodeAt(i))) i++;
    return { text: source.slice(start, i), quoted: false };
  };

  while (i < n) {
    const c = source.charCodeAt(i);
    // Whitespace: exactly Elasticsearch's set (a no-break space is an error there, so here).
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    // Comments: `// ...` and `/* ... */` (Elasticsearch accepts both in EQL).
    if (c === 47 /* / */ && source.charCodeAt(i + 1) === 47) {
      while (i < n && source.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && source.charCodeAt(i + 1) === 42 /* * */) {
      // Block comments nest, as in Elasticsearch's grammar.
      const open = i;
      let depth = 0;
      while (i < n) {
        if (source.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (source.startsWith("*/", i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth !== 0) throw syntax("unterminated comment", open);
      continue;
    }
    const start = i;
    // Strings.
    if (c === 34 /* " */) {
      if (source.startsWith('"""', i)) {
        // Elasticsearch: '"""' (~[\r\n])*? '"""' '"'? '"'?: one line, ends at the first `"""`,
        // and up to two more quotes right after it belong to the value.
        const close = source.indexOf('"""', i + 3);
        const eol = source.slice(i + 3, close < 0 ? n : close).search(/[\r\n]/);
        if (eol >= 0) throw syntax('a raw string (""" ... """) cannot span lines', start);
        if (close < 0) throw syntax('unterminated raw string (""" ... """)', start);
        let end = close;
        while (end < close + 2 && source.charCodeAt(end + 3) === 34) end++;
        i = end + 3;
        tokens.push({
          kind: "string",
          value: source.slice(start + 3, end),
          raw: true,
          span: { start, end: i },
        });
        continue;
      }
      i++;
      let value = "";
      let chunkStart = i;
      for (;;) {
        if (i >= n) throw syntax("unterminated string", start);
        const ch = source.charCodeAt(i);
        if (ch === 10 || ch === 13) {
          throw syntax("unterminated string: a string cannot span lines (write \\n for a newline)", start);
        }
        if (ch === 34) {
          value += source.slice(chunkStart, i);
          i++;
          break;
        }
        if (ch !== 92 /* \ */) {
          i++;
          continue;
        }
        value += source.slice(chunkStart, i);
        const esc = source[i + 1];
        switch (esc) {
          case "n":
            value += "\n";
            i += 2;
            break;
          case "r":
            value += "\r";
            i += 2;
            break;
          case "t":
            value += "\t";
            i += 2;
            break;
          case "\\":
            value += "\\";
            i += 2;
            break;
          case '"':
            value += '"';
            i += 2;
            break;
          case "u": {
            if (source[i + 2] !== "{") {
              throw syntax("invalid unicode escape: expected \\u{XXXX} with 2 to 8 hex digits", i);
            }
            let j = i + 3;
            while (j < n && isHex(source.charCodeAt(j))) j++;
            const digits = j - (i + 3);
            if (source[j] !== "}" || digits < 2 || digits > 8) {
              throw syntax("invalid unicode escape: expected \\u{XXXX} with 2 to 8 hex digits", i);
            }
            const cp = Number.parseInt(source.slice(i + 3, j), 16);
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
              throw syntax(
                `invalid unicode escape: U+${cp.toString(16).toUpperCase()} is not a character`,
                i,
              );
            }
            value += String.fromCodePoint(cp);
            i = j + 1;
            break;
          }
          // Elasticsearch's STRING_ESCAPE also has \b (backspace), \f (form feed) and \' (a quote).
          case "b":
            value += "\b";
            i += 2;
            break;
          case "f":
            value += "\f";
            i += 2;
            break;
          case "'":
            value += "'";
            i += 2;
            break;
          default:
            throw syntax(
              `invalid escape \\${esc ?? ""} (supported: \\n \\r \\t \\b \\f \\\\ \\" \\' \\u{XXXX}; or use a """raw""" string)`,
              i,
            );
        }
        chunkStart = i;
      }
      tokens.push({ kind: "string", value, raw: false, span: { start, end: i } });
      continue;
    }
    if (c === 39 /* ' */) {
      throw unsupported(
        "single-quoted strings are not supported (as in Elasticsearch): use double quotes",
        i,
        "single-quoted string",
      );
    }
    // Numbers (a sign is a separate `-` token; the parser folds it into a constant).
    if (isDigit(c) || (c === 46 /* . */ && isDigit(source.charCodeAt(i + 1)))) {
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      if (source.charCodeAt(i) === 46) {
        // `1.`, `1.5`, `.5` (DECIMAL_VALUE)
        i++;
        while (i < n && isDigit(source.charCodeAt(i))) i++;
      }
      const e = source.charCodeAt(i);
      if (e === 101 || e === 69) {
        let j = i + 1;
        const s = source.charCodeAt(j);
        if (s === 43 || s === 45) j++;
        if (isDigit(source.charCodeAt(j))) {
          while (j < n && isDigit(source.charCodeAt(j))) j++;
          i = j;
        }
      }
      // Like Elasticsearch's ANTLR lexer, `30s` is a number and then an identifier (the unit of
      // `maxspan=30s`); the parser reports a misplaced identifier by name.
      tokens.push({ kind: "number", text: source.slice(start, i), span: { start, end: i } });
      continue;
    }
    // Identifiers, dotted paths and keywords.
    if (isIdentStart(c) || c === 96) {
      let path = "";
      let quoted = false;
      for (;;) {
        const seg = readSegment();
        path += seg.text;
        quoted ||= seg.quoted;
        const next = source.charCodeAt(i + 1);
        if (source.charCodeAt(i) === 46 && (isIdentStart(next) || next === 96)) {
          path += ".";
          i++;
          continue;
        }
        break;
      }
      if (!quoted && KEYWORD_SET.has(path)) {
        let word = path as Keyword;
        if ((word === "in" || word === "like" || word === "regex") && source.charCodeAt(i) === 126 /* ~ */) {
          word = `${word}~` as Keyword;
          i++;
        }
        tokens.push({ kind: "keyword", word, span: { start, end: i } });
      } else {
        tokens.push({ kind: "ident", path, quoted, span: { start, end: i } });
      }
      continue;
    }
    // Punctuation, longest first.
    const two = source.slice(i, i + 2);
    // `![` opens a missing-event step of a sequence (Elasticsearch's MISSING_EVENT_OPEN token).
    if (two === "==" || two === "!=" || two === "<=" || two === ">=" || two === "![") {
      i += 2;
      tokens.push({ kind: "punct", text: two, span: { start, end: i } });
      continue;
    }
    const one = source[i] as string;
    if ((PUNCTUATION as readonly string[]).includes(one)) {
      i++;
      tokens.push({ kind: "punct", text: one as Punct, span: { start, end: i } });
      continue;
    }
    const cp = source.codePointAt(i) ?? c;
    throw syntax(`unexpected character ${JSON.stringify(String.fromCodePoint(cp))}`, i);
  }
  tokens.push({ kind: "eof", span: { start: n, end: n } });
  return tokens;
}
