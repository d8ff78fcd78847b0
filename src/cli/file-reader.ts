/**
 * Opening a local regular file for the reader. A file of at most SMALL_FILE_BYTES is read in one
 * call and handed over whole, as a one-element array: the reader then knows at once that the
 * object has ended and decodes a small gzip body in one step (its own one-step limit is the same
 * 256 KiB). Larger files are streamed through the same descriptor.
 *
 * Why: with a stream per file and four files read at once, the end-of-file read often came after
 * the reader's 2 ms wait, so most 1 KB objects took the streaming gunzip with its 1 MiB buffer,
 * and each file cost a stat and four more file-system calls (docs/performance.md, "Small objects
 * through the CLI"): 1,400 objects/s, 590 us of CPU per object.
 */
import fs, { createReadStream } from "node:fs";

/** Largest file read in one call; more is streamed. */
export const SMALL_FILE_BYTES = 256 * 1024;

/**
 * Largest stream read. 1 MiB, not 4: with 4 MiB reads an alert flood (131,072 hits in 635 MB)
 * peaked at 212-266 MB because more of each read's records and alerts outlived young-generation
 * collections; with 1 MiB it peaks at 178-187 MB, and a 635 MB file scans in the same time
 * (bench:memory).
 */
export const FILE_READ_BYTES = 1024 * 1024;
/** Smallest stream read, so a file that grows while it is read still comes in sizeable chunks. */
const MIN_FILE_READ_BYTES = 64 * 1024;

/**
 * The stream read size for a file of `size` bytes: the file itself when it is small. A 1 MiB
 * buffer for every 1 KB file costs an allocation (and its zeroing) 1,000 times its size.
 */
export function readBytesFor(size: number | undefined): number {
  if (size === undefined) return FILE_READ_BYTES;
  return Math.min(FILE_READ_BYTES, Math.max(MIN_FILE_READ_BYTES, size));
}

/** What an opened input is: the bytes, and what opening learnt. */
export interface OpenedFile {
  readonly body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** Size in bytes (the whole body when read in one call; fstat's when streamed). */
  readonly size: number;
}

/**
 * "adaptive" (default): small files are read with synchronous calls while those are fast, and
 * with the thread pool once they are not; "sync" / "async" force one way (tests, benchmarks).
 */
export type SmallReadMode = "adaptive" | "sync" | "async";

/** A synchronous open + read slower than this counts as slow. */
const SLOW_SYNC_READ_MS = 1;
/** Of the last 16 synchronous reads, this many slow ones switch the run to the thread pool. */
const SLOW_READS_TO_SWITCH = 8;
/**
 * Read buffers of SMALL_FILE_BYTES + 1, reused: a read lands in one and its bytes are copied out
 * (a 1 KB copy instead of a fresh 256 KiB allocation per file). At most one per read in flight.
 */
const SCRATCH_KEPT = 16;

// O_NONBLOCK: a regular file replaced by a FIFO after it was listed must not block the open
// (a synchronous one would hang the whole run); on a regular file the flag changes nothing.
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

/**
 * Opens local regular files for one run. Synchronous reads: from the page cache or a local disk,
 * open + read + close of a 1 KB file cost about 10 us on this machine's main thread, against
 * 40-110 us through the thread pool (three hand-offs, each a wake-up of a pool thread that, on a
 * busy 2-core machine, preempts the main thread). They block the event loop, which is harmless
 * while they are that short; on a slow or network file system (over 1 ms each, most of the time),
 * the run switches to the thread pool for good, where --concurrency overlaps the waits.
 */
export class FileReader {
  private readonly scratch: Buffer[] = [];
  private sync: boolean;
  /** One bit per recent synchronous read, 1 when it was slow (last 16). */
  private recentSlow = 0;

  /** `now`: milliseconds, for timing the synchronous reads (a fake clock in tests). */
  constructor(
    private readonly mode: SmallReadMode = "adaptive",
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sync = mode !== "async";
  }

  /** True while small files are read with synchronous calls. */
  get readsSynchronously(): boolean {
    return this.sync;
  }

  /**
   * Opens `path`. One read of up to SMALL_FILE_BYTES + 1 tells a small file from a large one
   * whatever a directory listing or stat said before: a file that grew past the limit since is
   * streamed from its first byte, one that shrank is what this read returned (a short read of a
   * regular file is its end). Errors are node's, naming the call and the path.
   */
  async open(path: string, signal?: AbortSignal): Promise<OpenedFile> {
    signal?.throwIfAborted();
    const buf = this.scratch.pop() ?? Buffer.allocUnsafeSlow(SMALL_FILE_BYTES + 1);
    let fd: number | undefined;
    let n: number;
    let whole: Buffer | undefined;
    try {
      if (this.sync) {
        const t0 = this.now();
        fd = fs.openSync(path, OPEN_FLAGS);
        n = fs.readSync(fd, buf, 0, buf.length, 0);
        this.noteSyncRead(this.now() - t0);
      } else {
        fd = await openAsync(path);
        n = await readAsync(fd, buf);
      }
      if (n <= SMALL_FILE_BYTES) whole = Buffer.from(buf.subarray(0, n));
    } catch (e) {
      if (fd !== undefined) this.close(fd);
      throw e;
    } finally {
      if (this.scratch.length < SCRATCH_KEPT) this.scratch.push(buf);
    }
    if (whole !== undefined) {
      this.close(fd);
      return { body: [whole], size: whole.length };
    }
    let size: number;
    try {
      size = await fstatSize(fd);
      signal?.throwIfAborted();
    } catch (e) {
      this.close(fd);
      throw e;
    }
    return {
      body: createReadStream("", {
        fd,
        start: 0,
        highWaterMark: readBytesFor(size),
        ...(signal === undefined ? {} : { signal }),
      }),
      size,
    };
  }

  private noteSyncRead(ms: number): void {
    if (this.mode !== "adaptive") return;
    this.recentSlow = ((this.recentSlow << 1) | (ms > SLOW_SYNC_READ_MS ? 1 : 0)) & 0xffff;
    if (popcount16(this.recentSlow) >= SLOW_READS_TO_SWITCH) this.sync = false;
  }

  private close(fd: number): void {
    // A read-only descriptor has nothing to flush: a failed close loses no data.
    if (this.sync) {
      try {
        fs.closeSync(fd);
      } catch {
        // see above
      }
    } else {
      fs.close(fd, () => {});
    }
  }
}

function popcount16(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

function openAsync(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(path, OPEN_FLAGS, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

function readAsync(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, 0, buf.length, 0, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

function fstatSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st.size)));
  });
}
