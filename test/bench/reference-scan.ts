/**
 * A minimal fast-path scanner kept in the bench as a yardstick (row "r" of the table): what the
 * approach of ../shared/notes/performance.md reaches on this machine, next to the real
 * `scanObject`. Gzip or plain NDJSON only; not the product.
 *
 * Per decompressed chunk: copy the complete lines into a scratch buffer, OR 0x20 into every
 * byte (4 at a time) so ASCII letters fold to lower case, and search the folded bytes for each
 * case-insensitive prefilter literal with Buffer.indexOf (native). Lines holding a JSON escape
 * that could spell a literal's character (`\u`, and `\/` when a literal has a "/") are
 * candidates too, so the prefilter stays sound. Only candidate lines are decoded and parsed;
 * every other line costs one Buffer.indexOf(10) to be counted.
 */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Alert } from "../../src/alerts/alert.ts";
import { buildAlert } from "../../src/alerts/alert.ts";
import type { ScanOptions, ScanResult } from "../../src/ingest/result.ts";
import { toEcs } from "../../src/sources/index.ts";

const NL = 10;

interface Needle {
  readonly bytes: Buffer;
  /** Search the case-folded copy (true) or the original bytes (false). */
  readonly folded: boolean;
}

function needlesFor(options: ScanOptions): Needle[] | null {
  const needles: Needle[] = [];
  let slash = false;
  for (const rule of options.rules) {
    const lits = rule.compiled.prefilter;
    if (lits === null || lits.length === 0) return null;
    for (const lit of lits) {
      const bytes = Buffer.from(lit.text);
      // Fold the needle exactly like the haystack (OR 0x20), not with toLowerCase: "_" and "@"
      // change under the OR too, and both sides must agree.
      if (lit.caseInsensitive) for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! | 0x20;
      needles.push({ bytes, folded: lit.caseInsensitive });
      if (lit.text.includes("/")) slash = true;
    }
  }
  needles.push({ bytes: Buffer.from("\\u"), folded: false });
  if (slash) needles.push({ bytes: Buffer.from("\\/"), folded: false });
  return needles;
}

function isReadable(x: unknown): x is NodeJS.ReadableStream {
  return typeof (x as { pipe?: unknown }).pipe === "function";
}

export async function referenceScan(
  input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  options: ScanOptions,
): Promise<ScanResult> {
  const t0 = performance.now();
  const needles = needlesFor(options);
  const source = options.source ?? "auto";
  const alerts: Alert[] = [];
  let compressedBytes = 0;
  let decompressedBytes = 0;
  let records = 0;
  let malformed = 0;
  const malformedSamples: { record: number; reason: string }[] = [];
  let scratch = Buffer.allocUnsafeSlow(4 << 20);
  let scratch32 = new Uint32Array(scratch.buffer, 0, scratch.length >>> 2);
  const starts: number[] = [];

  const evaluate = (line: string, ordinal: number): void => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      malformed++;
      if (malformedSamples.length < 10)
        malformedSamples.push({ record: ordinal, reason: (e as Error).message });
      return;
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) return;
    const ecs = toEcs(record as Record<string, unknown>, source).event;
    for (const rule of options.rules) {
      if (!rule.compiled.matches(ecs)) continue;
      const alert = buildAlert({
        rule,
        ecs,
        raw: record,
        uri: options.uri,
        version: options.version,
        record: ordinal,
      });
      alerts.push(alert);
      options.onAlert?.(alert);
    }
  };

  /** Sorted start offsets of the lines in buf[from, to) that hold a needle. */
  const candidates = (buf: Buffer, from: number, to: number): void => {
    starts.length = 0;
    if (needles === null) return;
    const len = to - from;
    if (scratch.length < len + 4) {
      scratch = Buffer.allocUnsafeSlow(len + 4 + (len >>> 1));
      scratch32 = new Uint32Array(scratch.buffer, 0, scratch.length >>> 2);
    }
    buf.copy(scratch, 0, from, to);
    for (let i = 0, n = (len + 3) >>> 2; i < n; i++) scratch32[i] = scratch32[i]! | 0x20202020;
    const folded = scratch.subarray(0, len);
    for (const needle of needles) {
      const hay = needle.folded ? folded : buf;
      const base = needle.folded ? 0 : from;
      let at = hay.indexOf(needle.bytes, base);
      while (at !== -1 && at < base + len) {
        const start = buf.lastIndexOf(NL, from + (at - base)) + 1;
        starts.push(Math.max(start, from));
        const end = buf.indexOf(NL, from + (at - base));
        if (end === -1 || end >= to) break;
        at = hay.indexOf(needle.bytes, base + (end - from) + 1);
      }
    }
    if (needles.length > 1) starts.sort((a, b) => a - b);
  };

  /** Counts and (for candidates) evaluates every line of buf[from, to); to is just past a "\n". */
  const lines = (buf: Buffer, from: number, to: number): void => {
    candidates(buf, from, to);
    let next = needles === null ? -2 : starts.length > 0 ? starts[0]! : -1;
    let k = 0;
    let s = from;
    while (s < to) {
      let e = buf.indexOf(NL, s);
      if (e === -1 || e > to) e = to;
      const blank = e === s || (e === s + 1 && buf[s] === 13);
      if (!blank) {
        records++;
        if (next === -2 || s === next) evaluate(buf.toString("utf8", s, e), records);
      }
      if (next !== -2 && s === next) {
        while (k < starts.length && starts[k]! <= s) k++;
        next = k < starts.length ? starts[k]! : -1;
      }
      s = e + 1;
    }
  };

  const raw = isReadable(input) ? (input as Readable) : Readable.from(input);
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  const head: Buffer | undefined = first.done ? undefined : Buffer.from(first.value);
  const gzip = head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  async function* all(): AsyncGenerator<Buffer> {
    if (head !== undefined) {
      compressedBytes += head.length;
      yield head;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      compressedBytes += r.value.length;
      yield r.value;
    }
  }
  let decoded: AsyncIterable<Buffer> = all();
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 20, readableHighWaterMark: 16 << 20 } as object);
    Readable.from(all()).pipe(gunzip);
    decoded = gunzip;
  }

  let carry: Buffer | null = null;
  for await (const chunk of decoded) {
    decompressedBytes += chunk.length;
    let from = 0;
    if (carry !== null) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
      lines(joined, 0, joined.length);
      carry = null;
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last < from) {
      carry = chunk.subarray(from);
      continue;
    }
    lines(chunk, from, last + 1);
    if (last + 1 < chunk.length) carry = chunk.subarray(last + 1);
  }
  if (carry !== null && carry.length > 0) lines(carry, 0, carry.length);

  return {
    uri: options.uri,
    compression: gzip ? "gzip" : "none",
    framing: "ndjson",
    compressedBytes,
    decompressedBytes,
    records,
    malformed,
    malformedSamples,
    skipped: 0,
    skippedSamples: [],
    alerts,
    durationMs: performance.now() - t0,
  };
}
