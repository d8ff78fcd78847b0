/**
 * The reader's first half: one object's byte stream -> raw records (docs/reader.md). It knows no
 * rules, sources or alerts: src/scan runs the pipeline on what it hands out.
 */
export {
  type ByteSource,
  type Compression,
  type DecompressLimits,
  type DecompressOptions,
  type DecompressStats,
  type DecompressTuning,
  decompressTo,
  SMALL_GZIP_BYTES,
  SNIFF_BYTES,
  type Sniffed,
  sniffCompression,
  ZSTD_MAX_WINDOW_BYTES,
  type ZstdDecoderChoice,
  ZstdFrameWalker,
  zstdFrameWindowBytes,
} from "./decompress/index.ts";
export {
  CorruptCompressedStreamError,
  DamagedTailError,
  DecompressionLimitError,
  IngestError,
  InputReadError,
  ScanAbortedError,
  type ScanFailureKind,
  UnsupportedCompressionError,
} from "./errors.ts";
export {
  cwlEventRecord,
  cwlPayloadEvents,
  esHitSource,
  type FrameHandler,
  Framer,
  type Framing,
  isCwlPayload,
  isEsHit,
  kindOf,
  mayBeCwlPayload,
  RecordKind,
  shortReason,
} from "./frame/index.ts";
