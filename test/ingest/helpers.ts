/** Shared test helpers for the reader: fake rules, chunked streams, compression. */
import { Readable } from "node:stream";
import zlib from "node:zlib";
import type { PrefilterLiteral, Rule } from "../../src/rules/rule.ts";
import { fieldValues } from "../../src/sources/fields.ts";

/** A hand-built rule: matches when `field` has a value containing `needle` (prefilter: that literal). */
export function fakeRule(
  id: string,
  field: string,
  needle: string,
  prefilter: readonly PrefilterLiteral[] | null = [{ text: needle, caseInsensitive: false }],
): Rule {
  return {
    id,
    name: `fake ${id}`,
    description: "test rule",
    severity: "high",
    riskScore: 73,
    threat: [],
    tags: [],
    indices: [],
    references: [],
    falsePositives: [],
    query: `${field} : "*${needle}*"`,
    file: `${id}.toml`,
    compiled: {
      fields: [field],
      prefilter,
      matches: (event: unknown) => fieldValues(event, field).some((v) => v.includes(needle)),
    },
  };
}

/** Matches records whose event.id contains SHOULD_ALERT (the samples' expected verdicts). */
export const SHOULD_ALERT = fakeRule("should-alert", "event.id", "SHOULD_ALERT");
/** The same without a prefilter: every record is parsed. */
export const SHOULD_ALERT_NO_PREFILTER = fakeRule("should-alert-all", "event.id", "SHOULD_ALERT", null);

/** Yields `data` in pieces of the given sizes (cycled), as an async iterable of Uint8Array. */
export async function* chunked(
  data: Uint8Array,
  sizes: readonly number[] | number,
): AsyncGenerator<Uint8Array> {
  const list = typeof sizes === "number" ? [sizes] : sizes;
  let pos = 0;
  let k = 0;
  while (pos < data.length) {
    const n = Math.max(1, list[k % list.length]!);
    k++;
    yield data.subarray(pos, Math.min(data.length, pos + n));
    pos += n;
  }
}

/** Random chunk sizes in [1, max] from a seeded generator (deterministic). */
export function randomSizes(seed: number, count: number, max: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(1 + (s % max));
  }
  return out;
}

export function readableOf(data: Uint8Array, chunkSize = 64 * 1024): Readable {
  return Readable.from(chunked(data, chunkSize));
}

export const gzip = (data: string | Uint8Array): Buffer => zlib.gzipSync(data);

/** Several gzip members, one per piece, concatenated. */
export const gzipMembers = (pieces: readonly (string | Uint8Array)[]): Buffer =>
  Buffer.concat(pieces.map((p) => zlib.gzipSync(p)));

export function ndjson(records: readonly unknown[], eol = "\n"): string {
  return records.map((r) => JSON.stringify(r)).join(eol) + eol;
}
