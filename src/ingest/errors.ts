/**
 * Object-level failures of the reader. `scanObject` never throws these: it turns them into
 * `result.failure` ({kind, message}); they are exported so callers that drive the stages
 * themselves (tests, benchmarks) can tell them apart with `instanceof`.
 */

export type ScanFailureKind =
  | "unsupported-compression"
  | "corrupt-compressed-stream"
  | "damaged-tail"
  | "decompression-limit"
  | "read-error"
  | "aborted";

/** Base class: `kind` is machine-readable, `message` names the object and the reason. */
export abstract class IngestError extends Error {
  abstract readonly kind: ScanFailureKind;
  readonly uri: string;

  constructor(uri: string, message: string, options?: { cause?: unknown }) {
    super(`${uri}: ${message}`, options);
    this.uri = uri;
  }
}

/** A known container or compression the reader does not decode (zip, bzip2, parquet, ...). */
export class UnsupportedCompressionError extends IngestError {
  readonly kind = "unsupported-compression" as const;
  override readonly name = "UnsupportedCompressionError";
  /** e.g. "zip". */
  readonly format: string;
  /** The first bytes, hex, space separated (what the sniffer saw). */
  readonly magic: string;

  /** `message` replaces the default text (nested compression, UTF-16/32 text: same kind, another fix). */
  constructor(uri: string, format: string, magic: string, message?: string) {
    super(uri, message ?? `unsupported compression: ${format} (magic ${magic}); decompress it first`);
    this.format = format;
    this.magic = magic;
  }
}

/** The compressed stream is truncated or damaged; records decoded before the damage were scanned. */
export class CorruptCompressedStreamError extends IngestError {
  readonly kind = "corrupt-compressed-stream" as const;
  override readonly name = "CorruptCompressedStreamError";
  readonly compression: string;
  /** The decoder's reason, e.g. "unexpected end of file". */
  readonly reason: string;
  /** Compressed bytes consumed when the damage was found. */
  readonly atCompressedByte: number;

  constructor(uri: string, compression: string, reason: string, atCompressedByte: number, cause?: unknown) {
    super(
      uri,
      `corrupt or truncated ${compression} stream: ${reason} (after ${atCompressedByte} compressed bytes)`,
      { cause },
    );
    this.compression = compression;
    this.reason = reason;
    this.atCompressedByte = atCompressedByte;
  }
}

/**
 * Complete gzip members / zstd frames followed by bytes that are not another member or frame
 * (`... | gzip; printf XYZ`, zero padding after zstd). Everything decoded before those bytes was
 * delivered, so every record of the intact part was scanned; `gzip -d` decodes the same bytes and
 * says "trailing garbage ignored".
 */
export class DamagedTailError extends IngestError {
  readonly kind = "damaged-tail" as const;
  override readonly name = "DamagedTailError";
  readonly compression: string;
  /** Compressed offset where the damage starts, when known. */
  readonly atCompressedByte: number | undefined;

  constructor(uri: string, compression: string, detail: string, atCompressedByte?: number, cause?: unknown) {
    super(
      uri,
      `damaged tail: ${detail}; every record before it was scanned (gzip -d would say "trailing garbage ignored")`,
      { cause },
    );
    this.compression = compression;
    this.atCompressedByte = atCompressedByte;
  }
}

/** The object decompressed to more than the configured ceiling (a bomb, or a limit set too low). */
export class DecompressionLimitError extends IngestError {
  readonly kind = "decompression-limit" as const;
  override readonly name = "DecompressionLimitError";
  readonly limitBytes: number;
  readonly option: string;

  constructor(uri: string, message: string, limitBytes: number, option: string) {
    super(uri, message);
    this.limitBytes = limitBytes;
    this.option = option;
  }
}

/** The input stream itself failed (network, file system): transient, worth a retry. */
export class InputReadError extends IngestError {
  readonly kind = "read-error" as const;
  override readonly name = "InputReadError";

  constructor(uri: string, cause: unknown) {
    super(uri, `read error: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The caller's AbortSignal fired. */
export class ScanAbortedError extends IngestError {
  readonly kind = "aborted" as const;
  override readonly name = "ScanAbortedError";

  constructor(uri: string, reason?: unknown) {
    super(uri, `scan aborted${reason instanceof Error ? `: ${reason.message}` : ""}`, { cause: reason });
  }
}
