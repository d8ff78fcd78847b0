/**
 * The caller's input as a pull of Buffers: an S3 GetObject body, a file stream, stdin, any
 * (async) iterable of bytes. Owns the abort wiring of each read and the release of the input.
 */
import { Readable } from "node:stream";
import { InputReadError, ScanAbortedError } from "../errors.ts";

/**
 * What the caller's input may be: an S3 GetObject body, a file stream, any async iterable of
 * bytes, or a plain iterable of chunks (an array: a small file read whole, whose end is known).
 */
export type ByteSource =
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | NodeJS.ReadableStream;

/** The next chunk of input, or null at its end. */
export type Next = () => Promise<Buffer | null>;

function toBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (typeof c === "string") return Buffer.from(c, "utf8");
  throw new TypeError(`input chunk is ${c === null ? "null" : typeof c}, expected bytes (Uint8Array)`);
}

/**
 * An async iterator over the input; a plain (sync) iterable of chunks is accepted too, and is
 * marked synchronous: its reads never wait (a small file read whole, an in-memory body).
 */
function iteratorOf(
  source: unknown,
  uri: string,
): { iterator: AsyncIterator<unknown>; synchronous: boolean } {
  const s = source as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (s !== null && typeof s === "object") {
    if (typeof s[Symbol.asyncIterator] === "function") {
      return { iterator: s[Symbol.asyncIterator]!(), synchronous: false };
    }
    if (typeof s[Symbol.iterator] === "function" && !(s instanceof Uint8Array)) {
      const it = s[Symbol.iterator]!();
      return {
        iterator: {
          next: async () => it.next(),
          return: async () => it.return?.() ?? { done: true, value: undefined },
        },
        synchronous: true,
      };
    }
  }
  throw new TypeError(`${uri}: scanObject input must be an async iterable of bytes or a Node Readable`);
}

export interface Input {
  readonly next: Next;
  /** Every read resolves at once (a plain iterable): no read can make us wait. */
  readonly synchronous: boolean;
  /** The input reported its end. */
  readonly finished: () => boolean;
  /**
   * Copy each chunk from now on. Compressed input is held across reads (look-ahead, zlib's write
   * queue, fzstd's partial block): from a plain async iterable it is copied, so a caller that
   * reuses its buffer for the next chunk cannot change bytes we still hold. A Node Readable hands
   * its chunks over for good (stream contract), so it is never copied.
   */
  readonly copyFromNowOn: () => boolean;
  readonly checkAbort: () => void;
  /** Releases an input we stopped reading early (an S3 body holds a socket). */
  readonly release: () => void;
}

export function openInput(source: ByteSource, uri: string, signal: AbortSignal | undefined): Input {
  const { iterator, synchronous } = iteratorOf(source, uri);
  let finished = false;
  let copy = false;

  // Each read gets its own abort listener, removed when the read settles. A single abort promise
  // raced against every read would keep a reaction per read, and with it every chunk, alive for
  // the whole object (issue 12: RSS grew with the object whenever a signal was passed).
  const read = (): Promise<IteratorResult<unknown>> => {
    const p = iterator.next();
    // A read that resolves at once needs no abort listener: the signal is checked before it.
    if (signal === undefined || (synchronous && !signal.aborted)) return p;
    if (signal.aborted) {
      p.catch(() => {});
      return Promise.reject(new ScanAbortedError(uri, signal.reason));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new ScanAbortedError(uri, signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      p.then(
        (r) => {
          signal.removeEventListener("abort", onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  };

  const next: Next = async () => {
    let r: IteratorResult<unknown>;
    try {
      r = await read();
    } catch (e) {
      if (e instanceof ScanAbortedError) throw e;
      throw new InputReadError(uri, e);
    }
    if (r.done) {
      finished = true;
      return null;
    }
    const b = toBuffer(r.value);
    return copy ? Buffer.from(b) : b;
  };

  return {
    next,
    synchronous,
    finished: () => finished,
    copyFromNowOn: () => {
      copy = !(source instanceof Readable);
      return copy;
    },
    checkAbort: () => {
      if (signal?.aborted) throw new ScanAbortedError(uri, signal.reason);
    },
    release: () => {
      if (finished) return;
      const s = source as { destroy?: () => void };
      if (typeof s.destroy === "function") s.destroy();
      else void iterator.return?.()?.catch(() => {});
    },
  };
}
