/** What the framer hands out: raw record bytes, the kind of record they are, and the layout. */

/** How the scanner must read a record's parsed value. */
export enum RecordKind {
  /** The record itself (an Elasticsearch hit `{_index, _source}` line is unwrapped by the scanner). */
  Plain = 0,
  /** An element of `hits.hits`: the record is its `_source`. */
  EsHit = 1,
  /** An element of CloudWatch Logs `logEvents`: the record is its `message`, parsed as JSON. */
  CwlEvent = 2,
}

export interface FrameHandler {
  /** A complete record's raw bytes are `buf[start, end)` (trimmed of surrounding whitespace). */
  record(buf: Buffer, start: number, end: number, kind: RecordKind): void;
  /** A record longer than maxRecordBytes went by (its bytes were not kept). */
  oversize(bytes: number, kind: RecordKind): void;
}

export type Framing =
  | "empty"
  | "json"
  | "ndjson"
  | "es-export"
  | "concatenated"
  | "json-array"
  | "records-wrapper"
  | "es-hits"
  | "cloudwatch-logs";

export const LF = 10;
export const CR = 13;
export const SP = 32;
export const TAB = 9;

export function isWs(c: number): boolean {
  return c === SP || c === LF || c === CR || c === TAB;
}
