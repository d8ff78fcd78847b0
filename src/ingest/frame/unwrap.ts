/**
 * Layouts seen after parsing: what a parsed raw record stands for. An Elasticsearch hit is
 * evaluated as its `_source` (the whole hit stays the raw record: its _index/_id find the
 * document); a CloudWatch Logs event's record is its `message`, JSON inside a string; a
 * CloudWatch Logs payload whose keys were sorted (`logEvents` before `messageType`: Python
 * sort_keys, jq -S, Go maps) reaches the parser whole and is read as the framer reads one in
 * CloudWatch Logs order.
 */

const hasOwn = Object.prototype.hasOwnProperty;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A CloudWatch Logs subscription payload (as parsed): a `logEvents` array and a known messageType. */
export function isCwlPayload(v: Record<string, unknown>): boolean {
  const t = v["messageType"];
  return (
    hasOwn.call(v, "logEvents") &&
    Array.isArray(v["logEvents"]) &&
    (t === "DATA_MESSAGE" || t === "CONTROL_MESSAGE")
  );
}

/** The events of a payload that are records (a CONTROL_MESSAGE's are health checks). */
export function cwlPayloadEvents(v: Record<string, unknown>): readonly unknown[] {
  return v["messageType"] === "DATA_MESSAGE" ? (v["logEvents"] as unknown[]) : [];
}

const LOG_EVENTS = Buffer.from("logEvents");
const UNICODE_ESCAPE = Buffer.from("\\u");

/**
 * May the object in `buf[start, end)` be a CloudWatch Logs payload the framer did not unwrap
 * (`logEvents` before `messageType`, keys sorted or not)? True when its bytes hold a backslash
 * (a message that is a JSON record has escaped quotes) and `logEvents`, or a `\u` escape that
 * could spell it. Such a record must be parsed whatever the prefilter says:
 * its messages are JSON escaped inside strings, which a byte search cannot see through (a
 * whole-value literal's quotes are `\"` there).
 */
export function mayBeCwlPayload(buf: Uint8Array, start: number, end: number): boolean {
  // Searched within the record only (an unbounded indexOf would read on to the end of the chunk
  // for every record). A message that is a JSON record holds escaped quotes: without a backslash
  // there is no such message (one memchr, the common case for records no rule wants).
  const b = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  if (b.indexOf(0x5c) < 0) return false;
  return b.indexOf(LOG_EVENTS) >= 0 || b.indexOf(UNICODE_ESCAPE) >= 0;
}

/** An Elasticsearch hit line or element: an object with `_source` and an `_index` or `_id`. */
export function isEsHit(v: Record<string, unknown>): boolean {
  return hasOwn.call(v, "_source") && (hasOwn.call(v, "_index") || hasOwn.call(v, "_id"));
}

/** The `_source` of a hit, or a reason when it has none. */
export function esHitSource(v: Record<string, unknown>): Record<string, unknown> | string {
  const src = v["_source"];
  return isObject(src) ? src : "Elasticsearch hit without a _source object";
}

/** The record inside a CloudWatch Logs event (its message parsed as JSON), or why there is none. */
export function cwlEventRecord(value: unknown): Record<string, unknown> | string {
  if (!isObject(value)) return `not a JSON object (${kindOf(value)})`;
  const message = value["message"];
  if (typeof message !== "string") return "CloudWatch Logs event without a string message";
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch (e) {
    return `CloudWatch Logs message is not JSON: ${shortReason(e)}`;
  }
  if (!isObject(parsed)) return `CloudWatch Logs message is not a JSON object (${kindOf(parsed)})`;
  return parsed;
}

export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

const REASON_MAX = 120;

/** An error's message cut to a length fit for a sample reason. */
export function shortReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > REASON_MAX ? `${m.slice(0, REASON_MAX - 3)}...` : m;
}
