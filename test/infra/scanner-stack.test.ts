// Synthesises the stack once per configuration (bundling with the local esbuild, no Docker) and
// shares each Template across the tests that read it.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import type { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import jsonata from "jsonata";
import {
  BATCH_DONE_OUTPUT,
  KEEP_TRANSIENT_OUTPUT,
  OBJECTS_FAILED_CAUSE,
  SCAN_BATCH_OUTPUT,
  SUMMARY_PAYLOAD,
  TRANSIENT_ATTEMPTS,
} from "../../infra/backfill.ts";
import { createScannerApp } from "../../infra/scanner-app.ts";
import type { ScannerStack } from "../../infra/scanner-stack.ts";

const ROOT = resolve(import.meta.dirname, "../..");
// The real handler and rules: the bundle test proves what would be deployed.
const ENTRY = join(ROOT, "src/handler.ts");
const RULES_DIR = join(ROOT, "src/rules");
// The feature flags the CLI applies from cdk.json, so the tests synthesise what `cdk synth` does.
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")).context as Record<
  string,
  unknown
>;
// Bundling is proven once (default configuration); the others skip it to keep the file fast.
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

interface Synth {
  app: App;
  stack: ScannerStack;
  template: Template;
}

// Every cloud assembly of this file goes here and is removed at the end.
const OUT = mkdtempSync(join(tmpdir(), "edr-infra-test-"));
after(() => rmSync(OUT, { recursive: true, force: true }));
let assemblies = 0;
const outdir = () => join(OUT, String(assemblies++));

function lazy(context: Record<string, unknown>, nag = false): () => Synth {
  let cached: Synth | undefined;
  return () => {
    if (!cached) {
      const { app, stack } = createScannerApp({
        nag,
        outdir: outdir(),
        context: { ...CDK_JSON_CONTEXT, ...context },
        entry: ENTRY,
        rulesDir: RULES_DIR,
      });
      cached = { app, stack, template: Template.fromStack(stack) };
    }
    return cached;
  };
}

const defaults = lazy({});
const imported = lazy({
  ...NO_BUNDLING,
  bucketName: "corp-edr-archive",
  bucketKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  prefix: "edr/",
  suffix: ".gz",
  alertEmail: "soc@example.com, oncall@example.com",
  slackWorkspaceId: "T0123ABCDEF",
  slackChannelId: "C0123ABCDEF",
  opsEmail: "ops@example.com",
  memorySize: "3538",
  timeoutSeconds: "600",
  reservedConcurrency: "25",
  batchSize: "50",
  maxBatchingWindowSeconds: "10",
  backfillMaxConcurrency: "40",
  idempotency: "false",
  maxHitsPerRule: "250",
});
// Built like `cdk synth` builds it, with the cdk-nag plugin on: synthesis itself fails on a finding.
const opsArn = lazy({ ...NO_BUNDLING, opsTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops-pager" }, true);

type Json = Record<string, unknown>;
const resourcesOf = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as Array<[string, Json]>;
const props = (r: Json) => r["Properties"] as Json;
const single = (t: Template, type: string): [string, Json] => {
  const all = resourcesOf(t, type);
  assert.equal(all.length, 1, `expected exactly one ${type}, found ${all.length}`);
  return all[0]!;
};
const idOf = (t: Template, type: string) => single(t, type)[0];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every IAM statement of identity policies (inline policies, role policies, managed policies). */
function identityStatements(t: Template): Array<{ id: string; statement: Statement }> {
  const out: Array<{ id: string; statement: Statement }> = [];
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]) {
    for (const [id, r] of resourcesOf(t, type)) {
      for (const s of asArray((props(r)["PolicyDocument"] as Json)["Statement"] as Statement[])) {
        out.push({ id, statement: s });
      }
    }
  }
  for (const [id, r] of resourcesOf(t, "AWS::IAM::Role")) {
    for (const p of asArray(props(r)["Policies"] as Json[])) {
      for (const s of asArray((p["PolicyDocument"] as Json)["Statement"] as Statement[])) {
        out.push({ id, statement: s });
      }
    }
  }
  return out;
}

/** Statements of the policy attached to the role with this logical id prefix. */
function roleStatements(t: Template, rolePrefix: string): Statement[] {
  const out: Statement[] = [];
  for (const [, r] of resourcesOf(t, "AWS::IAM::Policy")) {
    const roles = asArray(props(r)["Roles"] as Json[]).map((x) => String(x["Ref"]));
    if (roles.some((x) => x.startsWith(rolePrefix))) {
      out.push(...asArray((props(r)["PolicyDocument"] as Json)["Statement"] as Statement[]));
    }
  }
  return out;
}

/** The state machine definition with every CloudFormation reference replaced by `<ref>`. */
function definition(t: Template): Json {
  const [, sm] = single(t, "AWS::StepFunctions::StateMachine");
  const body = props(sm)["DefinitionString"] as Json;
  const parts = (body["Fn::Join"] as [string, unknown[]])[1];
  const text = parts.map((p) => (typeof p === "string" ? p : "<ref>")).join("");
  return JSON.parse(text) as Json;
}

describe("archive bucket", () => {
  test("created by default: private, encrypted, SSL only, versioned, access-logged, retained", () => {
    const { template } = defaults();
    const buckets = resourcesOf(template, "AWS::S3::Bucket");
    const archive = buckets.find(([id]) => id.startsWith("ArchiveBucket"));
    assert.ok(archive, "archive bucket");
    const p = props(archive[1]);
    assert.deepEqual(p["PublicAccessBlockConfiguration"], {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(p["VersioningConfiguration"], { Status: "Enabled" });
    assert.equal(
      (p["BucketEncryption"] as Json as { ServerSideEncryptionConfiguration: Json[] })
        .ServerSideEncryptionConfiguration[0]?.["ServerSideEncryptionByDefault"] !== undefined,
      true,
    );
    assert.ok((p["LoggingConfiguration"] as Json)["DestinationBucketName"], "server access logs");
    assert.equal(archive[1]["DeletionPolicy"], "Retain");
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: archive[0] },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  test("imported by name (context bucketName): no bucket created for it, notifications merged", () => {
    const { template } = imported();
    const buckets = resourcesOf(template, "AWS::S3::Bucket").map(([id]) => id);
    assert.ok(!buckets.some((id) => id.startsWith("ArchiveBucket")), `buckets: ${buckets.join(", ")}`);
    // Managed: false is the mode of CDK's handler that keeps the bucket's other notifications.
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      BucketName: "corp-edr-archive",
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            QueueArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ScannerNotificationQueue"), "Arn"] },
            Filter: Match.anyValue(),
          },
        ],
      },
    });
    const [, notifications] = single(template, "Custom::S3BucketNotifications");
    const config = props(notifications)["NotificationConfiguration"] as {
      QueueConfigurations: Array<{
        Filter: { Key: { FilterRules: Array<{ Name: string; Value: string }> } };
      }>;
    };
    const rules = config.QueueConfigurations[0]!.Filter.Key.FilterRules;
    assert.deepEqual(rules.map((r) => `${r.Name}=${r.Value}`).sort(), ["prefix=edr/", "suffix=.gz"]);
  });

  test("created bucket: every ObjectCreated event goes to the queue, unfiltered", () => {
    const { template } = defaults();
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      NotificationConfiguration: {
        QueueConfigurations: [
          { Events: ["s3:ObjectCreated:*"], QueueArn: Match.anyValue(), Filter: Match.absent() },
        ],
      },
    });
  });
});

describe("queue and dead-letter queue", () => {
  test("encrypted, SSL only, dead-letter after 5 receives, visibility 6x the timeout", () => {
    const { template } = defaults();
    const queues = resourcesOf(template, "AWS::SQS::Queue");
    assert.equal(queues.length, 2);
    for (const [, q] of queues) assert.equal(props(q)["SqsManagedSseEnabled"], true);
    const main = queues.find(([id]) => id.startsWith("ScannerNotificationQueue"))!;
    const dlq = queues.find(([id]) => id.startsWith("ScannerDeadLetterQueue"))!;
    assert.equal(props(main[1])["VisibilityTimeout"], 6 * 300);
    assert.deepEqual(props(main[1])["RedrivePolicy"], {
      deadLetterTargetArn: { "Fn::GetAtt": [dlq[0], "Arn"] },
      maxReceiveCount: 5,
    });
    for (const [id] of queues) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });

  test("visibility follows the configured timeout plus the batching window", () => {
    const { template } = imported();
    const main = resourcesOf(template, "AWS::SQS::Queue").find(([id]) =>
      id.startsWith("ScannerNotificationQueue"),
    )!;
    assert.equal(props(main[1])["VisibilityTimeout"], 6 * 600 + 10);
  });
});

describe("scanner function", () => {
  test("Node.js 22 on arm64 with the defaults and the handler's environment", () => {
    const { template } = defaults();
    const fn = resourcesOf(template, "AWS::Lambda::Function").find(([id]) =>
      id.startsWith("ScannerFunction"),
    )!;
    const p = props(fn[1]);
    assert.equal(p["Runtime"], "nodejs22.x");
    assert.deepEqual(p["Architectures"], ["arm64"]);
    assert.equal(p["MemorySize"], 1769);
    assert.equal(p["Timeout"], 300);
    assert.equal(p["Handler"], "index.handler");
    assert.equal(p["ReservedConcurrentExecutions"], undefined);
    const env = (p["Environment"] as Json)["Variables"] as Json;
    const alertTopic = resourcesOf(template, "AWS::SNS::Topic").find(([id]) =>
      id.startsWith("ScannerAlertTopic"),
    );
    assert.deepEqual(env["ALERT_TOPIC_ARN"], { Ref: alertTopic?.[0] });
    assert.deepEqual(env["IDEMPOTENCY_TABLE"], { Ref: idOf(template, "AWS::DynamoDB::Table") });
    assert.equal(env["RULES_PATH"], "/var/task/rules");
    assert.equal(env["POWERTOOLS_METRICS_NAMESPACE"], "EdrArchiveScanner");
    assert.ok((p["LoggingConfig"] as Json)["LogGroup"], "explicit log group");
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 90 });
  });

  test("memory, timeout and reserved concurrency from context; no table when idempotency is off", () => {
    const { template } = imported();
    const fn = resourcesOf(template, "AWS::Lambda::Function").find(([id]) =>
      id.startsWith("ScannerFunction"),
    )!;
    const p = props(fn[1]);
    assert.equal(p["MemorySize"], 3538);
    assert.equal(p["Timeout"], 600);
    assert.equal(p["ReservedConcurrentExecutions"], 25);
    const env = (p["Environment"] as Json)["Variables"] as Json;
    assert.equal(env["IDEMPOTENCY_TABLE"], undefined);
    assert.equal(env["MAX_HITS_PER_RULE"], "250");
    template.resourceCountIs("AWS::DynamoDB::Table", 0);
  });

  test("SQS event source: batch size, batching window, ReportBatchItemFailures", () => {
    const queueArn = (t: Template) => ({
      "Fn::GetAtt": [
        resourcesOf(t, "AWS::SQS::Queue").find(([id]) => id.startsWith("ScannerNotificationQueue"))![0],
        "Arn",
      ],
    });
    const d = defaults().template;
    d.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: queueArn(d),
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    const i = imported().template;
    i.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: queueArn(i),
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  test("the bundle is ESM (.mjs) with the rule files next to it in rules/", () => {
    const { app } = defaults();
    const out = app.synth().directory;
    const assets = readdirSync(out)
      .map((name) => join(out, name))
      .filter((p) => statSync(p).isDirectory() && existsSync(join(p, "index.mjs")));
    assert.equal(assets.length, 1, `function assets in ${out}`);
    const dir = assets[0]!;
    const rules = readdirSync(join(dir, "rules")).filter((f) => f.endsWith(".toml"));
    const expected = readdirSync(RULES_DIR).filter((f) => f.endsWith(".toml"));
    assert.deepEqual(rules.sort(), expected.sort());
    assert.ok(existsSync(join(dir, "index.mjs.map")), "source map");
    const code = readFileSync(join(dir, "index.mjs"), "utf8");
    assert.match(code, /createRequire/, "CJS require shim banner");
    const bytes = statSync(join(dir, "index.mjs")).size;
    console.log(`# bundle: ${ENTRY.replace(`${ROOT}/`, "")} -> index.mjs ${bytes} bytes`);
    // The rules are compiled at build time for the engine id the bundle carries, so the cold start
    // reads them without parsing; every rule file is in the artefact.
    const artefact = JSON.parse(readFileSync(join(dir, "rules", ".compiled-rules.json"), "utf8")) as {
      engine: string;
      rules: { name: string }[];
    };
    assert.match(artefact.engine, /^[0-9a-f]{32}$/);
    assert.ok(code.includes(JSON.stringify(artefact.engine)), "the bundle carries the artefact's engine id");
    assert.deepEqual(artefact.rules.map((r) => r.name).sort(), expected.sort());
  });
});

describe("alert topic, subscriptions, Slack", () => {
  test("encrypted with a rotating customer-managed key, SSL only; CloudWatch may use the key", () => {
    const { template } = defaults();
    const [keyId, key] = single(template, "AWS::KMS::Key");
    assert.equal(props(key)["EnableKeyRotation"], true);
    // The alert topic and the operations topic: both encrypted with the key, both SSL only.
    const topics = resourcesOf(template, "AWS::SNS::Topic");
    assert.deepEqual(topics.map(([id]) => id.replace(/[0-9A-F]{8}$/, "")).sort(), [
      "OpsTopic",
      "ScannerAlertTopic",
    ]);
    for (const [topicId, topic] of topics) {
      assert.deepEqual(props(topic)["KmsMasterKeyId"], { "Fn::GetAtt": [keyId, "Arn"] });
      template.hasResourceProperties("AWS::SNS::TopicPolicy", {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
    const statements = (props(key)["KeyPolicy"] as Json)["Statement"] as Statement[];
    const cw = statements.find((s) => JSON.stringify(s.Principal).includes("cloudwatch.amazonaws.com"));
    assert.ok(cw, "key policy statement for CloudWatch alarms");
    assert.deepEqual(asArray(cw.Action).sort(), ["kms:Decrypt", "kms:GenerateDataKey"]);
    assert.ok(cw.Condition, "scoped to the account");
  });

  test("no subscriptions and no Slack channel unless asked", () => {
    const { template } = defaults();
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    template.resourceCountIs("AWS::Chatbot::SlackChannelConfiguration", 0);
  });

  test("alertEmail subscribes each address by email to the alert topic", () => {
    const { template } = imported();
    const alertTopic = resourcesOf(template, "AWS::SNS::Topic").find(([id]) =>
      id.startsWith("ScannerAlertTopic"),
    )![0];
    for (const email of ["soc@example.com", "oncall@example.com"]) {
      template.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "email",
        Endpoint: email,
        TopicArn: { Ref: alertTopic },
      });
    }
  });

  test("Slack via AWS Chatbot on the alert topic, with a deny-all guardrail and a role without permissions", () => {
    const { template } = imported();
    const alertTopic = resourcesOf(template, "AWS::SNS::Topic").find(([id]) =>
      id.startsWith("ScannerAlertTopic"),
    )![0];
    const [, channel] = single(template, "AWS::Chatbot::SlackChannelConfiguration");
    const p = props(channel);
    assert.equal(p["SlackWorkspaceId"], "T0123ABCDEF");
    assert.equal(p["SlackChannelId"], "C0123ABCDEF");
    assert.deepEqual(p["SnsTopicArns"], [{ Ref: alertTopic }]);
    const guardrails = p["GuardrailPolicies"] as Json[];
    assert.equal(guardrails.length, 1);
    const [guardrailId, guardrail] = single(template, "AWS::IAM::ManagedPolicy");
    assert.deepEqual(guardrails[0], { Ref: guardrailId });
    const statements = (props(guardrail)["PolicyDocument"] as Json)["Statement"] as Statement[];
    assert.deepEqual(
      statements.map((s) => s.Effect),
      ["Deny"],
    );
    const roleId = (p["IamRoleArn"] as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const role = props(template.findResources("AWS::IAM::Role")[roleId] as Json);
    assert.equal(role["Policies"], undefined);
    assert.equal(role["ManagedPolicyArns"], undefined);
    assert.equal(roleStatements(template, roleId).length, 0);
  });
});

describe("idempotency table", () => {
  test("on-demand, TTL on expiration, point-in-time recovery, encrypted, partition key id", () => {
    const { template } = defaults();
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expiration", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe("least privilege", () => {
  for (const [name, synth] of [
    ["defaults", defaults],
    ["imported bucket", imported],
    ["ops topic ARN", opsArn],
  ] as const) {
    test(`${name}: no wildcard action, no s3:*, no Allow on every resource except log delivery`, () => {
      const { template } = synth();
      const statements = identityStatements(template).filter(({ statement }) => statement.Effect === "Allow");
      assert.ok(statements.length > 5);
      for (const { id, statement } of statements) {
        for (const action of asArray(statement.Action)) {
          assert.ok(!action.includes("*"), `${id}: wildcard action ${action}`);
        }
        const resources = asArray(statement.Resource);
        if (resources.includes("*")) {
          // Vended log delivery APIs have no resource-level permissions (acknowledged for cdk-nag).
          assert.ok(
            asArray(statement.Action).every((a) => a.startsWith("logs:")),
            `${id}: ${JSON.stringify(statement.Action)} on *`,
          );
        }
      }
    });
  }

  test("resource policies never allow anyone: every public principal is in a Deny", () => {
    const { template } = imported();
    for (const type of ["AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"]) {
      for (const [id, r] of resourcesOf(template, type)) {
        for (const s of asArray((props(r)["PolicyDocument"] as Json)["Statement"] as Statement[])) {
          if (JSON.stringify(s.Principal) === '{"AWS":"*"}' || s.Principal === "*") {
            assert.equal(s.Effect, "Deny", `${id} allows a public principal`);
          }
        }
      }
    }
  });

  test("the function reads only the bucket's objects under the prefix and uses only its own resources", () => {
    const { template } = imported();
    const fnRole = resourcesOf(template, "AWS::IAM::Role").find(([id]) =>
      id.startsWith("ScannerFunctionRole"),
    )![0];
    const statements = roleStatements(template, fnRole);
    const byAction = new Map<string, Statement>();
    for (const s of statements) for (const a of asArray(s.Action)) byAction.set(a, s);
    assert.deepEqual([...byAction.keys()].sort(), [
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:ListBucket",
      "s3:PutObject",
      "sns:Publish",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ]);
    // Archive objects under the prefix, and the back-scan results it summarises.
    const resultsBucket = resourcesOf(template, "AWS::S3::Bucket").find(([id]) =>
      id.startsWith("BackfillResultsBucket"),
    )![0];
    assert.deepEqual(
      statements
        .filter((s) => asArray(s.Action).includes("s3:GetObject"))
        .flatMap((s) => asArray(s.Resource)),
      [
        { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::corp-edr-archive/edr/*"]] },
        { "Fn::Join": ["", [{ "Fn::GetAtt": [resultsBucket, "Arn"] }, "/backfill-results/*"]] },
      ],
    );
    assert.ok(
      statements.every((s) => !asArray(s.Action).includes("s3:GetObject") || asArray(s.Action).length <= 2),
    );
    assert.deepEqual(byAction.get("s3:ListBucket")!.Resource, {
      "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::corp-edr-archive"]],
    });
    // Writes only the alert copies, under alerts/ of the alerts bucket.
    const alertsBucket = resourcesOf(template, "AWS::S3::Bucket").find(([id]) =>
      id.startsWith("ScannerAlertsBucket"),
    )![0];
    assert.deepEqual(byAction.get("s3:PutObject")!.Resource, {
      "Fn::Join": ["", [{ "Fn::GetAtt": [alertsBucket, "Arn"] }, "/alerts/*"]],
    });
    assert.equal(byAction.get("s3:PutObject"), byAction.get("s3:AbortMultipartUpload"));
    const alertTopic = resourcesOf(template, "AWS::SNS::Topic").find(([id]) =>
      id.startsWith("ScannerAlertTopic"),
    )![0];
    assert.deepEqual(byAction.get("sns:Publish")!.Resource, { Ref: alertTopic });
    assert.deepEqual(byAction.get("kms:GenerateDataKey")!.Resource, {
      "Fn::GetAtt": [idOf(template, "AWS::KMS::Key"), "Arn"],
    });
    // The archive's own SSE-KMS key: decrypt only.
    const archiveKey = statements.filter((s) =>
      JSON.stringify(s.Resource).includes("key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    );
    assert.deepEqual(
      archiveKey.flatMap((s) => asArray(s.Action)),
      ["kms:Decrypt"],
    );
  });

  test("with idempotency on, the function gets exactly the item operations Powertools uses on its table", () => {
    const { template } = defaults();
    const fnRole = resourcesOf(template, "AWS::IAM::Role").find(([id]) =>
      id.startsWith("ScannerFunctionRole"),
    )![0];
    const dynamo = roleStatements(template, fnRole).filter((s) =>
      asArray(s.Action).some((a) => a.startsWith("dynamodb:")),
    );
    assert.equal(dynamo.length, 1);
    assert.deepEqual(asArray(dynamo[0]!.Action).sort(), [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    assert.deepEqual(dynamo[0]!.Resource, { "Fn::GetAtt": [idOf(template, "AWS::DynamoDB::Table"), "Arn"] });
  });
});

describe("back-scan state machine", () => {
  test("a Distributed Map lists the archive under the input prefix, batches it and invokes the scanner", () => {
    const { template } = defaults();
    const def = definition(template);
    assert.equal(def["QueryLanguage"], "JSONata");
    const states = def["States"] as Record<string, Json>;
    const map = states["ScanObjects"]!;
    assert.equal(map["Type"], "Map");
    assert.deepEqual(map["ItemProcessor"] && (map["ItemProcessor"] as Json)["ProcessorConfig"], {
      Mode: "DISTRIBUTED",
      ExecutionType: "STANDARD",
    });
    assert.deepEqual(map["ItemReader"], {
      Resource: "arn:<ref>:states:::s3:listObjectsV2",
      Arguments: { Bucket: "<ref>", Prefix: "{% $states.input.prefix %}" },
    });
    assert.deepEqual(map["ItemBatcher"], {
      MaxItemsPerBatch: "{% $states.input.maxItemsPerBatch %}",
      MaxInputBytesPerBatch: 65536,
      BatchInput: { bucket: "{% $states.input.bucket %}" },
    });
    assert.equal(map["MaxConcurrency"], "{% $states.input.maxConcurrency %}");
    assert.equal(map["ToleratedFailurePercentage"], 100);
    assert.deepEqual(map["ResultWriter"], {
      Resource: "arn:<ref>:states:::s3:putObject",
      Arguments: { Bucket: "<ref>", Prefix: "backfill-results" },
      WriterConfig: { OutputType: "JSONL", Transformation: "NONE" },
    });
    const processor = (map["ItemProcessor"] as Json)["States"] as Record<string, Json>;
    const scan = processor["ScanBatch"]!;
    assert.equal(scan["Resource"], "arn:<ref>:states:::lambda:invoke");
    assert.deepEqual((scan["Arguments"] as Json)["Payload"], {
      Items: "{% $states.input.Items %}",
      BatchInput: "{% $states.input.BatchInput %}",
    });
    const retried = (scan["Retry"] as Json[]).flatMap((r) => r["ErrorEquals"] as string[]);
    for (const error of [
      "Lambda.ServiceException",
      "Lambda.TooManyRequestsException",
      "Lambda.SdkClientException",
    ]) {
      assert.ok(retried.includes(error), `retries ${error}`);
    }
    // A batch never fails for its objects: they are counted by the summary, which fails the run.
    assert.ok(Object.values(processor).every((st) => st["Type"] !== "Fail"));
    assert.equal(states["ObjectsFailed"]!["Type"], "Fail");
    const summarise = states["Summarise"]!;
    assert.equal(summarise["Resource"], "arn:<ref>:states:::lambda:invoke");
    assert.equal(
      (summarise["Arguments"] as Json)["FunctionName"],
      (scan["Arguments"] as Json)["FunctionName"],
    );
    assert.equal(summarise["Next"], "AnyObjectFailed");
  });

  test("input defaults come from context; invalid input fails with a cause that names the expected form", () => {
    const d = definition(defaults().template)["States"] as Record<string, Json>;
    assert.match(String(d["ResolveInput"]!["Output"]), /"maxConcurrency": 100, "maxItemsPerBatch": 20/);
    assert.match(String(d["ResolveInput"]!["Output"]), /"prefix": ""/);
    const i = definition(imported().template)["States"] as Record<string, Json>;
    assert.match(String(i["ResolveInput"]!["Output"]), /"bucket": "corp-edr-archive", "prefix": "edr\/"/);
    assert.match(String(i["ResolveInput"]!["Output"]), /"maxConcurrency": 40/);
    const condition = String(((i["ValidateInput"]!["Choices"] as Json[])[0] as Json)["Condition"]);
    assert.match(condition, /\$states\.input\.bucket = "corp-edr-archive"/);
    assert.match(condition, /\$substring\(\$states\.input\.prefix, 0, \$length\("edr\/"\)\) = "edr\/"/);
    assert.equal(i["ValidateInput"]!["Default"], "InvalidInput");
    assert.match(
      String(i["InvalidInput"]!["Cause"]),
      /got ' & \$substring\(\$string\(\$states\.input\), 0, 2000\)/,
    );
  });

  test("the state machine may list only the archive bucket, write only its results, invoke only the scanner", () => {
    const { template } = imported();
    const smRole = resourcesOf(template, "AWS::IAM::Role").find(([id]) =>
      id.startsWith("BackfillStateMachineRole"),
    )![0];
    const statements = roleStatements(template, smRole);
    const list = statements.find((s) => asArray(s.Action).includes("s3:ListBucket"))!;
    assert.deepEqual(list.Resource, {
      "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::corp-edr-archive"]],
    });
    const invoke = statements.find((s) => asArray(s.Action).includes("lambda:InvokeFunction"))!;
    const fnId = resourcesOf(template, "AWS::Lambda::Function").find(([id]) =>
      id.startsWith("ScannerFunction"),
    )![0];
    assert.ok(JSON.stringify(invoke.Resource).includes(fnId));
    const put = statements.find((s) => asArray(s.Action).includes("s3:PutObject"))!;
    const results = resourcesOf(template, "AWS::S3::Bucket").find(([id]) =>
      id.startsWith("BackfillResultsBucket"),
    )![0];
    assert.ok(JSON.stringify(put.Resource).includes(results));
    assert.ok(
      !statements.some(
        (s) =>
          asArray(s.Action).includes("s3:GetObject") &&
          JSON.stringify(s.Resource).includes("corp-edr-archive"),
      ),
    );
  });
});

describe("alerts bucket", () => {
  test("on by default: KMS-encrypted with the scanner's key, private, SSL only, access-logged, retained", () => {
    const { template } = defaults();
    const [id, bucket] = resourcesOf(template, "AWS::S3::Bucket").find(([i]) =>
      i.startsWith("ScannerAlertsBucket"),
    )!;
    assert.equal(bucket["DeletionPolicy"], "Retain");
    const p = props(bucket);
    const sse = ((p["BucketEncryption"] as Json)["ServerSideEncryptionConfiguration"] as Json[])[0]!;
    assert.deepEqual(sse["ServerSideEncryptionByDefault"], {
      SSEAlgorithm: "aws:kms",
      KMSMasterKeyID: { "Fn::GetAtt": [idOf(template, "AWS::KMS::Key"), "Arn"] },
    });
    assert.equal(sse["BucketKeyEnabled"], true);
    assert.deepEqual(p["PublicAccessBlockConfiguration"], {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.ok((p["LoggingConfiguration"] as Json)["DestinationBucketName"]);
    const fn = resourcesOf(template, "AWS::Lambda::Function").find(([i]) => i.startsWith("ScannerFunction"))!;
    const env = (props(fn[1])["Environment"] as Json)["Variables"] as Json;
    assert.deepEqual(env["ALERTS_BUCKET"], { Ref: id });
  });

  test("-c alertsBucket=false: no bucket, no variable, no write permission", () => {
    const { template } = lazy({ ...NO_BUNDLING, alertsBucket: "false" })();
    assert.equal(
      resourcesOf(template, "AWS::S3::Bucket").filter(([i]) => i.startsWith("ScannerAlertsBucket")).length,
      0,
    );
    const fn = resourcesOf(template, "AWS::Lambda::Function").find(([i]) => i.startsWith("ScannerFunction"))!;
    const env = (props(fn[1])["Environment"] as Json)["Variables"] as Json;
    assert.equal(env["ALERTS_BUCKET"], undefined);
    const fnRole = resourcesOf(template, "AWS::IAM::Role").find(([i]) =>
      i.startsWith("ScannerFunctionRole"),
    )![0];
    const actions = roleStatements(template, fnRole).flatMap((st) => asArray(st.Action));
    assert.ok(
      !actions.includes("s3:PutObject") && !actions.includes("s3:AbortMultipartUpload"),
      actions.join(", "),
    );
  });
});

describe("alarms", () => {
  const alarmsOf = (t: Template) => resourcesOf(t, "AWS::CloudWatch::Alarm").map(([, r]) => props(r));

  test("dead letters, errors, throttles, backlog age, ObjectFailures and failed back-scans, to an operations topic by default", () => {
    const { template } = defaults();
    const alarms = alarmsOf(template);
    const metrics = alarms.map((a) => `${a["Namespace"]}/${a["MetricName"]}`).sort();
    assert.deepEqual(metrics, [
      "AWS/Lambda/Errors",
      "AWS/Lambda/Throttles",
      "AWS/SQS/ApproximateAgeOfOldestMessage",
      "AWS/SQS/ApproximateNumberOfMessagesVisible",
      "AWS/States/ExecutionsFailed",
      "EdrArchiveScanner/ObjectFailures",
    ]);
    // Never the alert topic: alarm JSON would reach alert consumers, Slack and email as a detection.
    const topics = resourcesOf(template, "AWS::SNS::Topic").map(([id]) => id);
    const opsTopic = topics.find((id) => id.startsWith("OpsTopic"));
    const alertTopic = topics.find((id) => id.startsWith("ScannerAlertTopic"));
    assert.ok(opsTopic && alertTopic, topics.join(", "));
    assert.equal(
      resourcesOf(template, "AWS::SNS::Subscription").filter(
        ([, r]) => JSON.stringify(props(r)["TopicArn"]) === JSON.stringify({ Ref: opsTopic }),
      ).length,
      0,
      "no subscriber without opsEmail",
    );
    for (const a of alarms) {
      assert.deepEqual(a["AlarmActions"], [{ Ref: opsTopic }]);
      assert.deepEqual(a["OKActions"], [{ Ref: opsTopic }]);
      assert.equal(a["ComparisonOperator"], "GreaterThanThreshold");
      assert.equal(a["TreatMissingData"], "notBreaching");
    }
    const dlq = resourcesOf(template, "AWS::SQS::Queue").find(([id]) =>
      id.startsWith("ScannerDeadLetterQueue"),
    )![0];
    const visible = alarms.find((a) => a["MetricName"] === "ApproximateNumberOfMessagesVisible")!;
    assert.deepEqual(visible["Dimensions"], [
      { Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } },
    ]);
    assert.equal(visible["Threshold"], 0);
    const age = alarms.find((a) => a["MetricName"] === "ApproximateAgeOfOldestMessage")!;
    assert.equal(age["Threshold"], 900);
    const failures = alarms.find((a) => a["MetricName"] === "ObjectFailures")!;
    assert.deepEqual(failures["Dimensions"], [{ Name: "service", Value: "edr-archive-scanner" }]);
    assert.equal(failures["Threshold"], 0);
  });

  test("opsEmail creates an encrypted operations topic for the alarms", () => {
    const { template } = imported();
    const ops = resourcesOf(template, "AWS::SNS::Topic").find(([id]) => id.startsWith("OpsTopic"));
    assert.ok(ops);
    assert.ok(props(ops[1])["KmsMasterKeyId"]);
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
      TopicArn: { Ref: ops[0] },
    });
    for (const a of alarmsOf(template)) assert.deepEqual(a["AlarmActions"], [{ Ref: ops[0] }]);
  });

  test("opsTopicArn sends the alarms to an existing topic", () => {
    const { template } = opsArn();
    for (const a of alarmsOf(template)) {
      assert.deepEqual(a["AlarmActions"], ["arn:aws:sns:eu-west-1:123456789012:ops-pager"]);
    }
  });
});

describe("cdk-nag AwsSolutions", () => {
  for (const [name, synth] of [
    ["defaults", defaults],
    ["imported bucket, Slack, emails", imported],
    ["ops topic ARN", opsArn],
  ] as const) {
    test(`${name}: no unacknowledged finding (errors and warnings)`, () => {
      const { app } = synth();
      const report = new AwsSolutionsChecks().validateScope(app);
      const findings = report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
      );
      assert.deepEqual(findings, []);
    });
  }

  test("the app runs the checks at synthesis: clean as built, failing on an unacknowledged finding", () => {
    // opsArn() was synthesised with the plugin on; it would have thrown on any finding.
    assert.ok(opsArn().template.toJSON());
    const careless = createScannerApp({
      outdir: outdir(),
      context: { ...CDK_JSON_CONTEXT, ...NO_BUNDLING },
      entry: ENTRY,
      rulesDir: RULES_DIR,
    });
    new iam.Policy(careless.stack, "Careless", {
      statements: [new iam.PolicyStatement({ actions: ["s3:*"], resources: ["*"] })],
      roles: [careless.stack.scanner.function.role!],
    });
    assert.throws(
      () => careless.app.synth(),
      (error: unknown) => {
        // The message points at the report file; the report names the rule and the construct.
        const path = /found in: (\S+validation-report\.json)/.exec(String((error as Error).message))?.[1];
        assert.ok(path, String(error));
        const report = readFileSync(path, "utf8");
        return report.includes("AwsSolutions-IAM5") && report.includes("Careless");
      },
    );
  });

  test("every acknowledgement carries a reason", () => {
    const { stack } = imported();
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === "aws:cdk:acknowledged-rules"))
      .flatMap((m) => Object.entries(m.data as Record<string, { reason?: string } | string>));
    assert.ok(acknowledged.length >= 5);
    for (const [id, value] of acknowledged) {
      const reason = typeof value === "string" ? value : value.reason;
      assert.ok(reason && reason.length > 40, `${id} has no real reason`);
    }
  });
});

describe("back-scan JSONata, evaluated", () => {
  // Step Functions evaluates "{% expr %}" with $states bound; jsonata is the reference implementation.
  const evaluate = async (expression: unknown, input: unknown, result?: unknown) => {
    const text = String(expression);
    assert.ok(text.startsWith("{%") && text.endsWith("%}"), text);
    // jsonata marks arrays it touches (keepSingleton): evaluate on copies, as Step Functions does.
    const copy = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
    const value = await jsonata(text.slice(2, -2)).evaluate(
      {},
      { states: { input: copy(input), ...(result ? { result: copy(result) } : {}) } },
    );
    // Step Functions serialises the value as JSON (jsonata's sequences carry extra properties).
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  };
  const states = () => definition(imported().template)["States"] as Record<string, Json>;
  const processor = () =>
    (states()["ScanObjects"]!["ItemProcessor"] as Json)["States"] as Record<string, Json>;

  test("ResolveInput fills in the defaults and keeps what the input gives", async () => {
    const resolveInput = states()["ResolveInput"]!["Output"];
    assert.deepEqual(await evaluate(resolveInput, {}), {
      bucket: "corp-edr-archive",
      prefix: "edr/",
      maxConcurrency: 40,
      maxItemsPerBatch: 20,
    });
    assert.deepEqual(await evaluate(resolveInput, { prefix: "edr/2024/", maxConcurrency: 5 }), {
      bucket: "corp-edr-archive",
      prefix: "edr/2024/",
      maxConcurrency: 5,
      maxItemsPerBatch: 20,
    });
    assert.deepEqual(await evaluate(resolveInput, "edr/"), { notAnObject: "edr/" });
  });

  test("ValidateInput accepts the archive bucket under the prefix, refuses anything else", async () => {
    const condition = ((states()["ValidateInput"]!["Choices"] as Json[])[0] as Json)["Condition"];
    const ok = { bucket: "corp-edr-archive", prefix: "edr/2024/", maxConcurrency: 40, maxItemsPerBatch: 20 };
    assert.equal(await evaluate(condition, ok), true);
    for (const bad of [
      { ...ok, bucket: "someone-elses-bucket" },
      { ...ok, prefix: "other/" },
      { ...ok, prefix: "" },
      { ...ok, prefix: 7 },
      { ...ok, maxConcurrency: 0 },
      { ...ok, maxConcurrency: 2.5 },
      { ...ok, maxConcurrency: "40" },
      { ...ok, maxItemsPerBatch: 1001 },
      { notAnObject: "edr/" },
    ]) {
      assert.equal(await evaluate(condition, bad), false, JSON.stringify(bad));
    }
    const cause = String(await evaluate(states()["InvalidInput"]!["Cause"], { ...ok, bucket: "x" }));
    assert.match(cause, /Expected \{"bucket": "corp-edr-archive"/);
    assert.match(cause, /starting with "edr\/"/);
    assert.match(cause, /got \{"bucket":"x"/);
    const huge = String(await evaluate(states()["InvalidInput"]!["Cause"], { prefix: "x".repeat(100_000) }));
    assert.ok(huge.length < 32768, `${huge.length} characters`);
  });

  // Recorded batch results: the shape processEvent returns for a back-scan batch (test/e2e/
  // lambda.test.ts checks the real handler against the loopback S3 produces it).
  const BATCH = {
    Items: [
      { Key: "edr/a.gz", Size: 10, Etag: '"1"' },
      { Key: "edr/b.gz", Size: 20, Etag: '"2"' },
      { Key: "edr/c.gz", Size: 30, Etag: '"3"' },
    ],
    BatchInput: { bucket: "corp-edr-archive" },
  };
  const scanned = (key: string, records: number, alerts: number) => ({
    key,
    outcome: "scanned",
    records,
    alerts,
  });
  const transient = (key: string, reason: string) => ({
    key,
    outcome: "failed",
    records: 0,
    alerts: 0,
    reason,
    transient: true,
  });
  const payload = (results: Json[], malformed = 0) => ({
    objects: results.filter((r) => r["outcome"] !== "failed" && r["outcome"] !== "duplicate").length,
    records: results.reduce((n, r) => n + Number(r["records"]), 0),
    malformed,
    alerts: results.reduce((n, r) => n + Number(r["alerts"]), 0),
    failed: results
      .filter((r) => r["outcome"] !== "scanned" && r["outcome"] !== "duplicate")
      .map((r) => ({ key: r["key"], reason: r["reason"], ...(r["transient"] ? { transient: true } : {}) })),
    results,
  });
  /** Runs one batch through the processor's expressions and choices until a terminal state. */
  const runBatch = async (p: Record<string, Json>, prefix: string, input: Json, payloads: Json[]) => {
    const path: string[] = [];
    let state = `${prefix}ScanBatch`;
    let data: unknown = input;
    const invoked: string[][] = [];
    for (let steps = 0; steps < 20; steps++) {
      path.push(state);
      const s = p[state]!;
      if (s["Type"] === "Task") {
        invoked.push(((data as Json)["Items"] as Json[]).map((i) => String(i["Key"])));
        const result = payloads.shift();
        assert.ok(result, `no recorded payload left for ${state}`);
        data = await evaluate(s["Output"], data, { Payload: result });
        state = String(s["Next"]);
      } else if (s["Type"] === "Choice") {
        let next = String(s["Default"]);
        for (const c of s["Choices"] as Json[]) {
          if ((await evaluate(c["Condition"], data)) === true) {
            next = String(c["Next"]);
            break;
          }
        }
        state = next;
      } else if (s["Type"] === "Pass") {
        data = await evaluate(s["Output"], data);
        state = String(s["Next"]);
      } else if (s["Type"] === "Wait") {
        assert.equal(await evaluate(s["Seconds"], data), 30 * Number((data as Json)["attempt"]));
        state = String(s["Next"]);
      } else {
        assert.equal(s["Type"], "Succeed", `${state} is ${s["Type"]}`);
        return { path, invoked, output: (await evaluate(s["Output"], data)) as Json };
      }
    }
    throw new Error(`no end after ${path.join(" -> ")}`);
  };

  test("one missing object in a batch: its neighbours are scanned, the batch succeeds naming it", async () => {
    const results = [
      scanned("edr/a.gz", 100, 2),
      { key: "edr/b.gz", outcome: "missing", records: 0, alerts: 0, reason: "NoSuchKey: gone" },
      scanned("edr/c.gz", 50, 1),
    ];
    const { path, invoked, output } = await runBatch(processor(), "", BATCH, [payload(results, 1)]);
    assert.deepEqual(path, ["ScanBatch", "AnyTransientFailure", "BatchScanned"]);
    assert.equal(invoked.length, 1, "a permanent failure is not retried");
    assert.deepEqual(output, {
      objects: 3,
      records: 150,
      malformed: 1,
      alerts: 3,
      failed: [{ key: "edr/b.gz", reason: "NoSuchKey: gone" }],
      results,
    });
  });

  test("a throttled batch: only the transient objects are retried, then the rest is reported as failed", async () => {
    const { path, invoked, output } = await runBatch(processor(), "", BATCH, [
      payload([
        scanned("edr/a.gz", 10, 0),
        transient("edr/b.gz", "SlowDown"),
        transient("edr/c.gz", "SlowDown"),
      ]),
      payload([scanned("edr/b.gz", 20, 1), transient("edr/c.gz", "ECONNRESET")]),
      payload([transient("edr/c.gz", "SlowDown")]),
    ]);
    assert.deepEqual(invoked, [["edr/a.gz", "edr/b.gz", "edr/c.gz"], ["edr/b.gz", "edr/c.gz"], ["edr/c.gz"]]);
    assert.equal(path.filter((s) => s === "ScanBatch").length, TRANSIENT_ATTEMPTS);
    assert.equal(path.at(-1), "BatchScanned");
    assert.deepEqual(output["failed"], [{ key: "edr/c.gz", reason: "SlowDown", transient: true }]);
    assert.deepEqual(
      (output["results"] as Json[]).map((r) => [r["key"], r["outcome"]]),
      [
        ["edr/a.gz", "scanned"],
        ["edr/b.gz", "scanned"],
        ["edr/c.gz", "failed"],
      ],
    );
    assert.deepEqual([output["objects"], output["records"], output["alerts"]], [2, 30, 1]);
    // A throttled invocation itself (the function at its concurrency) is retried by the task.
    const retry = (processor()["ScanBatch"]!["Retry"] as Json[]).find((r) =>
      (r["ErrorEquals"] as string[]).includes("Lambda.TooManyRequestsException"),
    )!;
    assert.ok(Number(retry["MaxAttempts"]) >= 3);
  });

  test("an all-good batch succeeds with every object's result and no failure", async () => {
    const results = [
      scanned("edr/a.gz", 1, 0),
      scanned("edr/b.gz", 2, 0),
      { ...scanned("edr/c.gz", 0, 0), outcome: "duplicate" },
    ];
    const { path, output } = await runBatch(processor(), "", BATCH, [payload(results)]);
    assert.deepEqual(path, ["ScanBatch", "AnyTransientFailure", "BatchScanned"]);
    assert.deepEqual(output["failed"], []);
    assert.deepEqual(output["results"], results);
  });

  test("the synthesized expressions are the exported ones (the e2e test evaluates those)", () => {
    const p = processor();
    assert.equal(p["ScanBatch"]!["Output"], SCAN_BATCH_OUTPUT);
    assert.equal(p["KeepTransientFailures"]!["Output"], KEEP_TRANSIENT_OUTPUT);
    assert.equal(p["BatchScanned"]!["Output"], BATCH_DONE_OUTPUT);
    const s = states();
    assert.deepEqual((s["Summarise"]!["Arguments"] as Json)["Payload"], SUMMARY_PAYLOAD);
    assert.equal(s["ObjectsFailed"]!["Cause"], OBJECTS_FAILED_CAUSE);
  });

  test("the summary is asked for with the ResultWriter's manifest; any failed object fails the execution", async () => {
    const s = states();
    assert.equal(s["ScanObjects"]!["Next"], "Summarise");
    assert.equal(s["ScanKeys"]!["Next"], "Summarise");
    const mapOutput = {
      MapRunArn: "arn:aws:states:eu-west-1:123456789012:mapRun:sm/ScanObjects:1",
      ResultWriterDetails: { Bucket: "results-bucket", Key: "backfill-results/0f3a/manifest.json" },
    };
    assert.deepEqual(await evaluate((s["Summarise"]!["Arguments"] as Json)["Payload"], mapOutput), {
      BackfillSummary: { bucket: "results-bucket", manifest: "backfill-results/0f3a/manifest.json" },
    });
    const summary = {
      listed: 3,
      scanned: 2,
      duplicate: 0,
      partial: 0,
      missing: 1,
      failedCount: 1,
      records: 150,
      malformed: 0,
      alerts: 3,
      failedBatches: 0,
      failed: [{ key: "edr/b.gz", reason: "NoSuchKey: gone" }],
      failedTruncated: false,
      failedKeys: ["edr/b.gz"],
      results: mapOutput.ResultWriterDetails,
    };
    const next = async (input: unknown) => {
      for (const c of s["AnyObjectFailed"]!["Choices"] as Json[])
        if ((await evaluate(c["Condition"], input)) === true) return c["Next"];
      return s["AnyObjectFailed"]!["Default"];
    };
    assert.deepEqual(await evaluate(s["Summarise"]!["Output"], {}, { Payload: summary }), summary);
    assert.equal(await next(summary), "ObjectsFailed");
    assert.equal(s["ObjectsFailed"]!["Type"], "Fail");
    const cause = JSON.parse(String(await evaluate(s["ObjectsFailed"]!["Cause"], summary)));
    assert.equal(cause.failedCount, 1);
    assert.deepEqual(cause.failed, summary.failed);
    assert.deepEqual(cause.results, mapOutput.ResultWriterDetails);
    assert.equal(
      await next({ ...summary, missing: 0, failedCount: 0, failed: [], failedKeys: [] }),
      "BackScanDone",
    );
    // A crashed batch counts too: the summary puts its objects in failedCount.
    assert.equal(await next({ ...summary, missing: 0, failedBatches: 1, failedCount: 20 }), "ObjectsFailed");
    // Failures in batches never fail the map silently: whole-batch failures are tolerated and counted.
    assert.equal(s["ScanObjects"]!["ToleratedFailurePercentage"], 100);
    assert.deepEqual((s["ScanObjects"]!["ResultWriter"] as Json)["WriterConfig"], {
      OutputType: "JSONL",
      Transformation: "NONE",
    });
  });

  test("the cause of a failed back-scan stays under Step Functions' 32,768 characters", async () => {
    const cause = states()["ObjectsFailed"]!["Cause"];
    const failed = (n: number, size: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `edr/${"k".repeat(size)}-${i}.gz`, reason: "corrupt" }));
    const input = (f: unknown[]) => ({ listed: f.length, scanned: 0, failedCount: f.length, failed: f });
    assert.equal(JSON.parse(String(await evaluate(cause, input(failed(3, 10))))).failed.length, 3);
    const many = JSON.parse(String(await evaluate(cause, input(failed(1000, 10)))));
    assert.equal(many.failed.length, 50);
    assert.equal(many.failedCount, 1000);
    const long = String(await evaluate(cause, input(failed(1000, 1000))));
    assert.ok(long.length <= 32768, `${long.length} characters`);
    assert.equal(JSON.parse(long).failed.length, 10);
  });

  test("a re-run of the failed keys: validated under the prefix, scanned by the same batch states", async () => {
    const s = states();
    const condition = ((s["ValidateInput"]!["Choices"] as Json[])[0] as Json)["Condition"];
    const ok = { bucket: "corp-edr-archive", prefix: "edr/", maxConcurrency: 40, maxItemsPerBatch: 20 };
    const resolved = await evaluate(s["ResolveInput"]!["Output"], { keys: ["edr/b.gz"] });
    assert.deepEqual(resolved, { ...ok, keys: ["edr/b.gz"] });
    assert.equal(await evaluate(condition, resolved), true);
    assert.equal(await evaluate(condition, { ...ok, keys: ["edr/b.gz", "edr/x/y.gz"] }), true);
    for (const keys of [[], ["other/b.gz"], ["edr/b.gz", 7], [""], "edr/b.gz", { k: "edr/b.gz" }]) {
      assert.equal(await evaluate(condition, { ...ok, keys }), false, JSON.stringify(keys));
    }
    const route = async (input: unknown) => {
      for (const c of s["ListOrKeys"]!["Choices"] as Json[])
        if ((await evaluate(c["Condition"], input)) === true) return c["Next"];
      return s["ListOrKeys"]!["Default"];
    };
    assert.equal(await route(ok), "ScanObjects");
    assert.equal(await route(resolved), "ScanKeys");
    const rerun = s["ScanKeys"]!;
    assert.equal(rerun["ItemReader"], undefined);
    assert.deepEqual(await evaluate(rerun["Items"], resolved), [{ Key: "edr/b.gz" }]);
    assert.deepEqual(await evaluate(rerun["Items"], { ...ok, keys: ["edr/b.gz", "edr/c.gz"] }), [
      { Key: "edr/b.gz" },
      { Key: "edr/c.gz" },
    ]);
    assert.deepEqual(rerun["ItemBatcher"], s["ScanObjects"]!["ItemBatcher"]);
    assert.deepEqual(rerun["ResultWriter"], s["ScanObjects"]!["ResultWriter"]);
    // The re-run's batch states are the main map's, renamed: same expressions, same outcome.
    const p = (rerun["ItemProcessor"] as Json)["States"] as Record<string, Json>;
    assert.equal(p["RerunScanBatch"]!["Output"], processor()["ScanBatch"]!["Output"]);
    const { path, output } = await runBatch(
      p,
      "Rerun",
      { Items: [{ Key: "edr/b.gz" }], BatchInput: { bucket: "corp-edr-archive" } },
      [payload([scanned("edr/b.gz", 5, 1)])],
    );
    assert.deepEqual(path, ["RerunScanBatch", "RerunAnyTransientFailure", "RerunBatchScanned"]);
    assert.deepEqual(output["failed"], []);
  });
});
