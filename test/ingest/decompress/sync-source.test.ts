/**
 * Plain (synchronous) iterables as input: the CLI hands a small file over as a one-element array
 * whose end is known at once. The same bytes must give the same output as through an async
 * source and through the stream path, whether the array holds one chunk or many, and the abort
 * signal and read errors must behave as for any input.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import {
  type ByteSource,
  type DecompressStats,
  decompressTo,
  InputReadError,
  ScanAbortedError,
} from "../../../src/ingest/index.ts";

const stats = (): DecompressStats => ({ compression: "none", compressedBytes: 0, decompressedBytes: 0 });
const limits = { uri: "mem://sync", maxDecompressedBytes: 1e12, maxCompressionRatio: 0 };

function text(lines: number, pad: () => string = () => ""): string {
  let s = "";
  for (let i = 0; i < lines; i++) s += `${JSON.stringify({ n: i, pad: pad() })}\n`;
  return s;
}

async function decode(
  source: ByteSource,
  options: { smallGzipBytes?: number; signal?: AbortSignal } = {},
): Promise<{ out: string; stats: DecompressStats }> {
  const parts: Buffer[] = [];
  const st = stats();
  await decompressTo(
    source,
    (c) => parts.push(Buffer.from(c)),
    {
      ...limits,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.smallGzipBytes === undefined ? {} : { tuning: { smallGzipBytes: options.smallGzipBytes } }),
    },
    st,
  );
  return { out: Buffer.concat(parts).toString(), stats: st };
}

function split(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

async function* asAsync(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield c;
}

describe("synchronous sources", () => {
  const small = text(20);
  const gz = gzipSync(small);

  test("a one-element array of gzip gives the whole text, as the stream path does", async () => {
    const viaArray = await decode([gz]);
    const viaStream = await decode(asAsync([gz]), { smallGzipBytes: 0 });
    assert.equal(viaArray.out, small);
    assert.equal(viaStream.out, small);
    assert.equal(viaArray.stats.compressedBytes, gz.length);
    assert.equal(viaArray.stats.decompressedBytes, small.length);
    assert.equal(viaArray.stats.compression, "gzip");
  });

  test("an array of many small chunks, and a sync generator, give the same text", async () => {
    assert.equal((await decode(split(gz, 7))).out, small);
    function* gen(): Generator<Buffer> {
      for (const c of split(gz, 3)) yield c;
    }
    assert.equal((await decode(gen())).out, small);
  });

  test("an array of gzip over the one-step limit is streamed, every byte", async () => {
    const big = text(300, () => randomBytes(900).toString("base64"));
    const bigGz = gzipSync(big);
    assert.ok(bigGz.length > 256 * 1024);
    assert.equal((await decode([bigGz])).out, big);
    assert.equal((await decode(split(bigGz, 100_000))).out, big);
  });

  test("plain text and several gzip members from an array", async () => {
    assert.equal((await decode([Buffer.from(small)])).out, small);
    const two = Buffer.concat([gzipSync("a\n"), gzipSync("b\n")]);
    assert.equal((await decode([two])).out, "a\nb\n");
  });

  test("an already aborted signal stops a synchronous source before any output", async () => {
    const c = new AbortController();
    c.abort(new Error("stop"));
    const parts: Buffer[] = [];
    await assert.rejects(
      decompressTo([gz], (x) => parts.push(x), { ...limits, signal: c.signal }, stats()),
      ScanAbortedError,
    );
    assert.equal(parts.length, 0);
  });

  test("a signal aborted during a synchronous source stops it (aborted, not a read error)", async () => {
    const c = new AbortController();
    const chunks = split(gz, 5);
    function* gen(): Generator<Buffer> {
      for (let i = 0; i < chunks.length; i++) {
        if (i === 3) c.abort(new Error("stop"));
        yield chunks[i]!;
      }
    }
    await assert.rejects(decode(gen(), { signal: c.signal }), ScanAbortedError);
  });

  test("a synchronous source that throws is a read error, after what came before", async () => {
    const plain = Buffer.from(text(5));
    function* gen(): Generator<Buffer> {
      yield plain;
      throw new Error("disk gone");
    }
    const parts: Buffer[] = [];
    await assert.rejects(
      decompressTo(gen(), (x) => parts.push(Buffer.from(x)), limits, stats()),
      (e: unknown) => e instanceof InputReadError && /disk gone/.test(String((e as Error).message)),
    );
    assert.equal(Buffer.concat(parts).toString(), plain.toString());
  });
});
