/**
 * The back-scan summary's accounting on hand-built ResultWriter files (a fake S3 client serves
 * them; test/e2e/backfill.test.ts runs the same against the loopback S3 server).
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import type { S3Client } from "@aws-sdk/client-s3";
import { isBackfillSummaryEvent, summariseBackfill } from "../../src/lambda/backfill-summary.ts";

function fakeS3(files: Record<string, string>): S3Client {
  return {
    send: async (command: { input: { Bucket: string; Key: string } }) => {
      const text = files[`${command.input.Bucket}/${command.input.Key}`];
      if (text === undefined) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
      const body = Readable.from([Buffer.from(text)]) as Readable & {
        transformToString?: () => Promise<string>;
      };
      body.transformToString = async () => text;
      return { Body: body };
    },
  } as unknown as S3Client;
}

const items = (...keys: string[]) => ({ Items: keys.map((Key) => ({ Key })), BatchInput: { bucket: "b" } });
const succeeded = (input: unknown, output: unknown) =>
  JSON.stringify({ Status: "SUCCEEDED", Input: JSON.stringify(input), Output: JSON.stringify(output) });
const manifest = (files: Record<string, string[]>) =>
  JSON.stringify({
    DestinationBucket: "r",
    ResultFiles: Object.fromEntries(
      Object.entries(files).map(([k, v]) => [k, v.map((Key) => ({ Key, Size: 1 }))]),
    ),
  });
const event = { BackfillSummary: { bucket: "r", manifest: "run/manifest.json" } };

describe("back-scan summary", () => {
  test("only the exact event shape is a summary request", () => {
    assert.equal(isBackfillSummaryEvent(event), true);
    for (const e of [
      null,
      "x",
      {},
      { BackfillSummary: {} },
      { BackfillSummary: { bucket: "r" } },
      items("a"),
    ]) {
      assert.equal(isBackfillSummaryEvent(e), false, JSON.stringify(e));
    }
  });

  test("outcomes are counted per object; transient failures keep their flag; gaps are failures", async () => {
    const s3 = fakeS3({
      "r/run/manifest.json": manifest({ SUCCEEDED: ["run/S0.json"], PENDING: ["run/P0.json"] }),
      "r/run/S0.json": [
        succeeded(items("a", "b", "c", "d"), {
          records: 30,
          malformed: 1,
          alerts: 2,
          results: [
            { key: "a", outcome: "scanned", records: 10, alerts: 2 },
            { key: "b", outcome: "duplicate", records: 0, alerts: 0 },
            { key: "c", outcome: "partial", records: 20, alerts: 0, reason: "corrupt-compressed-stream" },
            { key: "d", outcome: "failed", records: 0, alerts: 0, reason: "SlowDown", transient: true },
          ],
        }),
        "",
        // A batch answered by a function without per-object results: its objects are not "scanned".
        succeeded(items("e"), { records: 1, malformed: 0, alerts: 0, failed: [] }),
      ].join("\n"),
      "r/run/P0.json": `${JSON.stringify({ Status: "ABORTED", Input: JSON.stringify(items("f")) })}\n`,
    });
    const s = await summariseBackfill(event, s3);
    assert.deepEqual(
      {
        listed: s.listed,
        scanned: s.scanned,
        duplicate: s.duplicate,
        partial: s.partial,
        failedCount: s.failedCount,
        records: s.records,
        malformed: s.malformed,
        alerts: s.alerts,
        failedBatches: s.failedBatches,
      },
      {
        listed: 6,
        scanned: 1,
        duplicate: 1,
        partial: 1,
        failedCount: 4,
        records: 31,
        malformed: 1,
        alerts: 2,
        failedBatches: 1,
      },
    );
    assert.deepEqual(s.failed, [
      { key: "c", reason: "corrupt-compressed-stream" },
      { key: "d", reason: "SlowDown", transient: true },
      { key: "e", reason: "no result for this object in its batch" },
      { key: "f", reason: "batch ABORTED: no error: " },
    ]);
    assert.deepEqual(s.failedKeys, ["c", "d", "e", "f"]);
  });

  test("a long cause is clipped; an unparsable result line is an error, not a silent skip", async () => {
    const cause = "x".repeat(10_000);
    const ok = await summariseBackfill(
      event,
      fakeS3({
        "r/run/manifest.json": manifest({ FAILED: ["run/F0.json"] }),
        "r/run/F0.json": JSON.stringify({
          Status: "FAILED",
          Error: "Lambda.Unknown",
          Cause: cause,
          Input: items("a"),
        }),
      }),
    );
    assert.ok(ok.failed[0]!.reason.length < 400);
    await assert.rejects(
      summariseBackfill(
        event,
        fakeS3({
          "r/run/manifest.json": manifest({ SUCCEEDED: ["run/S0.json"] }),
          "r/run/S0.json": "{oops\n",
        }),
      ),
      /run\/S0\.json: not JSON/,
    );
  });
});
