import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadConfig } from "../../src/lambda/config.ts";
import { parseKibanaExport } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

const rule = parseKibanaExport(
  `${JSON.stringify({
    rule_id: "proc",
    name: "curl",
    type: "eql",
    language: "eql",
    query: 'process where process.name == "curl"',
    index: ["logs-endpoint.events.process-*"],
    severity: "low",
    risk_score: 1,
  })}\n`,
  "e.ndjson",
).rules[0]!.rule;
// A record of another shape: it does not name its index.
const record = `${JSON.stringify({ event: { category: "process" }, process: { name: "curl" } })}\n`;

async function alerts(indexName?: string): Promise<number> {
  const r = await scanObject(bytes(record), {
    uri: "x",
    rules: [rule],
    ...(indexName === undefined ? {} : { indexName }),
  });
  return r.alertCount;
}

describe("indexName: the index of records that do not name one", () => {
  test("a rule runs only when its patterns select the given index; unknown stays evaluated by every rule", async () => {
    assert.equal(await alerts(), 1);
    assert.equal(await alerts("logs-endpoint.events.process-default"), 1);
    assert.equal(await alerts("logs-windows.sysmon_operational-default"), 0);
  });

  test("the result counts the records evaluated per index and the rules that apply there", async () => {
    const other = await scanObject(bytes(record.repeat(3)), {
      uri: "x",
      rules: [rule],
      indexName: "logs-windows.sysmon_operational-default",
    });
    assert.deepEqual(other.indices, [
      { index: "logs-windows.sysmon_operational-default", records: 3, rules: 0 },
    ]);
    const unknown = await scanObject(bytes(record), { uri: "x", rules: [rule] });
    assert.deepEqual(unknown.indices, [{ index: "(index unknown)", records: 1, rules: 1 }]);
  });

  test("an invalid index name is refused naming the option", async () => {
    await assert.rejects(
      scanObject(bytes(record), { uri: "x", rules: [rule], indexName: "logs-*" }),
      /option indexName must be an index/,
    );
  });

  test("the Lambda's INDEX_NAME_BY_PREFIX is validated at cold start", () => {
    const base = { ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:edr-alerts" };
    const ok = loadConfig({
      ...base,
      INDEX_NAME_BY_PREFIX: '{"custom/":"logs-endpoint.events.process-default"}',
    });
    assert.equal(ok.indexNameByPrefix?.["custom/"], "logs-endpoint.events.process-default");
    assert.throws(
      () => loadConfig({ ...base, INDEX_NAME_BY_PREFIX: '["x"]' }),
      /INDEX_NAME_BY_PREFIX must be a JSON object/,
    );
    assert.throws(
      () => loadConfig({ ...base, INDEX_NAME_BY_PREFIX: '{"a/":"logs *"}' }),
      /INDEX_NAME_BY_PREFIX/,
    );
  });
});
