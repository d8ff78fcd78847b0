/**
 * The zstd frame walker: it must follow frames exactly (headers, block sizes, checksums,
 * skippable frames) across any chunking, or a damaged tail would be misplaced.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ZstdFrameWalker } from "../../../src/ingest/index.ts";
import { randomSizes, zstdFrames, zstdRawFrame } from "../helpers.ts";

/** Feeds `bytes` in pieces as the reader does (carrying undecided magic bytes); returns the frame bytes and whether junk was found. */
function walk(bytes: Uint8Array, sizes: readonly number[]): { frameBytes: number; junk: boolean } {
  const w = new ZstdFrameWalker();
  let carry = Buffer.alloc(0);
  let frameBytes = 0;
  let pos = 0;
  let k = 0;
  while (pos < bytes.length) {
    const n = sizes[k++ % sizes.length]!;
    const b = Buffer.concat([carry, bytes.subarray(pos, pos + n)]);
    pos += n;
    const used = w.feed(b);
    frameBytes += used;
    if (w.junk) return { frameBytes, junk: true };
    carry = b.subarray(used);
  }
  return { frameBytes, junk: carry.length > 0 };
}

/** A frame with a content size field, a checksum flag and an RLE block, written by hand. */
function handFrame(): Buffer {
  // Descriptor 0x64: FCS flag 1 (2 bytes), single segment, checksum; content size 300 - 256 = 44.
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x64, 44, 0]);
  const rle = (size: number, last: boolean) => {
    const h = (size << 3) | (1 << 1) | (last ? 1 : 0);
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x61]);
  };
  return Buffer.concat([header, rle(100, false), rle(200, true), Buffer.from([1, 2, 3, 4])]);
}

describe("ZstdFrameWalker", () => {
  const data = Buffer.from("x".repeat(5000));
  const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
  const objects: [string, Buffer][] = [
    ["raw frames", zstdFrames(data, [1000, 2500])],
    ["one frame", zstdRawFrame(data)],
    ["skippable + frame + skippable", Buffer.concat([skippable, zstdRawFrame(data), skippable])],
    ["content size, RLE blocks, checksum", Buffer.concat([handFrame(), handFrame()])],
  ];
  for (const [name, z] of objects) {
    test(`${name}: every byte is frame data, whatever the chunking`, () => {
      for (const sizes of [[z.length], [1], [3], randomSizes(9, 30, 40)]) {
        assert.deepEqual(walk(z, sizes), { frameBytes: z.length, junk: false }, `${name} ${sizes[0]}`);
      }
    });
    test(`${name}: junk after the last frame starts exactly where the frames end`, () => {
      for (const junk of ["X", "XYZ", "\0\0\0\0\0", "not a frame at all"]) {
        const bytes = Buffer.concat([z, Buffer.from(junk)]);
        for (const sizes of [[bytes.length], [1], [2], randomSizes(5, 30, 50)]) {
          assert.deepEqual(
            walk(bytes, sizes),
            { frameBytes: z.length, junk: true },
            `${JSON.stringify(junk)} ${sizes[0]}`,
          );
        }
      }
    });
  }
});
