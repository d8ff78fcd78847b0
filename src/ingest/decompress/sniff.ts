/**
 * What the first bytes say: the compression of an object (from its magic bytes only, never the
 * key's extension or Content-Type), and whether its decoded text is something we can frame.
 */

export type Compression = "gzip" | "zstd" | "none";

export type Sniffed =
  | { readonly kind: Compression }
  | { readonly kind: "unsupported"; readonly format: string };

interface Magic {
  readonly bytes: readonly number[];
  readonly format: string;
}

/** Longest magic below; the sniffer waits for this many bytes (or the end of the stream). */
export const SNIFF_BYTES = 10;

const UNSUPPORTED: readonly Magic[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], format: "zip" },
  { bytes: [0x50, 0x4b, 0x05, 0x06], format: "zip" }, // empty archive
  { bytes: [0x50, 0x4b, 0x07, 0x08], format: "zip" }, // spanned archive
  { bytes: [0x42, 0x5a, 0x68], format: "bzip2" },
  { bytes: [0x50, 0x41, 0x52, 0x31], format: "parquet" },
  { bytes: [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59], format: "snappy-framed" },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], format: "xz" },
  { bytes: [0x04, 0x22, 0x4d, 0x18], format: "lz4" },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], format: "7z" },
];

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

/** A zstd frame (`28 b5 2f fd`) or skippable frame (`5? 2a 4d 18`) starts at `at`. */
export function isZstdMagic(b: Uint8Array, at = 0): boolean {
  if (b.length - at < 4) return false;
  if (b[at] === 0x28 && b[at + 1] === 0xb5 && b[at + 2] === 0x2f && b[at + 3] === 0xfd) return true;
  return (b[at]! & 0xf0) === 0x50 && b[at + 1] === 0x2a && b[at + 2] === 0x4d && b[at + 3] === 0x18;
}

/** Decides the compression from the first bytes of an object (give it SNIFF_BYTES if there are that many). */
export function sniffCompression(head: Uint8Array): Sniffed {
  if (startsWith(head, [0x1f, 0x8b])) return { kind: "gzip" };
  if (isZstdMagic(head)) return { kind: "zstd" };
  for (const m of UNSUPPORTED)
    if (startsWith(head, m.bytes)) return { kind: "unsupported", format: m.format };
  return { kind: "none" };
}

export function hexMagic(head: Uint8Array, n = 4): string {
  return Array.from(head.subarray(0, n), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Decoded bytes the output check looks at (longest: a UTF-32 BOM, or two NUL-interleaved UTF-16 units). */
export const OUTPUT_HEAD_BYTES = 4;

/**
 * What the first decoded bytes say about the text, or undefined when they look like UTF-8/ASCII.
 * Without this check a second compression layer (CloudWatch Logs data is gzipped and Firehose may
 * gzip it again) or a UTF-16 export would be framed as garbage: a few "malformed" records and a
 * clean-looking scan whose hits were all lost.
 */
export function sniffOutput(
  head: Uint8Array,
  outer: Compression,
): { format: string; message: string } | undefined {
  // Every object passes here: the hex string is built only for a refusal (it cost 2-3 us per
  // 1 KB object, about 2% of the CLI's small-file time).
  const magic = () => hexMagic(head);
  if (outer !== "none") {
    const inner = sniffCompression(head);
    if (inner.kind !== "none") {
      const format = `${inner.kind === "unsupported" ? inner.format : inner.kind} inside ${outer}`;
      return {
        format,
        message:
          `unsupported compression: ${format} (decompressed bytes start ${magic()}); ` +
          "the object is compressed twice: decompress the outer layer first (e.g. gunzip -c obj | gunzip -c)",
      };
    }
  }
  let encoding: string | undefined;
  let how: string | undefined;
  const b = (i: number) => (i < head.length ? head[i]! : -1);
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) {
    encoding = "UTF-32LE";
    how = `BOM ${magic()}`;
  } else if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) {
    encoding = "UTF-32BE";
    how = `BOM ${magic()}`;
  } else if (b(0) === 0xff && b(1) === 0xfe) encoding = "UTF-16LE";
  else if (b(0) === 0xfe && b(1) === 0xff) encoding = "UTF-16BE";
  else if (head.length >= 4 && b(0) > 0 && b(1) === 0 && b(2) > 0 && b(3) === 0) {
    encoding = "UTF-16LE";
    how = `no BOM, NUL-interleaved: ${magic()}`;
  } else if (head.length >= 4 && b(0) === 0 && b(1) > 0 && b(2) === 0 && b(3) > 0) {
    encoding = "UTF-16BE";
    how = `no BOM, NUL-interleaved: ${magic()}`;
  }
  if (encoding === undefined) return undefined;
  how ??= `BOM ${hexMagic(head, 2)}`;
  return {
    format: encoding,
    message: `unsupported encoding: ${encoding} text (${how}); convert it to UTF-8 first (e.g. iconv -f ${encoding} -t UTF-8)`,
  };
}
