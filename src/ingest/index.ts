/** The reader: one object's byte stream -> scan result (docs/reader.md). */
export type { ByteSource, DecompressStats, Sniffed } from "./decompress.ts";
export { decompressTo, decompressTuning, sniffCompression } from "./decompress.ts";
export type { ScanFailureKind } from "./errors.ts";
export {
  CorruptCompressedStreamError,
  DecompressionLimitError,
  IngestError,
  InputReadError,
  ScanAbortedError,
  UnsupportedCompressionError,
} from "./errors.ts";
export type { FrameHandler, Framing } from "./frame.ts";
export { Framer, RecordKind } from "./frame.ts";
export type {
  Compression,
  ScanFailure,
  ScanOptions,
  ScanResult,
  SourceName,
  SourceOption,
} from "./result.ts";
export { MAX_RECORD_BYTES_CEILING, resolveScanOptions, SCAN_DEFAULTS, scanObject } from "./scan.ts";
