/** Shared test helpers for the reader: fake rules, chunked streams, compression. */
import { Readable } from "node:stream";
import zlib from "node:zlib";
import type { Alert } from "../../src/alerts/index.ts";
import { fieldValues } from "../../src/document/index.ts";
import type { PrefilterLiteral, Rule } from "../../src/rules/index.ts";
import { type ScanOptions, type ScanResult, scanObject } from "../../src/scan/index.ts";

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

/**
 * A valid zstd frame made of raw (stored) blocks: lets tests produce zstd for any content and
 * cut frames anywhere, without a compressor (node:zlib has none before Node 22.15).
 * Frame header: magic, descriptor 0x00 (no content size, no checksum), window 128 KiB.
 */
export function zstdRawFrame(data: Uint8Array, blockBytes = 128 * 1024): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])];
  let pos = 0;
  do {
    const n = Math.min(blockBytes, 128 * 1024, data.length - pos);
    const last = pos + n >= data.length ? 1 : 0;
    const h = (n << 3) | last; // block type 0 = raw
    parts.push(
      Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]),
      Buffer.from(data.subarray(pos, pos + n)),
    );
    pos += n;
  } while (pos < data.length);
  return Buffer.concat(parts);
}

/** Several zstd frames, one per piece of `data` cut at `cuts`. */
export function zstdFrames(data: Uint8Array, cuts: readonly number[]): Buffer {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    out.push(zstdRawFrame(data.subarray(prev, c), 1000));
    prev = c;
  }
  return Buffer.concat(out);
}

/** gzip members cut at byte offsets of the uncompressed data (members need not end on a record). */
export function gzipCut(data: Uint8Array, cuts: readonly number[]): Buffer {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    out.push(zlib.gzipSync(data.subarray(prev, c)));
    prev = c;
  }
  return Buffer.concat(out);
}

/** A scan result with the alerts scanObject streamed to onAlert, collected. */
export type Collected = ScanResult & { readonly alerts: readonly Alert[] };

/** scanObject, with every alert collected (the caller's onAlert, if any, still sees each one). */
export async function scanCollect(
  input: Parameters<typeof scanObject>[0],
  options: ScanOptions,
): Promise<Collected> {
  const alerts: Alert[] = [];
  const r = await scanObject(input, {
    ...options,
    onAlert: (a) => {
      alerts.push(a);
      options.onAlert?.(a);
    },
  });
  return { ...r, alerts };
}
