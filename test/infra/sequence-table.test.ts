import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { App, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import { SequenceStateTable } from "../../infra/sequence-table.ts";

function synth() {
  const app = new App();
  const stack = new Stack(app, "SeqTable");
  const role = new iam.Role(stack, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  const env: Record<string, string> = {};
  const fn = Object.assign(role, { addEnvironment: (k: string, v: string) => (env[k] = v) });
  const t = new SequenceStateTable(stack, "Sequences");
  t.grantTo(fn);
  return { app, env, template: Template.fromStack(stack) };
}

describe("SequenceStateTable", () => {
  const { app, env, template } = synth();

  test("pk/sk strings, TTL on expiration, on demand, point-in-time recovery", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      TimeToLiveSpecification: { AttributeName: "expiration", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test("the grant is the store's three calls on the table, and SEQUENCE_TABLE is set", () => {
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ["dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            Effect: "Allow",
          }),
        ],
      },
    });
    assert.ok(env.SEQUENCE_TABLE !== undefined);
  });

  test("cdk-nag (AwsSolutions): no finding", () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    assert.deepEqual(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
      ),
      [],
    );
  });
});
