/**
 * The alert contract (one JSON object per line from the CLI; `alerts[]` in SNS messages).
 * Later work extends it and never breaks it.
 */
import { createHash } from "node:crypto";
import type { Rule, Threat } from "../rules/rule.ts";

export interface Alert {
  /** Deterministic: the same rule, object (and version) and record always give the same id. */
  readonly id: string;
  readonly rule: {
    readonly id: string;
    readonly name: string;
    readonly severity: string;
    readonly risk_score: number;
    readonly threat: readonly Threat[];
  };
  readonly source: {
    /** File path or s3://bucket/key. */
    readonly uri: string;
    /** 1-based ordinal of the record in the object. */
    readonly record: number;
    /** S3 version id or ETag when known. */
    readonly version?: string;
  };
  /** The ECS view: the fields the rule read plus @timestamp, host.name, process.pid, ... */
  readonly event: Record<string, unknown>;
  /** The original record exactly as parsed. */
  readonly raw: unknown;
}

/** sha256 over (rule id, uri, version, ordinal), hex, 32 chars. */
export function alertId(ruleId: string, uri: string, version: string | undefined, record: number): string {
  return createHash("sha256")
    .update(`${ruleId}\u0000${uri}\u0000${version ?? ""}\u0000${record}`)
    .digest("hex")
    .slice(0, 32);
}

export function ruleSummary(rule: Rule): Alert["rule"] {
  return {
    id: rule.id,
    name: rule.name,
    severity: rule.severity,
    risk_score: rule.riskScore,
    threat: rule.threat,
  };
}
