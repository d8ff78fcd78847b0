import { type Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { ScannerStack } from "./scanner-stack.ts";

/** One accepted cdk-nag finding: the rule id (with its finding suffix) and why it is acceptable. */
export interface NagAcknowledgement {
  readonly construct: IConstruct;
  readonly id: string;
  readonly reason: string;
}

/**
 * The same flattening cdk-nag applies to CloudFormation references in finding ids
 * (`{"Ref":"X"}` -> `<X>`, `{"Fn::GetAtt":["X","Arn"]}` -> `<X.Arn>`, joins concatenated), so an
 * acknowledgement names the exact resource rather than the whole rule.
 */
export function flattenReference(node: unknown): string {
  if (node === undefined) return "";
  if (typeof node === "string") return node.replace(/\$\{/g, "<").replace(/}/g, ">");
  if (typeof node === "object" && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o["Fn::Join"])) {
      const [delimiter, items] = o["Fn::Join"] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (o["Fn::Sub"] !== undefined) return flattenReference(o["Fn::Sub"]);
    if (Array.isArray(o["Fn::GetAtt"])) {
      const [resource, attribute] = o["Fn::GetAtt"] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (o["Fn::ImportValue"] !== undefined) return flattenReference(o["Fn::ImportValue"]);
    if (o["Ref"] !== undefined) return `<${flattenReference(o["Ref"])}>`;
  }
  return JSON.stringify(node);
}

/** Wildcard resources of a policy's allow statements, flattened as cdk-nag does. */
function wildcardResources(stack: Stack, policy: IConstruct): string[] {
  const cfn = policy.node.defaultChild as { policyDocument?: unknown } | undefined;
  const doc = stack.resolve(cfn?.policyDocument) as {
    Statement?: Array<{ Effect?: string; Resource?: unknown }>;
  };
  const out = new Set<string>();
  for (const s of doc?.Statement ?? []) {
    if (s.Effect !== "Allow") continue;
    for (const r of Array.isArray(s.Resource) ? s.Resource : [s.Resource]) {
      const flat = flattenReference(r);
      if (flat.includes("*")) out.add(flat);
    }
  }
  return [...out];
}

/**
 * cdk-nag (AwsSolutions) findings this stack accepts, each on the narrowest construct with its
 * reason. Anything else fails `cdk synth` (the nag plugin) and the infra tests.
 */
export function nagAcknowledgements(stack: ScannerStack): NagAcknowledgement[] {
  const acks: NagAcknowledgement[] = [];
  const resolve = (v: unknown) => flattenReference(stack.resolve(v));
  const fn = stack.scanner.function;
  const fnPolicy = fn.role?.node.tryFindChild("DefaultPolicy");
  if (fnPolicy) {
    acks.push({
      construct: fnPolicy,
      id: `AwsSolutions-IAM5[Resource::${resolve(stack.archiveBucket.arnForObjects(`${stack.scanner.prefix}*`))}]`,
      reason:
        "The function reads objects whose keys it learns from notifications; the grant is s3:GetObject and " +
        "s3:GetObjectVersion only, on the archive bucket's objects under the configured prefix.",
    });
  }
  acks.push({
    construct: fn,
    id: "AwsSolutions-L1",
    reason:
      "Node.js 22 is the runtime the code is built (esbuild target node22) and tested for; a runtime upgrade " +
      "is a deliberate, tested change.",
  });

  const sm = stack.backfill.stateMachine;
  acks.push(
    {
      construct: sm,
      id: "AwsSolutions-SF1",
      reason:
        "Back-scans run millions of child executions; ALL-level logging would log every state transition. " +
        "Errors are logged, and per-batch outcomes are written to the results bucket by the ResultWriter.",
    },
    {
      construct: sm,
      id: "AwsSolutions-SF2",
      reason:
        "X-Ray tracing of every child execution adds cost without insight here: each child is one Lambda " +
        "invocation whose logs and metrics are already in CloudWatch.",
    },
  );
  const smPolicy = sm.role.node.tryFindChild("DefaultPolicy");
  if (smPolicy) {
    acks.push(
      {
        construct: smPolicy,
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${resolve(stack.backfill.resultsBucket.bucketName)}/*]`,
        reason:
          "The Distributed Map ResultWriter writes result files with generated names (manifest, SUCCEEDED_n, " +
          "FAILED_n) into the back-scan results bucket only.",
      },
      {
        construct: smPolicy,
        id: `AwsSolutions-IAM5[Resource::${resolve(fn.functionArn)}:*]`,
        reason:
          "lambda:InvokeFunction on the scanner function and its versions/aliases (CDK's LambdaInvoke grant).",
      },
      {
        construct: smPolicy,
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "CloudWatch Logs vended log delivery (logs:CreateLogDelivery and related) has no resource-level " +
          "permissions; it is how Step Functions writes its execution log.",
      },
    );
  }
  const mapPolicy = sm.node.tryFindChild("DistributedMapPolicy");
  if (mapPolicy) {
    for (const resource of wildcardResources(stack, mapPolicy)) {
      acks.push({
        construct: mapPolicy,
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          "The Distributed Map describes, stops and redrives its own child executions, whose names are " +
          "generated at run time; scoped to executions of this state machine.",
      });
    }
  }

  for (const child of stack.node.children) {
    if (!child.node.id.startsWith("BucketNotificationsHandler")) continue;
    const role = child.node.tryFindChild("Role");
    if (!role) continue;
    acks.push({
      construct: role,
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason:
        "CDK's own BucketNotifications custom resource (it sets the bucket's notification configuration at " +
        "deployment); its role and runtime are managed by aws-cdk-lib, and its only other permission is " +
        "s3:PutBucketNotification on the archive bucket.",
    });
  }
  return acks;
}

/** Records every acknowledgement of {@link nagAcknowledgements} with Validations (cdk-nag v3). */
export function acknowledgeNagFindings(stack: ScannerStack): void {
  for (const ack of nagAcknowledgements(stack)) {
    Validations.of(ack.construct).acknowledge({ id: ack.id, reason: ack.reason });
  }
}
