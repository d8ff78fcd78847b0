/**
 * Bounded memory: a generated ~300 MB NDJSON object with a 64 MiB line without a newline,
 * streamed through scanObject in a child process (so the peak RSS is the scan's own), gzipped
 * and plain, with an AbortSignal as the CLI and the Lambda pass one. Plain input is the case
 * that shows a leak of input chunks: each chunk is a MiB of the object (a leak of gzip input
 * holds only the compressed size). The figures are printed; only the counts and a generous RSS
 * ceiling are asserted (no timings).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

for (const compression of ["gzip", "plain"]) {
  test(`a 300 MB generated ${compression} object with a 64 MiB line scans in bounded memory, with a signal`, (t) => {
    const child = fileURLToPath(new URL("./memory-child.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", child, "300", compression, "signal"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    t.diagnostic(`memory test: ${JSON.stringify(out)}`);
    assert.equal(out.withSignal, true);
    assert.equal(out.failure, null);
    assert.ok(out.decompressedBytes > 300e6);
    assert.equal(out.records, out.generatedRecords);
    assert.equal(out.malformed, 0);
    assert.equal(out.skipped, 1);
    assert.equal(out.skippedSamples[0].bytes, 64 * 1024 * 1024 + 2);
    assert.equal(out.alerts, out.plantedAlerts);
    assert.ok(out.alerts >= 10);
    // About 170 MB measured (80 MB of it Node and the TypeScript loader); an object-sized leak
    // would add the 300 MB.
    assert.ok(out.peakRssMB < 300, `peak RSS ${out.peakRssMB} MB`);
  });
}
