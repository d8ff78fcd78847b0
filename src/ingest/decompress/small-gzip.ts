/**
 * The small-gzip fast path. A small object (one PUT of a few KB is common) is decoded in one
 * step: a zlib stream costs a 1 MiB output buffer and several thread-pool round trips, about 10x
 * the work of the decoding itself for 1 KB. Only what is there without waiting is gathered (a
 * body that makes us wait is streamed), and anything unusual (damage, a large output) falls back
 * to the stream, which then reports it exactly as for a large object.
 */
import zlib from "node:zlib";
import { InputReadError } from "../errors.ts";
import type { Input, Next } from "./input.ts";
import type { DecompressStats } from "./limits.ts";

/** Default ceiling on the compressed size of an object decoded in one step. */
export const SMALL_GZIP_BYTES = 256 * 1024;
/** Largest output decoded in one step (more takes the stream). */
export const SMALL_OUTPUT_MAX_BYTES = 16 << 20;
/** A file or in-memory body reports its end within this grace; a network body that makes us wait longer is streamed. */
const SMALL_OBJECT_WAIT_MS = 2;
const WAITING = Symbol("waiting");

export interface Gathered {
  /** The bytes gathered (the whole object when `whole`). */
  readonly body: Buffer;
  /** The input has ended and the body is at most the fast path's size. */
  readonly whole: boolean;
  /** Continues the input after `body` (a read in flight is handed over, a read error replayed). */
  readonly rest: Next;
}

/** Gathers the object's first bytes while they arrive without waiting, up to `maxBytes`. */
export async function gatherSmall(
  first: Buffer,
  input: Input,
  maxBytes: number,
  stats: DecompressStats,
): Promise<Gathered> {
  const pieces = [first];
  let len = first.length;
  let rest: Next = input.next;
  try {
    while (!input.finished() && len <= maxBytes) {
      input.checkAbort();
      if (input.synchronous) {
        // Nothing to wait for: no timer (one per object cost more than the read itself).
        const c = await input.next();
        if (c === null) break;
        pieces.push(c);
        len += c.length;
        stats.compressedBytes += c.length;
        continue;
      }
      const p = input.next();
      let timer: NodeJS.Timeout | undefined;
      const c = await Promise.race([
        p,
        new Promise<typeof WAITING>((resolve) => {
          timer = setTimeout(resolve, SMALL_OBJECT_WAIT_MS, WAITING);
        }),
      ]).finally(() => clearTimeout(timer));
      if (c === WAITING) {
        let waiting: Promise<Buffer | null> | undefined = p;
        rest = () => {
          const w = waiting;
          waiting = undefined;
          return w ?? input.next();
        };
        break;
      }
      if (c === null) break;
      pieces.push(c);
      len += c.length;
      stats.compressedBytes += c.length;
    }
  } catch (e) {
    // A read error: decode what arrived, then report it (as the stream path does).
    if (!(e instanceof InputReadError)) throw e;
    rest = () => Promise.reject(e);
  }
  const body = pieces.length === 1 ? first : Buffer.concat(pieces, len);
  return { body, whole: input.finished() && len <= maxBytes, rest };
}

export interface SmallDecoded {
  readonly out: Buffer;
  /** Offset of bytes after the last complete member that are not gzip data (a damaged tail). */
  readonly junkAt?: number;
}

/**
 * Decodes a whole small gzip object, or returns undefined when the stream must handle it
 * (damage inside a member, truncation, an output over `maxOutputBytes`).
 */
export function decodeSmallGzip(body: Buffer, maxOutputBytes: number): SmallDecoded | undefined {
  try {
    return { out: zlib.gunzipSync(body, { maxOutputLength: maxOutputBytes }) };
  } catch {
    // gunzipSync refuses the whole object when bytes after a member are not another member:
    // walk the members to keep every one of them.
    return walkMembers(body, maxOutputBytes);
  }
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Length of the gzip member header at `at` (RFC 1952), or undefined when it is not a complete one. */
export function gzipHeaderLength(b: Uint8Array, at: number): number | undefined {
  if (b.length - at < 10 || b[at] !== 0x1f || b[at + 1] !== 0x8b || b[at + 2] !== 8) return undefined;
  const flags = b[at + 3]!;
  if (flags & 0xe0) return undefined;
  let i = at + 10;
  if (flags & FEXTRA) {
    if (b.length - i < 2) return undefined;
    i += 2 + (b[i]! | (b[i + 1]! << 8));
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    while (i < b.length && b[i] !== 0) i++;
    i++;
  }
  if (flags & FHCRC) i += 2;
  return i <= b.length ? i - at : undefined;
}

function walkMembers(body: Buffer, maxOutputBytes: number): SmallDecoded | undefined {
  const outs: Buffer[] = [];
  let total = 0;
  let pos = 0;
  while (pos < body.length) {
    // node:zlib ends the stream silently at a zero byte after a member (padding): so do we.
    if (pos > 0 && body[pos] === 0) break;
    if (pos > 0 && (body[pos] !== 0x1f || (pos + 1 < body.length && body[pos + 1] !== 0x8b))) {
      return { out: Buffer.concat(outs, total), junkAt: pos };
    }
    const h = gzipHeaderLength(body, pos);
    if (h === undefined) return undefined;
    let r: { buffer: Buffer; engine: zlib.InflateRaw };
    try {
      r = zlib.inflateRawSync(body.subarray(pos + h), {
        info: true,
        maxOutputLength: Math.max(1, maxOutputBytes - total),
      }) as unknown as { buffer: Buffer; engine: zlib.InflateRaw };
    } catch {
      return undefined;
    }
    const end = pos + h + r.engine.bytesWritten;
    if (end + 8 > body.length) return undefined;
    // The trailer's CRC-32 and length must match, as gunzip checks them.
    if (
      body.readUInt32LE(end) !== zlib.crc32(r.buffer) ||
      body.readUInt32LE(end + 4) !== r.buffer.length % 2 ** 32
    ) {
      return undefined;
    }
    outs.push(r.buffer);
    total += r.buffer.length;
    pos = end + 8;
  }
  return { out: outs.length === 1 ? outs[0]! : Buffer.concat(outs, total) };
}
