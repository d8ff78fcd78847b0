/**
 * Alerts for sequences and samples: one alert per completed sequence (Kibana's shape: the rule,
 * the join key values and every member event in order), whose id comes from its member events
 * only, so whichever driver completes it (one CLI run, any Lambda invocation, a back-scan) names
 * it the same and the Lambda can publish it once.
 */
import type { Rule } from "../rules/index.ts";
import { type Alert, ruleSummary } from "./alert.ts";
import { digest } from "./digest.ts";

/** One member event of a sequence alert. */
export interface SequenceAlertMember {
  readonly uri: string;
  readonly version?: string;
  /** 1-based ordinal of the record in its object. */
  readonly record: number;
  /** The fields the rule read plus the context fields (as `Alert.event`). */
  readonly event: Record<string, unknown>;
}

export interface SequenceAlertInfo {
  readonly kind: "sequence" | "sample";
  /** Elasticsearch's `join_keys`: the shared `by` values, then the steps' own. */
  readonly join_keys: readonly (string | number | boolean | null)[];
  readonly events: readonly SequenceAlertMember[];
}

/**
 * An Alert (the single-event contract, unchanged) plus `sequence`. `source` and `event` are the
 * last member's, so every consumer of Alert keeps working; JSON output carries `sequence` too.
 */
export interface SequenceAlert extends Alert {
  readonly sequence: SequenceAlertInfo;
}

/** True for the alert of a sequence or sample rule. */
export function isSequenceAlert(alert: Alert): alert is SequenceAlert {
  const s = (alert as { sequence?: unknown }).sequence;
  return typeof s === "object" && s !== null;
}

/**
 * sha256 over ("sequence", rule id, then each member event's JSON), hex, 32 chars. From the
 * member events' content, not their place: archives hold duplicates (Firehose and agents deliver
 * at least once, a back-scan re-reads a day), and a sequence seen again in a copy of its records
 * is the same sequence, so it keeps its id and the Lambda's claim publishes it once.
 */
export function sequenceAlertId(ruleId: string, members: readonly SequenceAlertMember[]): string {
  const parts: string[] = ["sequence", ruleId];
  for (const m of members) parts.push(JSON.stringify(m.event));
  return digest(parts);
}

export interface SequenceAlertInput {
  readonly rule: Rule;
  readonly kind: "sequence" | "sample";
  readonly joinKeys: readonly (string | number | boolean | null)[];
  /** The member events in sequence order (missing-event stages left out). */
  readonly members: readonly SequenceAlertMember[];
}

/**
 * The alert of one sequence. For readers of the single-event contract, `source` and `event` are
 * the last member's (the event that completed the sequence) and `raw` is null: the member events
 * are in `sequence.events`, projected to the fields the rule reads plus the context fields (the
 * full records are not kept: the Lambda's state store holds projections only).
 */
export function buildSequenceAlert(input: SequenceAlertInput): SequenceAlert {
  const { rule, kind, joinKeys, members } = input;
  const last = members[members.length - 1];
  if (last === undefined) throw new RangeError("a sequence alert needs at least one member event");
  return {
    id: sequenceAlertId(rule.id, members),
    rule: ruleSummary(rule),
    source:
      last.version === undefined
        ? { uri: last.uri, record: last.record }
        : { uri: last.uri, record: last.record, version: last.version },
    event: last.event,
    raw: null,
    sequence: { kind, join_keys: joinKeys, events: members },
  };
}
