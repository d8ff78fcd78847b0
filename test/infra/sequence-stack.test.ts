/**
 * The stack creates the sequence state store exactly when the bundled rules need it: a rules
 * directory with a sequence rule (TOML or a Kibana export) gets the table, SEQUENCE_TABLE and the
 * store's three item operations, and stays cdk-nag clean; the shipped rules get none.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { Template } from "aws-cdk-lib/assertions";
import { createScannerApp } from "../../infra/scanner-app.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const CONTEXT = {
  ...(JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")).context as Record<string, unknown>),
  "aws:cdk:bundling-stacks": [],
};
const OUT = mkdtempSync(join(tmpdir(), "edr-infra-seq-"));
after(() => rmSync(OUT, { recursive: true, force: true }));

function synth(rulesDir: string, n: number): Template {
  const { stack } = createScannerApp({
    nag: true,
    outdir: join(OUT, String(n)),
    context: CONTEXT,
    entry: join(ROOT, "src/handler.ts"),
    rulesDir,
  });
  return Template.fromStack(stack);
}

const SEQUENCE_TOML = `[metadata]
maturity = "production"

[rule]
name = "Download then run"
description = "d"
rule_id = "seq-1"
type = "eql"
language = "eql"
severity = "high"
risk_score = 73
query = '''
sequence by host.id with maxspan=1m
  [file where event.type == "creation"] by file.path
  [process where event.type == "start"] by process.executable
'''
`;

describe("the sequence state store in the stack", () => {
  test("the shipped rules: no sequence table", () => {
    const t = synth(join(ROOT, "src/rules"), 0);
    const tables = t.findResources("AWS::DynamoDB::Table");
    assert.ok(Object.keys(tables).every((id) => !id.includes("SequenceState")));
  });

  for (const [kind, file, text] of [
    ["TOML", "seq.toml", SEQUENCE_TOML],
    [
      "Kibana export",
      "export.ndjson",
      `${JSON.stringify({ rule_id: "k", name: "k", type: "eql", language: "eql", severity: "low", risk_score: 1, query: "sequence by host.id\n [process where true]\n [process where true]" })}\n`,
    ],
  ] as const) {
    test(`a ${kind} sequence rule: the table, SEQUENCE_TABLE and exactly the store's operations, cdk-nag clean`, () => {
      const dir = join(OUT, kind.replace(/\W/g, ""));
      mkdirSync(join(dir, "nested"), { recursive: true });
      writeFileSync(join(dir, "nested", file), text);
      const t = synth(dir, kind.length);
      const tables = Object.entries(t.findResources("AWS::DynamoDB::Table")).filter(([id]) =>
        id.includes("SequenceState"),
      );
      assert.equal(tables.length, 1);
      const tableId = tables[0]![0];
      const fn = Object.values(t.findResources("AWS::Lambda::Function")).find(
        (r) => (r as { Properties: { Handler?: string } }).Properties.Handler === "index.handler",
      ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      assert.deepEqual(fn.Properties.Environment.Variables["SEQUENCE_TABLE"], { Ref: tableId });
      const actions = Object.values(t.findResources("AWS::IAM::Policy")).flatMap((p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
          }
        ).Properties.PolicyDocument.Statement.filter((s) =>
          JSON.stringify(s.Resource).includes(tableId),
        ).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
      );
      assert.deepEqual(actions.sort(), ["dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:UpdateItem"]);
    });
  }
});
