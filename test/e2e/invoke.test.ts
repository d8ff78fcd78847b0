/** `npm run --silent invoke -- EVENT.json` as a user runs it: a child process against fauxqs on 127.0.0.1. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { uploadSamples } from "../fixtures/lambda/e2e.ts";

let stack: LocalStack;
before(async () => {
  stack = await startLocalStack();
  await uploadSamples(stack);
});
after(async () => {
  await stack.stop();
});

const root = fileURLToPath(new URL("../../", import.meta.url));

function invoke(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/invoke.ts", ...args], {
      cwd: root,
      env: {
        PATH: process.env["PATH"] ?? "",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test("invoke prints the handler's JSON result on stdout, logs on stderr", async () => {
  const r = await invoke(["events/backfill-batch.json"], stack.env);
  assert.equal(r.code, 0, r.stderr);
  const { results, ...totals } = JSON.parse(r.stdout);
  assert.deepEqual(totals, { objects: 3, records: 15, malformed: 0, alerts: 4, failed: [] });
  assert.deepEqual(
    results.map((x: { outcome: string; records: number; alerts: number }) => [
      x.outcome,
      x.records,
      x.alerts,
    ]),
    [
      ["scanned", 4, 1],
      ["scanned", 6, 2],
      ["scanned", 5, 1],
    ],
  );
  assert.match(r.stderr, /"message":"object scanned"/);
  assert.equal((await stack.received()).length, 3);

  const sqs = await invoke(["events/sqs-sns-s3.json"], stack.env);
  assert.equal(sqs.code, 0, sqs.stderr);
  assert.deepEqual(JSON.parse(sqs.stdout), { batchItemFailures: [] });
  assert.equal((await stack.received()).length, 3);
});

test("invoke without ALERT_TOPIC_ARN: exit 1 and the variable named", async () => {
  const { ALERT_TOPIC_ARN: _, ...env } = stack.env;
  const r = await invoke(["events/s3-put.json"], env);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /ALERT_TOPIC_ARN is required/);
});

test("invoke with no event file: usage, exit 2", async () => {
  const r = await invoke([], stack.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /usage: npm run --silent invoke -- EVENT\.json/);
});
