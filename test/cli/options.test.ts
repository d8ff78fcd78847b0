import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatBytes, parseByteSize } from "../../src/cli/options.ts";

describe("parseByteSize", () => {
  const ok: [string, number][] = [
    ["8388608", 8388608],
    ["8MiB", 8 * 1024 ** 2],
    ["8 MiB", 8 * 1024 ** 2],
    ["8m", 8 * 1024 ** 2],
    ["64GiB", 64 * 1024 ** 3],
    ["64G", 64 * 1024 ** 3],
    ["1.5GB", 1.5e9],
    ["2kb", 2000],
    ["512B", 512],
    ["1TiB", 1024 ** 4],
  ];
  for (const [text, n] of ok) test(`${text} = ${n}`, () => assert.equal(parseByteSize(text), n));
  for (const text of ["", "MiB", "-1", "1.5", "8XB", "8 MiB MiB", "1e9", "0x10", "99999999999999999999TiB"]) {
    test(`${JSON.stringify(text)} is not a size`, () => assert.equal(parseByteSize(text), undefined));
  }
});

describe("formatBytes", () => {
  test("decimal units", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(999), "999 B");
    assert.equal(formatBytes(1500), "1.50 kB");
    assert.equal(formatBytes(93_500_000), "93.5 MB");
    assert.equal(formatBytes(635_000_000), "635 MB");
  });
});
