import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Records one accepted cdk-nag finding on the construct it concerns. Each construct calls this
 * for its own resources, with the reason the finding is acceptable; anything unacknowledged
 * fails `cdk synth` (the nag plugin) and the infra tests.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
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

/** A value (token or string) as it appears in a cdk-nag finding id. */
export function nagResource(scope: IConstruct, value: unknown): string {
  return flattenReference(Stack.of(scope).resolve(value));
}

/** Wildcard resources of a policy's allow statements, flattened as cdk-nag does. */
export function wildcardResources(policy: IConstruct): string[] {
  const cfn = policy.node.defaultChild as { policyDocument?: unknown } | undefined;
  const doc = Stack.of(policy).resolve(cfn?.policyDocument) as {
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
