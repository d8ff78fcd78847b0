/** processEvent with hand-built fakes: how each failure kind maps to retry, publish and result. */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Alert } from "../../src/alerts/index.ts";
import { scanFingerprint } from "../../src/lambda/fingerprint.ts";
import {
  type Deps,
  type ObjectOutcome,
  type OnceFn,
  processEvent,
  type ScanFn,
} from "../../src/lambda/process.ts";
import type { Rule } from "../../src/rules/index.ts";
import { isPermanentS3Error } from "../../src/s3/index.ts";
import type { ScanResult } from "../../src/scan/index.ts";
import { makeAlert } from "../fixtures/lambda/alerts.ts";
import { recordingLogger, recordingMetrics, s3Record, sqsBatch } from "../fixtures/lambda/e2e.ts";

function fakes(
  scanResult: (uri: string) => Partial<ScanResult> & { alerts?: readonly Alert[] },
  getObject?: (key: string) => unknown,
) {
  const published: unknown[] = [];
  const s3 = {
    send: async (cmd: { input: { Key: string } }) => {
      const r = getObject?.(cmd.input.Key);
      if (r instanceof Error) throw r;
      return { Body: Readable.from([Buffer.from("{}\n")]), ETag: '"e"' };
    },
  } as unknown as S3Client;
  const sns = {
    send: async (cmd: { input: unknown }) => {
      published.push(cmd.input);
      return {};
    },
  } as unknown as SNSClient;
  const scan: ScanFn = async (_input, options) => {
    // scanObject streams alerts through onAlert; the result only counts them.
    const { alerts = [], ...rest } = scanResult(options.uri);
    for (const a of alerts) options.onAlert?.(a);
    return {
      uri: options.uri,
      compression: "gzip",
      framing: "ndjson",
      compressedBytes: 10,
      decompressedBytes: 20,
      records: 2,
      malformed: 0,
      malformedSamples: [],
      skipped: 0,
      skippedSamples: [],
      alertCount: alerts.length,
      durationMs: 1,
      ...rest,
    };
  };
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const deps: Deps = {
    config: {
      alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
      idempotencyTtlSeconds: 60,
      s3ForcePathStyle: false,
    },
    s3,
    sns,
    rules: [] as Rule[],
    scan,
    logger,
    metrics,
  };
  return { deps, published, logger, metrics };
}

const batch = (...keys: string[]) => sqsBatch(keys.map((k) => ({ Records: [s3Record("b", k, "etag")] })));

describe("processEvent failure mapping", () => {
  test("read-error and aborted are transient: batch item failure, nothing published", async () => {
    const f = fakes((uri) =>
      uri.endsWith("/a")
        ? { alerts: [makeAlert(1)], failure: { kind: "read-error", message: "socket hang up" } }
        : uri.endsWith("/b")
          ? { failure: { kind: "aborted", message: "aborted" } }
          : { alerts: [makeAlert(2)] },
    );
    const r = await processEvent(batch("a", "b", "c"), f.deps);
    assert.deepEqual(r, { batchItemFailures: [{ itemIdentifier: "msg-1" }, { itemIdentifier: "msg-2" }] });
    assert.equal(f.published.length, 1, "only the healthy object published; no partial publish for a/b");
    assert.equal(f.metrics.values["ObjectFailures"], 2);
  });

  test("corrupt / over-limit / unsupported objects are permanent: hits published with the failure, not retried", async () => {
    for (const kind of ["corrupt-compressed-stream", "decompression-limit", "unsupported-compression"]) {
      const f = fakes(() => ({
        alerts: kind === "unsupported-compression" ? [] : [makeAlert(1)],
        failure: { kind, message: `x: ${kind}` },
      }));
      const r = await processEvent(batch("a"), f.deps);
      assert.deepEqual(r, { batchItemFailures: [] }, kind);
      assert.equal(f.published.length, kind === "unsupported-compression" ? 0 : 1, kind);
      const line = f.logger.entries.find((e) => e.message === "object scanned");
      assert.equal(line?.["outcome"], "partial");
      assert.match(String(line?.["reason"]), new RegExp(kind));
    }
  });

  test("an SQS message that is not a notification fails alone (to the DLQ after retries)", async () => {
    const f = fakes(() => ({}));
    const event = sqsBatch([{ Records: [s3Record("b", "ok", "e")] }]);
    event.Records.push({ ...event.Records[0], messageId: "junk", body: '{"hello":1}' });
    const r = await processEvent(event, f.deps);
    assert.deepEqual(r, { batchItemFailures: [{ itemIdentifier: "junk" }] });
    assert.ok(
      f.logger.entries.some((e) => e.message === "unrecognised SQS message" && e["messageId"] === "junk"),
    );
  });

  test("S3 errors: gone/archived are permanent, everything else transient", async () => {
    const err = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    assert.equal(isPermanentS3Error(err("NoSuchKey", 404)), true);
    assert.equal(isPermanentS3Error(err("NotFound", 404)), true);
    assert.equal(isPermanentS3Error(err("InvalidObjectState", 403)), true);
    assert.equal(isPermanentS3Error(err("AccessDenied", 403)), false);
    assert.equal(isPermanentS3Error(err("SlowDown", 503)), false);
    assert.equal(isPermanentS3Error(err("InternalError", 500)), false);
    assert.equal(isPermanentS3Error(Object.assign(new Error("ECONNRESET"), { code: "ECONNRESET" })), false);
    const f = fakes(
      () => ({}),
      (key) =>
        key === "denied" ? err("AccessDenied", 403) : key === "gone" ? err("NoSuchKey", 404) : undefined,
    );
    const r = await processEvent(batch("denied", "gone", "fine"), f.deps);
    assert.deepEqual(r, { batchItemFailures: [{ itemIdentifier: "msg-1" }] });
    // The missing object is logged once, as not scanned (it used to be logged "scanned" as well).
    const about = (k: string) => f.logger.entries.filter((e) => String(e["uri"]).endsWith(`/${k}`));
    assert.deepEqual(
      about("gone").map((e) => [e.level, e.message, e["outcome"]]),
      [["WARN", "object not scanned", "missing"]],
    );
    assert.deepEqual(
      about("fine").map((e) => e.message),
      ["object scanned"],
    );
  });

  test("near the Lambda timeout: objects not finished are retried, nothing partial is published", async () => {
    const f = fakes(() => ({ alerts: [makeAlert(1)] }));
    const r = await processEvent(batch("a", "b"), f.deps, { signal: AbortSignal.abort() });
    assert.deepEqual(r, { batchItemFailures: [{ itemIdentifier: "msg-1" }, { itemIdentifier: "msg-2" }] });
    assert.equal(f.published.length, 0);
    assert.match(String(f.logger.entries.find((e) => e.level === "ERROR")?.["reason"]), /about to time out/);
  });

  test("an unrecognised top-level event is a clear error naming its shape", async () => {
    const f = fakes(() => ({}));
    await assert.rejects(
      processEvent({ detail: 1, foo: "bar" }, f.deps),
      /unrecognised event: an object with keys \["detail", "foo"\]/,
    );
  });
});

/** Behaves like Powertools Idempotency: remembers a result only when the work returns. */
function memoryOnce(): { once: OnceFn; keys: () => string[] } {
  const store = new Map<string, ObjectOutcome>();
  const once: OnceFn = async (key, work) => {
    const k = JSON.stringify(key);
    const hit = store.get(k);
    if (hit !== undefined) return hit;
    const out = await work();
    store.set(k, out);
    return out;
  };
  return { once, keys: () => [...store.keys()] };
}

// Only what the processing reads of a rule: its id, query and compiled form.
const rule = (id: string, query: string) =>
  ({
    id,
    query,
    compiled: { matches: () => false, fields: [], prefilter: null },
    description: "",
    references: [],
    falsePositives: [],
  }) as unknown as Rule;

describe("idempotency key: object version and configuration", () => {
  test("same rules -> redelivery publishes nothing; an added rule, a changed query or a raised limit scans again", async () => {
    const mem = memoryOnce();
    const f = fakes(() => ({ alerts: [makeAlert(1)] }));
    const base = [rule("a", 'file where file.name == "x"'), rule("b", 'process where process.name == "y"')];
    const withRules = (rules: Rule[], config: Partial<Deps["config"]> = {}): Deps => ({
      ...f.deps,
      config: { ...f.deps.config, ...config },
      rules,
      once: mem.once,
    });
    const outcomes = async (deps: Deps) => {
      f.logger.entries.length = 0;
      const before = f.published.length;
      assert.deepEqual(await processEvent(batch("k"), deps), { batchItemFailures: [] });
      const dup = f.logger.entries.some((e) => e.message === "object already scanned");
      return { published: f.published.length - before, dup };
    };

    assert.deepEqual(await outcomes(withRules(base)), { published: 1, dup: false });
    assert.deepEqual(await outcomes(withRules(base)), { published: 0, dup: true }, "same rules: duplicate");
    assert.deepEqual(
      await outcomes(withRules([...base].reverse())),
      { published: 0, dup: true },
      "rule order does not matter",
    );
    const added = [...base, rule("c", "network where destination.port == 4444")];
    assert.deepEqual(await outcomes(withRules(added)), { published: 1, dup: false }, "rule added: rescanned");
    assert.deepEqual(await outcomes(withRules(added)), { published: 0, dup: true });
    const changed = [rule("a", 'file where file.name == "z"'), base[1] as Rule];
    assert.deepEqual(
      await outcomes(withRules(changed)),
      { published: 1, dup: false },
      "query changed: rescanned",
    );
    assert.deepEqual(
      await outcomes(withRules(base, { maxDecompressedBytes: 2 ** 40 })),
      { published: 1, dup: false },
      "limit raised: rescanned",
    );
    assert.deepEqual(
      await outcomes(withRules(base, { maxRecordBytes: 2 ** 24 })),
      { published: 1, dup: false },
      "record limit raised: rescanned",
    );
    // The precomputed fingerprint (createRuntime) is what the key uses.
    assert.deepEqual(
      await outcomes({ ...withRules(added), fingerprint: scanFingerprint(base, f.deps.config) }),
      { published: 0, dup: true },
    );
  });

  test("an object not found or archived is not remembered: once restored it is scanned", async () => {
    const mem = memoryOnce();
    let gone = true;
    const err = Object.assign(new Error("NoSuchKey"), {
      name: "NoSuchKey",
      $metadata: { httpStatusCode: 404 },
    });
    const f = fakes(
      () => ({ alerts: [makeAlert(1)] }),
      () => (gone ? err : undefined),
    );
    const deps: Deps = { ...f.deps, once: mem.once };
    assert.deepEqual(await processEvent(batch("k"), deps), { batchItemFailures: [] });
    assert.equal(f.published.length, 0);
    assert.deepEqual(mem.keys(), [], "a missing object leaves no idempotency record");
    gone = false;
    assert.deepEqual(await processEvent(batch("k"), deps), { batchItemFailures: [] });
    assert.equal(f.published.length, 1, "scanned once it is there");
    assert.equal(mem.keys().length, 1);
    assert.deepEqual(await processEvent(batch("k"), deps), { batchItemFailures: [] });
    assert.equal(f.published.length, 1, "then remembered");
  });

  test("scanFingerprint: short, stable, independent of rule order, sensitive to ids, queries and limits", () => {
    const a = [rule("a", "q1"), rule("b", "q2")];
    const fp = scanFingerprint(a, {});
    assert.match(fp, /^[0-9a-f]{16}$/);
    assert.equal(scanFingerprint([...a].reverse(), {}), fp);
    assert.notEqual(scanFingerprint([rule("a", "q1"), rule("c", "q2")], {}), fp);
    assert.notEqual(scanFingerprint([rule("a", "q1"), rule("b", "q3")], {}), fp);
    assert.notEqual(scanFingerprint(a, { maxRecordBytes: 1024 }), fp);
    assert.notEqual(scanFingerprint(a, { maxDecompressedBytes: 1024 }), fp);
    assert.notEqual(
      scanFingerprint(a, { maxRecordBytes: 1024 }),
      scanFingerprint(a, { maxDecompressedBytes: 1024 }),
    );
  });
});
