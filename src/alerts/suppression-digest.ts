/**
 * The suppression digest: at the end of an object, one message per rule that held alerts back,
 * listing each group and how many of its alerts were suppressed (docs/tuning.md). Sent because a
 * window may never see a next alert, and the count must still reach people. Pure: no SDK.
 */
import { digest } from "./digest.ts";
import { type MessageAttribute, type PlannedMessage, sizeOf } from "./messages.ts";
import { plainText, printableAscii, slackCode, slackTitleText } from "./sanitize.ts";

export interface SuppressedGroupCount {
  /** Each group_by field with its values (null: the event lacked it). */
  readonly group: Readonly<Record<string, readonly string[] | null>>;
  readonly count: number;
}

export interface SuppressionDigestInput {
  readonly rule: { readonly id: string; readonly name: string; readonly severity: string };
  readonly object: { readonly uri: string; readonly version?: string };
  readonly windowMs: number | null;
  readonly groups: readonly SuppressedGroupCount[];
}

/** Groups listed in one digest; the rest are summed (a digest stays small whatever the flood). */
export const DIGEST_GROUPS = 50;

function groupText(g: SuppressedGroupCount["group"]): string {
  return Object.entries(g)
    .map(([f, v]) => `${f}=${v === null ? "(missing)" : v.join(",")}`)
    .join(" ");
}

function windowText(ms: number | null): string {
  if (ms === null) return "per object";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

export function planSuppressionDigest(input: SuppressionDigestInput): PlannedMessage {
  const { rule, object, groups } = input;
  const total = groups.reduce((n, g) => n + g.count, 0);
  const shown = [...groups].sort((a, b) => b.count - a.count).slice(0, DIGEST_GROUPS);
  const rest = groups.length - shown.length;
  const id = digest(["suppression-digest", rule.id, object.uri, object.version ?? ""]);
  const subject = printableAscii(`[${rule.severity}] ${rule.name}: ${total} similar alerts suppressed`, 100);
  const json = JSON.stringify({
    id,
    kind: "suppression-digest",
    object: object.uri,
    ...(object.version === undefined ? {} : { version: object.version }),
    rule,
    window_ms: input.windowMs,
    suppressed: total,
    groups: shown.map((g) => ({ group: g.group, suppressed: g.count })),
    ...(rest > 0 ? { groups_not_listed: rest } : {}),
  });
  const emailLines = [
    `SUPPRESSED: ${plainText(rule.name, 200)}`,
    "",
    `${total} alert${total === 1 ? "" : "s"} of this rule in ${plainText(object.uri, 500)} were held back by the`,
    `rule's alert suppression (one alert per group per ${windowText(input.windowMs)}); the first alert of`,
    "each group was sent on its own.",
    "",
    ...shown.map((g) => `  ${String(g.count).padStart(6)}  ${plainText(groupText(g.group), 300)}`),
    ...(rest > 0 ? [`  ... and ${rest} more groups`] : []),
    "",
    `Rule id ${plainText(rule.id, 100)}`,
  ];
  const slack = {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      // slackTitleText: a rule name from an export could carry @here or [text](url).
      title: `:mute: ${slackTitleText(rule.name, 100)}: ${total} alerts suppressed`,
      description: [
        `*${total}* alerts held back (one per group per ${windowText(input.windowMs)}) in ${slackCode(object.uri, 300)}`,
        ...shown.slice(0, 10).map((g) => `• ${g.count} × ${slackCode(groupText(g.group), 200)}`),
        ...(shown.length > 10 || rest > 0
          ? [`… ${groups.length - Math.min(10, shown.length)} more groups`]
          : []),
      ].join("\n"),
    },
  };
  const message = JSON.stringify({
    default: json,
    email: emailLines.join("\n"),
    https: JSON.stringify(slack),
  });
  const attributes: Record<string, MessageAttribute> = {
    rule_id: { DataType: "String", StringValue: printableAscii(rule.id, 256) || "unknown" },
    severity: { DataType: "String", StringValue: printableAscii(rule.severity, 32) || "unknown" },
    kind: { DataType: "String", StringValue: "suppression-digest" },
  };
  return {
    id,
    subject,
    message,
    attributes,
    bytes: sizeOf(subject, message, attributes),
    ruleId: rule.id,
    alerts: 0,
  };
}
