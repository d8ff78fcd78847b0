/**
 * Command-line inputs -> the objects to scan. Files are objects; directories are walked
 * recursively in sorted order; `s3://bucket/prefix` lists the prefix. An input that cannot be
 * read, or that holds no object at all, is a failure (exit code 2): a scan that read nothing
 * must never look like a clean scan.
 */
import { createReadStream, type Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";

/**
 * src/s3, and the AWS SDK with it, is loaded only when an input is an s3:// URI: evaluating the
 * SDK cost 50-100 ms of every start, about 5% of a 10,000-small-file run (docs/performance.md).
 */
const loadS3 = () => import("../s3/index.ts");
type S3Module = Awaited<ReturnType<typeof loadS3>>;

/**
 * An s3:// input, told apart without loading src/s3 (the same test as its isS3Uri; a test keeps
 * the two in step).
 */
export function isS3Input(input: string): boolean {
  return input.startsWith("s3://");
}

/**
 * An input could not be opened; `reason` is short and does not repeat the URI (the summary prints
 * it once). S3's permanent and transient object errors are reported through it.
 */
export class InputOpenError extends Error {
  override readonly name = "InputOpenError";
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

import { FILE_READ_BYTES, FileReader, type SmallReadMode } from "./file-reader.ts";

export { FILE_READ_BYTES, readBytesFor, SMALL_FILE_BYTES, type SmallReadMode } from "./file-reader.ts";

export interface OpenedInput {
  readonly body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  readonly version?: string;
  /** Compressed size, when opening learnt it (a directory entry is listed without a stat). */
  readonly size?: number;
}

export interface ObjectTask {
  /** File path as given (joined with directory entries) or s3://bucket/key. */
  readonly uri: string;
  /** Compressed size when known (for the progress ETA). */
  readonly size?: number;
  open(signal?: AbortSignal): Promise<OpenedInput>;
}

export type InputItem =
  | { readonly kind: "object"; readonly task: ObjectTask }
  | { readonly kind: "failure"; readonly uri: string; readonly reason: string };

/** Anything that is not a regular file (a FIFO, /dev/stdin) is read as a stream to its end. */
function openStream(path: string, signal?: AbortSignal): OpenedInput {
  return {
    body: createReadStream(path, {
      highWaterMark: FILE_READ_BYTES,
      ...(signal === undefined ? {} : { signal }),
    }),
  };
}

/** A regular file; `size` when a stat gave it already (for the progress ETA). */
function fileTask(reader: FileReader, path: string, size?: number): ObjectTask {
  return {
    uri: path,
    ...(size === undefined ? {} : { size }),
    open: (signal) => reader.open(path, signal),
  };
}

function errnoReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return e?.message ?? String(err);
  }
}

/** Files under `dir`, depth first, entries sorted by name; directory symlink loops are cut. */
async function* walk(reader: FileReader, dir: string, seen: Set<string>): AsyncGenerator<InputItem> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (err) {
    yield { kind: "failure", uri: dir, reason: errnoReason(err) };
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield { kind: "failure", uri: dir, reason: errnoReason(err) };
    return;
  }
  // Same order as sorting the names as strings (UTF-16 code units).
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const p = join(dir, entry.name);
    // The entry's type is used as it is: a stat per file cost more than the read of a 1 KB file.
    // A symbolic link, or a file system that does not report types, is stat'ed (the link followed).
    if (entry.isFile()) {
      yield { kind: "object", task: fileTask(reader, p) };
      continue;
    }
    if (entry.isDirectory()) {
      yield* walk(reader, p, seen);
      continue;
    }
    if (!entry.isSymbolicLink() && knownType(entry)) continue;
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (err) {
      yield { kind: "failure", uri: p, reason: errnoReason(err) };
      continue;
    }
    if (st.isDirectory()) yield* walk(reader, p, seen);
    else if (st.isFile()) yield { kind: "object", task: fileTask(reader, p, st.size) };
    // Sockets, FIFOs and devices in a log directory are not log objects: not read, not failures.
  }
}

/** The entry reports a type other than file, directory and link (a socket, FIFO or device). */
function knownType(e: Dirent): boolean {
  return e.isFIFO() || e.isSocket() || e.isBlockDevice() || e.isCharacterDevice();
}

async function* localInput(reader: FileReader, input: string): AsyncGenerator<InputItem> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(input);
  } catch (err) {
    yield { kind: "failure", uri: input, reason: errnoReason(err) };
    return;
  }
  if (st.isFile()) {
    yield { kind: "object", task: fileTask(reader, input, st.size) };
    return;
  }
  if (st.isDirectory()) {
    let n = 0;
    for await (const item of walk(reader, input, new Set())) {
      n++;
      yield item;
    }
    if (n === 0) yield { kind: "failure", uri: input, reason: "directory holds no files" };
    return;
  }
  // A FIFO or character device given explicitly (e.g. /dev/stdin) is read as a stream.
  yield {
    kind: "object",
    task: {
      uri: input,
      open: async (signal) => openStream(input, signal),
    },
  };
}

async function* s3Input(
  input: string,
  getS3: () => S3Client | Promise<S3Client>,
  signal?: AbortSignal,
): AsyncGenerator<InputItem> {
  const m: S3Module = await loadS3();
  let loc: ReturnType<S3Module["parseS3Uri"]>;
  try {
    loc = m.parseS3Uri(input);
  } catch (err) {
    yield { kind: "failure", uri: input, reason: (err as Error).message };
    return;
  }
  let n = 0;
  try {
    const s3 = await getS3();
    for await (const o of m.listObjects(s3, loc, signal)) {
      n++;
      yield {
        kind: "object",
        task: {
          uri: m.s3Uri(loc.bucket, o.key),
          ...(o.size === undefined ? {} : { size: o.size }),
          open: async (sig) => {
            let opened: Awaited<ReturnType<S3Module["openObject"]>>;
            try {
              opened = await m.openObject(s3, { bucket: loc.bucket, key: o.key }, sig);
            } catch (err) {
              if (err instanceof m.PermanentObjectError || err instanceof m.TransientObjectError) {
                throw new InputOpenError(err.reason, { cause: err });
              }
              throw err;
            }
            const version = m.objectVersion(opened);
            return { body: opened.body, ...(version === undefined ? {} : { version }) };
          },
        },
      };
    }
  } catch (err) {
    yield { kind: "failure", uri: input, reason: `listing failed: ${m.s3ErrorReason(err)}` };
    return;
  }
  if (n === 0) {
    yield { kind: "failure", uri: input, reason: "no objects under this prefix" };
  }
}

/** Every input, in the order given; a local file named twice is scanned once. */
export async function* expandInputs(
  inputs: readonly string[],
  getS3: () => S3Client | Promise<S3Client>,
  signal?: AbortSignal,
  options: { readonly smallReads?: SmallReadMode } = {},
): AsyncGenerator<InputItem> {
  const reader = new FileReader(options.smallReads);
  const seen = new Set<string>();
  for (const input of inputs) {
    const items = isS3Input(input) ? s3Input(input, getS3, signal) : localInput(reader, input);
    for await (const item of items) {
      // Only local paths are remembered: a listing of millions of S3 keys must not be held in memory.
      if (item.kind === "object" && !isS3Input(item.task.uri)) {
        if (seen.has(item.task.uri)) continue;
        seen.add(item.task.uri);
      }
      yield item;
    }
  }
}
