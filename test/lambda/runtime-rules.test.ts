/** The Lambda's cold start says how its rules were loaded (parsed, or from the build-time artefact). */
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SNSClient } from "@aws-sdk/client-sns";
import { createRuntime } from "../../src/lambda/index.ts";
import { builtinRulesDir, listRuleFiles, writeCompiledRuleSet } from "../../src/rules/index.ts";
import { recordingLogger } from "../fixtures/lambda/e2e.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "runtime-rules-"));
  await cp(builtinRulesDir(), dir, { recursive: true, filter: (src) => !src.endsWith(".json") });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ENV = {
  ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:edr-alerts",
  AWS_REGION: "us-east-1",
};

async function loaded(): Promise<Record<string, unknown> | undefined> {
  const logger = recordingLogger();
  await createRuntime({
    env: { ...ENV, RULES_PATH: dir },
    // Created, never called: the cold start sends nothing.
    clients: { sns: new SNSClient({ region: "us-east-1" }) },
    logger,
  });
  return logger.entries.find((e) => e.message === "rules loaded");
}

test("the cold start logs how many rules it loaded, and that none came precompiled from source", async () => {
  const files = (await listRuleFiles(dir)).length;
  assert.ok(files > 0);
  const entry = await loaded();
  assert.equal(entry?.["level"], "INFO");
  assert.equal(entry?.["files"], files);
  assert.equal(entry?.["rules"], files);
  // Running from source there is no engine id, so an artefact (even a current one) is not used.
  await writeCompiledRuleSet(dir, await listRuleFiles(dir), "some-build");
  assert.equal((await loaded())?.["precompiled"], 0);
});
