/**
 * Command-line inputs -> the objects to scan. Files are objects; directories are walked
 * recursively in sorted order; `s3://bucket/prefix` lists the prefix. An input that cannot be
 * read, or that holds no object at all, is a failure (exit code 2): a scan that read nothing
 * must never look like a clean scan.
 */
import { createReadStream } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  isS3Uri,
  listObjects,
  objectVersion,
  openObject,
  parseS3Uri,
  s3ErrorReason,
  s3Uri,
} from "../s3/index.ts";

export interface OpenedInput {
  readonly body: AsyncIterable<Uint8Array>;
  readonly version?: string;
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

/**
 * Largest read. 1 MiB, not 4: with 4 MiB reads an alert flood (131,072 hits in 635 MB) peaked at
 * 212-266 MB because more of each read's records and alerts outlived young-generation collections;
 * with 1 MiB it peaks at 178-187 MB, and a 635 MB file scans in the same time (bench:memory).
 */
export const FILE_READ_BYTES = 1024 * 1024;
/** Smallest read, so a file that grows while it is read still comes in sizeable chunks. */
const MIN_FILE_READ_BYTES = 64 * 1024;

/**
 * The read size for a file of `size` bytes: the file itself when it is small. A 1 MiB buffer
 * for every 1 KB file costs an allocation (and its zeroing) 1,000 times its size (with 4 MiB: 1,260 small
 * objects/s against about 5,500/s with a buffer sized to the file).
 */
export function readBytesFor(size: number | undefined): number {
  if (size === undefined) return FILE_READ_BYTES;
  return Math.min(FILE_READ_BYTES, Math.max(MIN_FILE_READ_BYTES, size));
}

function openFile(path: string, size: number | undefined, signal?: AbortSignal): OpenedInput {
  return {
    body: createReadStream(path, {
      highWaterMark: readBytesFor(size),
      ...(signal === undefined ? {} : { signal }),
    }),
  };
}

function fileTask(path: string, size: number): ObjectTask {
  return { uri: path, size, open: async (signal) => openFile(path, size, signal) };
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
async function* walk(dir: string, seen: Set<string>): AsyncGenerator<InputItem> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (err) {
    yield { kind: "failure", uri: dir, reason: errnoReason(err) };
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    yield { kind: "failure", uri: dir, reason: errnoReason(err) };
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (err) {
      yield { kind: "failure", uri: p, reason: errnoReason(err) };
      continue;
    }
    if (st.isDirectory()) yield* walk(p, seen);
    else if (st.isFile()) yield { kind: "object", task: fileTask(p, st.size) };
    // Sockets, FIFOs and devices in a log directory are not log objects: not read, not failures.
  }
}

async function* localInput(input: string): AsyncGenerator<InputItem> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(input);
  } catch (err) {
    yield { kind: "failure", uri: input, reason: errnoReason(err) };
    return;
  }
  if (st.isFile()) {
    yield { kind: "object", task: fileTask(input, st.size) };
    return;
  }
  if (st.isDirectory()) {
    let n = 0;
    for await (const item of walk(input, new Set())) {
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
      open: async (signal) => openFile(input, undefined, signal),
    },
  };
}

async function* s3Input(
  input: string,
  getS3: () => S3Client,
  signal?: AbortSignal,
): AsyncGenerator<InputItem> {
  let loc: ReturnType<typeof parseS3Uri>;
  try {
    loc = parseS3Uri(input);
  } catch (err) {
    yield { kind: "failure", uri: input, reason: (err as Error).message };
    return;
  }
  let n = 0;
  try {
    const s3 = getS3();
    for await (const o of listObjects(s3, loc, signal)) {
      n++;
      yield {
        kind: "object",
        task: {
          uri: s3Uri(loc.bucket, o.key),
          ...(o.size === undefined ? {} : { size: o.size }),
          open: async (sig) => {
            const opened = await openObject(s3, { bucket: loc.bucket, key: o.key }, sig);
            const version = objectVersion(opened);
            return { body: opened.body, ...(version === undefined ? {} : { version }) };
          },
        },
      };
    }
  } catch (err) {
    yield { kind: "failure", uri: input, reason: `listing failed: ${s3ErrorReason(err)}` };
    return;
  }
  if (n === 0) {
    yield { kind: "failure", uri: input, reason: "no objects under this prefix" };
  }
}

/** Every input, in the order given; a local file named twice is scanned once. */
export async function* expandInputs(
  inputs: readonly string[],
  getS3: () => S3Client,
  signal?: AbortSignal,
): AsyncGenerator<InputItem> {
  const seen = new Set<string>();
  for (const input of inputs) {
    const items = isS3Uri(input) ? s3Input(input, getS3, signal) : localInput(input);
    for await (const item of items) {
      // Only local paths are remembered: a listing of millions of S3 keys must not be held in memory.
      if (item.kind === "object" && !isS3Uri(item.task.uri)) {
        if (seen.has(item.task.uri)) continue;
        seen.add(item.task.uri);
      }
      yield item;
    }
  }
}
