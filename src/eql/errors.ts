/**
 * Errors of the EQL engine. Every error points at a place in the query: the message is built once
 * as `file:line:col: <what>`, then the source line and a caret under the column, so a rule author
 * sees exactly where the problem is without counting characters.
 */

/** Where the query text sits in its file, so positions can be reported in file coordinates. */
export interface SourceOrigin {
  /** 1-based line of the file on which the query's first character sits. */
  readonly line: number;
  /** 1-based column of the query's first character on that line. */
  readonly column: number;
  /**
   * The whole file, when the query appears in it character for character (e.g. a TOML literal
   * string): errors then quote the file's own line rather than the query's.
   */
  readonly fileText?: string;
}

export interface EqlErrorLocation {
  /** The file (or a label such as `<query>`) the query came from. */
  readonly file: string;
  /** The whole query text. */
  readonly source: string;
  /** 0-based UTF-16 offset of the problem inside `source`. */
  readonly offset: number;
  /** Position of the query inside its file (default: line 1, column 1). */
  readonly origin?: SourceOrigin | undefined;
}

/** 1-based line and column of `offset` in `source` (column counts UTF-16 units). */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function sourceLine(source: string, offset: number): { text: string; start: number } {
  const o = Math.min(Math.max(offset, 0), source.length);
  const start = source.lastIndexOf("\n", o - 1) + 1;
  let end = source.indexOf("\n", o);
  if (end < 0) end = source.length;
  let text = source.slice(start, end);
  if (text.endsWith("\r")) text = text.slice(0, -1);
  return { text, start };
}

/** The caret line: keeps tabs of the source line so the caret lines up in a terminal. */
function caretLine(line: string, column: number): string {
  let out = "";
  for (let i = 0; i < column - 1; i++) out += line[i] === "\t" ? "\t" : " ";
  return out + "^";
}

export class EqlError extends Error {
  override readonly name: string = "EqlError";
  readonly file: string;
  /** 1-based line in the file (origin applied). */
  readonly line: number;
  /** 1-based column in the file (origin applied). */
  readonly column: number;
  /** The construct at fault, e.g. `sequence`, `pipe`, `function startsWith`; undefined for plain syntax errors. */
  readonly construct: string | undefined;
  /** The message without the position and excerpt. */
  readonly detail: string;
  /** 0-based offset inside the query text. */
  readonly offset: number;

  constructor(detail: string, loc: EqlErrorLocation, construct?: string, options?: { cause?: unknown }) {
    const { line: qLine, column: qCol } = lineColumn(loc.source, loc.offset);
    const origin = loc.origin ?? { line: 1, column: 1 };
    const line = origin.line + qLine - 1;
    const column = qLine === 1 ? origin.column + qCol - 1 : qCol;
    const { text } = sourceLine(loc.source, loc.offset);
    let shown: string;
    if (loc.origin?.fileText !== undefined) {
      shown = loc.origin.fileText.split("\n")[line - 1]?.replace(/\r$/, "") ?? text;
    } else {
      // On the query's first line the file has `origin.column - 1` more characters before it;
      // pad so the caret still sits under the offending character.
      shown = qLine === 1 ? " ".repeat(origin.column - 1) + text : text;
    }
    super(`${loc.file}:${line}:${column}: ${detail}\n${shown}\n${caretLine(shown, column)}`, options);
    this.file = loc.file;
    this.line = line;
    this.column = column;
    this.construct = construct;
    this.detail = detail;
    this.offset = loc.offset;
  }
}

/** The query is not well-formed EQL. */
export class EqlSyntaxError extends EqlError {
  override readonly name: string = "EqlSyntaxError";
}

/** The query is valid EQL but uses a construct this engine does not implement (never silently accepted). */
export class EqlUnsupportedError extends EqlError {
  override readonly name: string = "EqlUnsupportedError";
}
