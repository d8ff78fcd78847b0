/**
 * zstd: node:zlib's decoder where it exists (Node >= 22.15, the Lambda runtime: thread pool, like
 * gzip), otherwise fzstd (Node 20; JavaScript on the main thread). In both cases the frames are
 * walked first (headers and block sizes only, no decoding), so bytes after the last complete
 * frame that are not another frame never reach the decoder: they are a damaged tail, and every
 * record before them is kept.
 */
import zlib from "node:zlib";
import { Decompress as ZstdStreamDecoder } from "fzstd";
import {
  CorruptCompressedStreamError,
  DamagedTailError,
  DecompressionLimitError,
  IngestError,
} from "../errors.ts";
import { throughZlib, ZLIB_CHUNK_BYTES, type ZlibDecoder, type ZlibRun } from "./gzip.ts";
import type { Next } from "./input.ts";
import type { DecompressStats } from "./limits.ts";

/** zstd's own default ceiling for a decoder's window (windowLogMax 27); node:zlib enforces it too. */
export const ZSTD_MAX_WINDOW_BYTES = 128 * 1024 * 1024;

export type ZstdDecoderChoice = "auto" | "fzstd";

/**
 * The window a zstd frame header asks for (the memory fzstd allocates for it), or undefined when
 * `b` does not start with a complete frame header (a skippable frame, or too few bytes).
 */
export function zstdFrameWindowBytes(b: Uint8Array): number | undefined {
  if (b.length < 6 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return undefined;
  const fhd = b[4]!;
  const single = (fhd >> 5) & 1;
  if (!single) {
    const wd = b[5]!;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  // Single segment: the window is the frame content size.
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsFlag = fhd >> 6;
  const fcsBytes = [1, 2, 4, 8][fcsFlag]!;
  const at = 5 + dictBytes;
  if (b.length < at + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + b[at + i]!;
  return fcsFlag === 1 ? size + 256 : size;
}

enum W {
  Magic = 0,
  Descriptor = 1,
  BlockHeader = 2,
  SkippableSize = 3,
  Skip = 4,
  /** Something the walker cannot follow (a reserved bit or block type): the decoder decides. */
  Opaque = 5,
}

/**
 * Follows zstd's frame structure (RFC 8878) across chunks without decoding: magic, frame header,
 * block headers (their sizes), checksum; skippable frames. `feed` returns how many bytes of a
 * chunk belong to frames; fewer than its length means junk starts there (`junk`), or that the
 * chunk ends inside the 4 bytes of a magic number (the caller carries them to the next chunk).
 */
export class ZstdFrameWalker {
  junk = false;
  private state = W.Magic;
  private skip = 0;
  private after = W.Magic;
  private checksum = false;
  private readonly acc = new Uint8Array(4);
  private accLen = 0;

  feed(c: Uint8Array): number {
    let i = 0;
    const n = c.length;
    while (i < n) {
      switch (this.state) {
        case W.Magic: {
          if (n - i < 4) return i;
          const b0 = c[i]!;
          if (b0 === 0x28 && c[i + 1] === 0xb5 && c[i + 2] === 0x2f && c[i + 3] === 0xfd) {
            this.state = W.Descriptor;
          } else if ((b0 & 0xf0) === 0x50 && c[i + 1] === 0x2a && c[i + 2] === 0x4d && c[i + 3] === 0x18) {
            this.state = W.SkippableSize;
            this.accLen = 0;
          } else {
            this.junk = true;
            return i;
          }
          i += 4;
          break;
        }
        case W.Descriptor: {
          const fhd = c[i++]!;
          if (fhd & 0x08) {
            this.state = W.Opaque;
            break;
          }
          const single = (fhd >> 5) & 1;
          const fcsFlag = fhd >> 6;
          this.checksum = ((fhd >> 2) & 1) === 1;
          this.skip = (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + [single, 2, 4, 8][fcsFlag]!;
          this.after = W.BlockHeader;
          this.accLen = 0;
          this.state = this.skip > 0 ? W.Skip : W.BlockHeader;
          break;
        }
        case W.BlockHeader: {
          this.acc[this.accLen++] = c[i++]!;
          if (this.accLen < 3) break;
          const h = this.acc[0]! | (this.acc[1]! << 8) | (this.acc[2]! << 16);
          this.accLen = 0;
          const type = (h >> 1) & 3;
          if (type === 3) {
            this.state = W.Opaque;
            break;
          }
          const last = (h & 1) === 1;
          this.skip = type === 1 ? 1 : h >>> 3;
          this.after = last ? W.Magic : W.BlockHeader;
          // After the last block's content: the 4 checksum bytes, if any, then the next frame.
          if (last && this.checksum) this.skip += 4;
          this.state = this.skip > 0 ? W.Skip : this.after;
          break;
        }
        case W.SkippableSize: {
          this.acc[this.accLen++] = c[i++]!;
          if (this.accLen < 4) break;
          this.skip =
            (this.acc[0]! | (this.acc[1]! << 8) | (this.acc[2]! << 16) | (this.acc[3]! << 24)) >>> 0;
          this.accLen = 0;
          this.after = W.Magic;
          this.state = this.skip > 0 ? W.Skip : W.Magic;
          break;
        }
        case W.Skip: {
          const k = Math.min(this.skip, n - i);
          i += k;
          this.skip -= k;
          if (this.skip === 0) this.state = this.after;
          break;
        }
        case W.Opaque:
          return n;
      }
    }
    return n;
  }
}

/** The input cut at the end of the last complete frame when junk follows; `junkAt()` tells where. */
export function framesOnly(
  first: Buffer,
  next: Next,
): { first: Buffer; next: Next; junkAt: () => number | undefined } {
  const walker = new ZstdFrameWalker();
  let carry: Buffer | null = null;
  let offset = 0;
  let junkAt: number | undefined;
  let done = false;
  const filter = (c: Buffer): Buffer => {
    const b: Buffer = carry === null ? c : Buffer.concat([carry, c]);
    carry = null;
    const k = walker.feed(b);
    if (walker.junk) {
      junkAt = offset + k;
      done = true;
    } else if (k < b.length) {
      // The chunk ends inside a magic number: decide with the next chunk.
      carry = Buffer.from(b.subarray(k));
    }
    offset += k;
    return k === b.length ? b : b.subarray(0, k);
  };
  const cutFirst = filter(first);
  const cutNext: Next = async () => {
    while (!done) {
      const c = await next();
      if (c === null) {
        // 1 to 3 bytes after the last frame cannot be a frame.
        if (carry !== null) junkAt = offset;
        carry = null;
        done = true;
        return null;
      }
      const out = filter(c);
      if (out.length > 0) return out;
    }
    return null;
  };
  return { first: cutFirst, next: cutNext, junkAt: () => junkAt };
}

/** node:zlib has zstd from Node 22.15 (the Lambda runtime); Node 20 falls back to fzstd. */
function nativeZstd(choice: ZstdDecoderChoice): (() => ZlibDecoder) | undefined {
  if (choice === "fzstd") return undefined;
  const create = (zlib as unknown as Record<string, unknown>)["createZstdDecompress"];
  if (typeof create !== "function") return undefined;
  return () => (create as (o: object) => ZlibDecoder)({ chunkSize: ZLIB_CHUNK_BYTES });
}

export async function throughZstd(
  first: Buffer,
  next: Next,
  deliver: (c: Buffer) => void,
  run: ZlibRun & { readonly decoder: ZstdDecoderChoice; readonly checkAbort: () => void },
  stats: DecompressStats,
): Promise<void> {
  const cut = framesOnly(first, next);
  const native = nativeZstd(run.decoder);
  if (native !== undefined) await throughZlib(native(), "zstd", cut.first, cut.next, deliver, run, stats);
  else await throughFzstd(cut.first, cut.next, deliver, run, stats);
  const at = cut.junkAt();
  if (at !== undefined) {
    throw new DamagedTailError(
      run.uri,
      "zstd",
      `the bytes from compressed byte ${at} on are not a zstd frame`,
      at,
    );
  }
}

async function throughFzstd(
  first: Buffer,
  next: Next,
  deliver: (c: Buffer) => void,
  run: ZlibRun & { readonly checkAbort: () => void },
  stats: DecompressStats,
): Promise<void> {
  // fzstd allocates the frame's whole window up front (up to 2 GiB for zstd --long=31): refuse
  // what zstd itself refuses by default. Only the first frame's header is checked here.
  while (first.length < 18) {
    const c = await next();
    if (c === null) break;
    stats.compressedBytes += c.length;
    first = Buffer.concat([first, c]);
  }
  const window = zstdFrameWindowBytes(first);
  if (window !== undefined && window > ZSTD_MAX_WINDOW_BYTES) {
    throw new DecompressionLimitError(
      run.uri,
      `zstd frame needs a ${Math.ceil(window / 1048576)} MiB window, more than the ${ZSTD_MAX_WINDOW_BYTES / 1048576} MiB ` +
        "a decoder accepts by default; recompress without --long (or with --long=27 or less)",
      ZSTD_MAX_WINDOW_BYTES,
      "zstd window",
    );
  }
  let sinkError: unknown;
  const decoder = new ZstdStreamDecoder((block: Uint8Array) => {
    // fzstd hands out a fresh array per block; no copy needed.
    try {
      deliver(Buffer.from(block.buffer, block.byteOffset, block.byteLength));
    } catch (e) {
      sinkError = e;
      throw e;
    }
  });
  const push = (c: Uint8Array, final: boolean): void => {
    try {
      decoder.push(c, final);
    } catch (e) {
      if (e === sinkError || e instanceof IngestError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new CorruptCompressedStreamError(run.uri, "zstd", reason, stats.compressedBytes, e);
    }
  };
  push(first, false);
  for (;;) {
    run.checkAbort();
    const c = await next();
    if (c === null) break;
    stats.compressedBytes += c.length;
    push(c, false);
  }
  push(new Uint8Array(0), true);
}
