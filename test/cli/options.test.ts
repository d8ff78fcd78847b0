import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatBytes, parseByteSize } from "../../src/cli/options.ts";
import { renderText, safeText } from "../../src/cli/render.ts";

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

describe("text rendering never passes control characters through", () => {
  test("safeText escapes escapes", () => {
    assert.equal(safeText("a\u001b[31mred\r\nb\u0000\u2028"), "a\\u001b[31mred\\r\\nb\\u0000\\u2028");
    assert.equal(safeText("x".repeat(10), 4), "xxxx… (10 chars)");
  });
  test("an alert with hostile values renders on clean lines", () => {
    const text = renderText({
      id: "abc",
      rule: { id: "r\u001b]0;pwned\u0007", name: "N\r", severity: "low", risk_score: 21, threat: [] },
      source: { uri: "s3://b/k\n", record: 3 },
      event: { "file.path": "/etc/\u001b[2Jx", "process.args": ["a\nb", "c"] },
      raw: {},
    });
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f]/);
    assert.match(text, /file\.path {5}\/etc\/\\u001b\[2Jx/);
    assert.match(text, /process\.args {2}a\\nb, c/);
    assert.match(text, /object: {2}s3:\/\/b\/k\\n record 3/);
  });
});
