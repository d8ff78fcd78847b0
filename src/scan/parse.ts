/**
 * The parse stage: raw record bytes from the framer -> the record a rule evaluates (and the raw
 * value an alert keeps), through the gate (prefilter) first. Layout knowledge after parsing
 * (Elasticsearch hits, CloudWatch Logs messages and sorted-key payloads) comes from src/ingest.
 */
import {
  cwlEventRecord,
  cwlPayloadEvents,
  esHitSource,
  type FrameHandler,
  isCwlPayload,
  isEsHit,
  kindOf,
  mayBeCwlPayload,
  RecordKind,
  shortReason,
} from "../ingest/index.ts";
import type { ScanCounts } from "./counts.ts";
import type { RecordGate } from "./gate.ts";

/**
 * Where parsed records go: `record` is evaluated, `raw` is what an alert keeps. `gated`: the
 * record is the one the gate passed last (a dispatching gate's candidate rules apply to it);
 * false for a record the gate did not see (a CloudWatch Logs message, no prefilter).
 */
export type ParsedSink = (
  record: Record<string, unknown>,
  raw: unknown,
  ordinal: number,
  gated: boolean,
) => void;

export interface ParseStage extends FrameHandler {
  /** A new decompressed chunk is being framed: per-buffer testers must be renewed. */
  newChunk(): void;
  /** Only sorted-key CloudWatch Logs payloads were seen: the layout the framer would have named. */
  onlySortedCwlPayloads(): boolean;
}

/** Has the parsed object a key? (Without building the array of keys for every record.) */
function hasOwnKey(o: Record<string, unknown>): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function createParseStage(gate: RecordGate, counts: ScanCounts, next: ParsedSink): ParseStage {
  const usePrefilter = !gate.parsesAll;
  // The gate's per-buffer tester shares its searches among the records of one buffer (the
  // framer hands records in increasing order within a buffer). It is renewed for every buffer
  // and every chunk, so a caller that reuses one Buffer object for new bytes is still safe.
  let testerBuf: Uint8Array | null = null;
  // The next backslash at or after the last record looked at, per buffer (records come in
  // increasing order): one pass over the buffer decides which rejected records hold one.
  let backslashBuf: Uint8Array | null = null;
  let backslashAt = -1;
  const holdsBackslash = (buf: Uint8Array, start: number, end: number): boolean => {
    if (buf !== backslashBuf || backslashAt < start) {
      backslashBuf = buf;
      const i = buf.indexOf(0x5c, start);
      backslashAt = i < 0 ? buf.length : i;
    }
    return backslashAt < end;
  };
  let tester: (s: number, e: number) => boolean = () => true;
  const testerFor = (buf: Uint8Array): ((s: number, e: number) => boolean) => {
    if (buf !== testerBuf) {
      testerBuf = buf;
      tester = gate.forBuffer(buf);
    }
    return tester;
  };

  const evaluate = (record: Record<string, unknown>, raw: unknown, ordinal: number, gated: boolean): void => {
    if (!hasOwnKey(record)) {
      counts.bad(ordinal, "empty JSON object");
      return;
    }
    next(record, raw, ordinal, gated);
  };

  /** One element of a CloudWatch Logs payload's logEvents: its message is the record. */
  const cwlEvent = (value: unknown, ordinal: number): void => {
    const r = cwlEventRecord(value);
    if (typeof r === "string") counts.bad(ordinal, r);
    else evaluate(r, r, ordinal, false);
  };

  let sortedPayloads = 0;
  let otherRecords = 0;
  return {
    newChunk: () => {
      testerBuf = null;
      backslashBuf = null;
    },
    onlySortedCwlPayloads: () => sortedPayloads > 0 && otherRecords === 0,
    oversize: (bytes) => {
      counts.skip(++counts.records, bytes);
    },
    record: (buf, start, end, kind) => {
      const ordinal = ++counts.records;
      if (kind !== RecordKind.CwlEvent) otherRecords++;
      let gated = false;
      if (kind !== RecordKind.CwlEvent && usePrefilter) {
        // A record no rule can match is not parsed. Only its shape is checked, so that obvious
        // garbage (not `{...}`, or `{}`) is still counted as malformed. A CloudWatch Logs payload
        // the framer could not recognise (`logEvents` before `messageType`) must be parsed anyway.
        if (buf[start] === 123 && buf[end - 1] === 125 && end - start > 2) {
          if (testerFor(buf)(start, end)) gated = true;
          else if (!holdsBackslash(buf, start, end) || !mayBeCwlPayload(buf, start, end)) return;
        }
      }
      let value: unknown;
      try {
        value = JSON.parse(buf.toString("utf8", start, end));
      } catch (e) {
        counts.bad(ordinal, `not JSON: ${shortReason(e)}`);
        return;
      }
      if (kind === RecordKind.CwlEvent) {
        cwlEvent(value, ordinal);
        return;
      }
      if (!isPlainObject(value)) {
        counts.bad(ordinal, `not a JSON object (${kindOf(value)})`);
        return;
      }
      if (kind === RecordKind.Plain && isCwlPayload(value)) {
        // The payload itself is no record; each DATA_MESSAGE event gets the next ordinal.
        counts.records--;
        otherRecords--;
        sortedPayloads++;
        for (const ev of cwlPayloadEvents(value)) cwlEvent(ev, ++counts.records);
        return;
      }
      if (kind === RecordKind.EsHit || isEsHit(value)) {
        // An Elasticsearch hit: evaluate its _source; keep the whole hit as raw.
        const src = esHitSource(value);
        if (typeof src === "string") counts.bad(ordinal, src);
        else evaluate(src, value, ordinal, gated);
        return;
      }
      evaluate(value, value, ordinal, gated);
    },
  };
}
