/**
 * Recognising a layout from the keys of the first value (docs/reader.md, Layouts): a
 * `{"Records":[...]}` wrapper (CloudTrail style), an Elasticsearch search response
 * (`hits.hits[]`), a CloudWatch Logs subscription payload (`messageType` then `logEvents[]`), an
 * Elasticsearch export (`_source` in a one-line first object). Keys are compared as bytes (no
 * string per key); only keys at depth 1 (and 2 inside `hits`) are ever captured.
 */
import type { Framing } from "./types.ts";

/** Longest key captured; longer keys are none of ours. */
export const CAPTURE_MAX = 16;

const KEY_RECORDS = Buffer.from("Records");
const KEY_HITS = Buffer.from("hits");
const KEY_LOG_EVENTS = Buffer.from("logEvents");
const KEY_MESSAGE_TYPE = Buffer.from("messageType");
const CONTROL_MESSAGE = Buffer.from("CONTROL_MESSAGE");
/** A one-line first object holding this is an Elasticsearch export line. */
export const SOURCE_KEY = Buffer.from('"_source"');

/** The keys that matter to layout detection. */
export enum K {
  Other = 0,
  Records = 1,
  Hits = 2,
  LogEvents = 3,
  MessageType = 4,
}

/** messageType of the current top-level object: none seen yet, a data message, a control message. */
export enum Msg {
  None = 0,
  Data = 1,
  Control = 2,
}

function capIs(cap: Uint8Array, len: number, k: Buffer): boolean {
  if (len !== k.length) return false;
  for (let i = 0; i < len; i++) if (cap[i] !== k[i]) return false;
  return true;
}

export function keyCode(cap: Uint8Array, len: number): K {
  if (capIs(cap, len, KEY_RECORDS)) return K.Records;
  if (capIs(cap, len, KEY_HITS)) return K.Hits;
  if (capIs(cap, len, KEY_LOG_EVENTS)) return K.LogEvents;
  if (capIs(cap, len, KEY_MESSAGE_TYPE)) return K.MessageType;
  return K.Other;
}

export function messageTypeOf(cap: Uint8Array, len: number): Msg {
  return capIs(cap, len, CONTROL_MESSAGE) ? Msg.Control : Msg.Data;
}

/**
 * Top-level keys a wrapper may have besides its array (a CloudTrail file is `{"Records":[...]}`,
 * an Elasticsearch search response has `took`, `_shards`, ...). A first value with any other key
 * that is followed by more values is a record, not a wrapper.
 */
const WRAPPER_KEYS = [
  "Records",
  "hits",
  "took",
  "timed_out",
  "_shards",
  "_scroll_id",
  "pit_id",
  "aggregations",
  "terminated_early",
  "_clusters",
  "profile",
  "suggest",
  "max_score",
  "status",
].map((k) => Buffer.from(k));

export function isWrapperKey(cap: Uint8Array, len: number): boolean {
  if (len > CAPTURE_MAX) return false;
  for (const k of WRAPPER_KEYS) if (capIs(cap, len, k)) return true;
  return false;
}

/** The layout of an object whose first value was an object and not a wrapper. */
export function lineLayout(firstWasLine: boolean, firstHasSource: boolean): Framing {
  if (!firstWasLine) return "concatenated";
  return firstHasSource ? "es-export" : "ndjson";
}
