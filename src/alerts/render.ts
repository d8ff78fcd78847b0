/**
 * One SNS message per (object, rule, part), rendered once per protocol:
 * - `default`: JSON for machines, raw values kept. Sent once: SNS delivers `default` to every
 *   protocol without a key of its own (SQS, Lambda, email-json, HTTP other than https), so
 *   repeating it under `sqs`, `lambda` and `email-json` only made each message 4x larger;
 * - `email`: plain text for a responder on a phone (verdict first, short lines, values sanitised);
 * - `https`: an AWS Chatbot custom notification that Slack renders (values sanitised, inert).
 * Pure: no AWS SDK, no I/O.
 * Somewhat over 400 lines: the three renderings of one message stay together so they show the
 * same facts; field selection (detected.ts), layout (layout.ts) and the guide (guide.ts) live apart.
 */

import type { Alert } from "./alert.ts";
import { contextRows, SLACK_LABEL, SLACK_SKIPPED } from "./detected.ts";
import { digest } from "./digest.ts";
import { guideToPlainText, guideToSlack } from "./guide.ts";
import { firstSentences, hanging, LINE, listOrdinals, wrap } from "./layout.ts";
import { mitreLines } from "./mitre.ts";
import {
  escapeSlackEntities,
  plainText,
  printableAscii,
  slackCode,
  slackPlainSummary,
  slackTitleText,
} from "./sanitize.ts";
import { isSequenceAlert } from "./sequence-alert.ts";
import { joinKeysText, sequenceStorySlack, sequenceStoryText } from "./sequence-render.ts";

export interface ObjectContext {
  readonly bucket: string;
  readonly key: string;
  /** s3://bucket/key */
  readonly uri: string;
  /** S3 version id or ETag. */
  readonly version?: string;
  /** Absent in a message sent while the object is still being scanned (the totals come last). */
  readonly records?: number;
  readonly malformed?: number;
  readonly skipped?: number;
  /** Set when the object could not be read to its end: these hits are what was recovered. */
  readonly failure?: { readonly kind: string; readonly message: string };
}

/** Rule text the alert contract does not carry but people need. */
export interface RuleContext {
  readonly description?: string;
  readonly references?: readonly string[];
  /** The rule's investigation guide (Markdown `note`): shown as the triage text when present. */
  readonly note?: string;
  /** The rule's known false positives. */
  readonly falsePositives?: readonly string[];
  /** Fields the rule's query reads: shown in "what was detected" besides the category's context. */
  readonly fields?: readonly string[];
  /** Where the full rule is (its file), named when the guide is cut to fit. */
  readonly file?: string;
}

export interface AlertMessageInput {
  /** Deterministic message id (same object version, rule and part -> same id). */
  readonly id: string;
  readonly object: ObjectContext;
  readonly rule: Alert["rule"];
  readonly ruleContext?: RuleContext;
  /** The hits in this message. */
  readonly alerts: readonly Alert[];
  /** Hits for this rule in the whole object; absent while the scan goes on. */
  readonly totalAlerts?: number;
  /** 1-based part number when the hits did not fit one message. */
  readonly part: number;
  /** Parts in all; absent in a part sent while the scan goes on (more may follow). */
  readonly parts?: number;
  /** Hits of this rule in the object beyond the per-rule cap: counted, not listed in messages. */
  readonly notListed?: number;
  /** Where every hit is kept (the alerts bucket's NDJSON object), when one is configured. */
  readonly alertsLocation?: string;
  /** What was cut to fit SNS's size limit (e.g. "raw record of record 7 (312345 bytes)"). */
  readonly truncated?: readonly string[];
}

export const PROTOCOL_KEYS = ["default", "email", "https"] as const;
export type ProtocolKey = (typeof PROTOCOL_KEYS)[number];

export interface RenderedMessage {
  readonly subject: string;
  /** Keyed by protocol; JSON.stringify it for MessageStructure "json". */
  readonly message: Readonly<Record<ProtocolKey, string>>;
  readonly attributes: { readonly rule_id: string; readonly severity: string; readonly host: string };
}

/** Hits shown one by one in the email; the rest are listed by record ordinal. */
export const EMAIL_DETAILED_HITS = 10;
/** Hits shown in the Slack description (Chatbot truncates long descriptions). */
export const SLACK_DETAILED_HITS = 3;
/** Per-value cap in the human renderings. */
const VALUE_CHARS = 600;

export function renderMessage(input: AlertMessageInput): RenderedMessage {
  const json = renderJson(input);
  return {
    subject: renderSubject(input),
    message: {
      default: json,
      email: renderEmail(input),
      https: renderChatbot(input),
    },
    attributes: {
      rule_id: printableAscii(input.rule.id, 256) || "unknown",
      severity: printableAscii(input.rule.severity, 32) || "unknown",
      host: hostAttribute(input.alerts),
    },
  };
}

/** `{"alerts":[...],"object":"s3://...","counts":{...}}` plus id, rule, failure and truncation notes. */
export function renderJson(input: AlertMessageInput): string {
  const { object } = input;
  return JSON.stringify({
    id: input.id,
    object: object.uri,
    ...(object.version === undefined ? {} : { version: object.version }),
    rule: input.rule,
    // null: not known yet (a part sent while the object is still being scanned).
    counts: {
      records: object.records ?? null,
      malformed: object.malformed ?? null,
      skipped: object.skipped ?? 0,
      alerts: input.totalAlerts ?? null,
      in_message: input.alerts.length,
      not_listed: input.notListed ?? 0,
      part: input.part,
      parts: input.parts ?? null,
    },
    ...(input.alertsLocation === undefined ? {} : { alerts_location: input.alertsLocation }),
    ...(object.failure === undefined ? {} : { failure: object.failure }),
    ...(input.truncated === undefined || input.truncated.length === 0 ? {} : { truncated: input.truncated }),
    alerts: input.alerts,
  });
}

/** `[low] NetworkManager Dispatcher Script Creation on web-7`: at most 100 printable ASCII characters. */
export function renderSubject(input: AlertMessageInput): string {
  const hosts = distinctHosts(input.alerts);
  const first = hosts[0];
  let where = "";
  if (first !== undefined) {
    where = ` on ${printableAscii(first, 40)}`;
    if (hosts.length > 1) where += ` +${hosts.length - 1} hosts`;
  }
  const part = partLabel(input);
  const severity = `[${printableAscii(input.rule.severity, 10)}] `;
  const tail = `${where}${part}`;
  const name = printableAscii(input.rule.name, Math.max(10, 100 - severity.length - tail.length));
  return `${severity}${name}${tail}`.slice(0, 100);
}

export function renderEmail(input: AlertMessageInput): string {
  const { rule, object, alerts } = input;
  const out: string[] = [];
  const hosts = distinctHosts(alerts);
  const hits = alerts.length === 1 ? "1 hit" : `${alerts.length} hits`;
  out.push(`ALERT: ${plainText(rule.name, 200)}`);
  out.push(`Severity ${plainText(rule.severity, 20)}, risk score ${rule.risk_score}`);
  out.push(
    `${hits} on ${hosts.length === 0 ? "an unknown host" : hosts.map((h) => plainText(h, 80)).join(", ")}` +
      (input.parts === undefined
        ? ` (message ${input.part}; the scan goes on, the last message gives the totals)`
        : input.parts > 1 || (input.notListed ?? 0) > 0
          ? ` (message ${input.part} of ${input.parts}, ${input.totalAlerts ?? alerts.length} hits in all)`
          : ""),
  );
  if ((input.notListed ?? 0) > 0) {
    out.push("");
    out.push(`${input.notListed} MORE HITS NOT LISTED: over the limit of hits per rule and object`);
    out.push(
      input.alertsLocation === undefined
        ? "in messages. Scan the object with edr-scan to see every hit."
        : `in messages. Every hit: ${plainText(input.alertsLocation, VALUE_CHARS)}`,
    );
  }
  if (object.failure !== undefined) {
    out.push("");
    out.push("WARNING: the object could not be read to its end");
    out.push(`(${plainText(object.failure.kind, 60)}). These hits were found before`);
    out.push("the damage; records after it were not scanned.");
  }
  const description = input.ruleContext?.description;
  if (description !== undefined && description.trim() !== "") {
    out.push("", "WHY IT MATTERS", ...wrap(plainText(description.replace(/\s+/g, " ").trim(), 700), LINE));
  }
  alerts.slice(0, EMAIL_DETAILED_HITS).forEach((a, i) => {
    out.push("", alerts.length === 1 ? "WHAT WAS DETECTED" : `HIT ${i + 1} OF ${alerts.length}`);
    out.push(...hitLines(a, input.ruleContext?.fields));
  });
  if (alerts.length > EMAIL_DETAILED_HITS) {
    const rest = alerts.slice(EMAIL_DETAILED_HITS).map((a) => a.source.record);
    out.push("", `${rest.length} MORE HITS at records:`);
    out.push(...wrap(listOrdinals(rest, 200), LINE));
  }
  out.push("", "RULE");
  out.push(`${plainText(rule.name, 200)}`);
  out.push(`Severity ${plainText(rule.severity, 20)}, risk score ${rule.risk_score}`);
  out.push(`Rule id ${plainText(rule.id, 80)}`);
  const mitre = mitreLines(rule.threat);
  if (mitre.length > 0) out.push("MITRE ATT&CK:", ...mitre.flatMap((l) => hanging(`- ${l}`, "  ")));
  out.push("", "S3 OBJECT");
  out.push(plainText(object.uri, VALUE_CHARS));
  if (object.version !== undefined) out.push(`version/ETag ${plainText(object.version, 120)}`);
  if (object.records !== undefined) {
    out.push(
      `${object.records} records scanned, ${object.malformed ?? 0} malformed` +
        (object.skipped ? `, ${object.skipped} too long` : ""),
    );
  }
  const note = input.ruleContext?.note;
  if (note !== undefined && note.trim() !== "") {
    // The rule's own guide is the triage text: it knows what the rule is about; ours does not.
    const guide = guideToPlainText(note, EMAIL_GUIDE_CHARS, guidePointer(rule, input.ruleContext));
    out.push(
      "",
      "INVESTIGATION GUIDE (from the rule)",
      ...guide.text.split("\n").flatMap((l) => guideLine(l)),
    );
  } else {
    out.push("", "FIRST TRIAGE STEPS", ...triageSteps(alerts).flatMap((l) => hanging(l, "   ")));
  }
  const fps = input.ruleContext?.falsePositives ?? [];
  if (fps.length > 0) {
    out.push("", "KNOWN FALSE POSITIVES");
    for (const fp of fps.slice(0, 5))
      out.push(...hanging(`- ${plainText(fp.replace(/\s+/g, " ").trim(), 400)}`, "  "));
  }
  if (input.truncated !== undefined && input.truncated.length > 0) {
    out.push("", "NOTE: cut to fit the 256 KiB SNS limit:");
    for (const t of input.truncated) out.push(`- ${plainText(t, 200)}`);
  }
  out.push("", `Message id ${input.id}`);
  return out.join("\n");
}

/** The AWS Chatbot custom notification schema (version 1.0, source custom). */
export function renderChatbot(input: AlertMessageInput): string {
  const { rule, object, alerts } = input;
  const hosts = distinctHosts(alerts);
  const hostTitle =
    hosts[0] === undefined
      ? ""
      : ` on ${slackTitleText(hosts[0], 40)}${hosts.length > 1 ? ` +${hosts.length - 1}` : ""}`;
  const part = partLabel(input);
  const title = `:rotating_light: [${slackTitleText(rule.severity, 10)}] ${slackTitleText(rule.name, 100)}${hostTitle}${part}`;
  const lines: string[] = [];
  const hits = alerts.length === 1 ? "1 hit" : `${alerts.length} hits`;
  lines.push(
    `*${hits}* · severity *${slackTitleText(rule.severity, 10)}* · risk score *${rule.risk_score}*` +
      (input.parts === undefined
        ? " · more may follow"
        : input.parts > 1 || (input.notListed ?? 0) > 0
          ? ` · ${input.totalAlerts ?? alerts.length} hits in all`
          : ""),
  );
  if ((input.notListed ?? 0) > 0) {
    lines.push(
      `${input.notListed} more hits not listed` +
        (input.alertsLocation === undefined ? "" : `: every hit in ${slackCode(input.alertsLocation, 300)}`),
    );
  }
  if (object.failure !== undefined) {
    lines.push(
      `:warning: object damaged (${slackCode(object.failure.kind, 60)}): hits found before the damage`,
    );
  }
  const description = input.ruleContext?.description;
  if (description !== undefined && description.trim() !== "") {
    lines.push(escapeSlackEntities(plainText(firstSentences(description, 300), 400)));
  }
  for (const a of alerts.slice(0, SLACK_DETAILED_HITS)) {
    const e = a.event;
    const parts = [
      `• *record ${a.source.record}*`,
      field("host", hostOf(e)),
      // Slack shows one line per hit: the category's main rows, in short labels.
      ...contextRows(e, input.ruleContext?.fields)
        .filter(([label]) => !SLACK_SKIPPED.has(label))
        .slice(0, 6)
        .map(([label, v]) => field(SLACK_LABEL[label] ?? label.toLowerCase(), v)),
      field("time", e["@timestamp"]),
    ].filter((p) => p !== "");
    lines.push(parts.join(" "));
    // A sequence: its story, one line per member event (sequence-render.ts).
    if (isSequenceAlert(a)) lines.push(...sequenceStorySlack(a).map((l) => `    ${l}`));
  }
  if (alerts.length > SLACK_DETAILED_HITS) {
    lines.push(
      `… and ${alerts.length - SLACK_DETAILED_HITS} more (records ${listOrdinals(
        alerts.slice(SLACK_DETAILED_HITS).map((a) => a.source.record),
        30,
      )})`,
    );
  }
  const mitre = mitreLines(rule.threat);
  if (mitre.length > 0) lines.push(`*MITRE ATT&amp;CK* ${escapeSlackEntities(mitre.join("; "))}`);
  lines.push(`*Object* ${slackCode(object.uri, 300)}`);
  const slackNote = input.ruleContext?.note;
  if (slackNote !== undefined && slackNote.trim() !== "") {
    const guide = guideToSlack(slackNote, SLACK_GUIDE_CHARS, guidePointer(rule, input.ruleContext));
    lines.push("", "*Investigation guide* (from the rule)", guide.text);
  }
  const summary = `${hits}: ${slackPlainSummary(rule.name, 100)}${hosts[0] === undefined ? "" : ` on ${slackPlainSummary(hosts[0], 40)}`}`;
  return JSON.stringify({
    version: "1.0",
    source: "custom",
    id: input.id,
    content: {
      textType: "client-markdown",
      title,
      description: lines.join("\n"),
      nextSteps: triageSteps(alerts, true).map((s) => s.replace(/^\d+\. /, "")),
      keywords: [
        slackTitleText(rule.severity, 10),
        ...rule.threat.map((t) => slackTitleText(t.tactic.name, 40)),
      ].filter((k) => k !== ""),
    },
    metadata: {
      // One Slack thread per object and rule: the parts of a split message land together.
      threadId: `${printableAscii(rule.id, 64)}:${digest([object.uri, object.version ?? ""], 16)}`,
      summary: escapeSlackEntities(summary),
      eventType: "EdrAlert",
      relatedResources: [escapeSlackEntities(printableAscii(object.uri, 300))],
      additionalContext: {
        rule_id: printableAscii(rule.id, 64),
        severity: printableAscii(rule.severity, 10),
        risk_score: String(rule.risk_score),
        records: alerts
          .map((a) => a.source.record)
          .slice(0, 50)
          .join(","),
      },
    },
  });
}

/** ` (2/5)` for a split message, ` (part 2)` while the scan goes on, nothing for a single message. */
function partLabel(input: AlertMessageInput): string {
  if (input.parts === undefined) return ` (part ${input.part})`;
  return input.parts > 1 ? ` (${input.part}/${input.parts})` : "";
}

function field(label: string, value: unknown): string {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return "";
  return `${label} ${slackCode(value, 200)}`;
}

function hitLines(a: Alert, ruleFields?: readonly string[]): string[] {
  // A sequence: its story first (sequence-render.ts); the rows below are its last event's.
  const story = isSequenceAlert(a)
    ? [`Sequence by ${joinKeysText(a)}:`, ...sequenceStoryText(a).flatMap((l) => hanging(l, "   "))]
    : [];
  const e = a.event;
  const rows: [string, unknown][] = [
    ["Host", hostOf(e)],
    ...contextRows(e, ruleFields),
    ["Time", e["@timestamp"]],
    ["Record", a.source.record],
  ];
  return [
    ...story,
    ...rows
      .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => {
        const label = `${k}:`;
        return `${label.length < 9 ? label.padEnd(9) : `${label} `}${plainText(v, VALUE_CHARS)}`;
      }),
  ];
}

/** Characters of a rule's guide in the email and in Slack (Chatbot cuts long descriptions). */
const EMAIL_GUIDE_CHARS = 3000;
const SLACK_GUIDE_CHARS = 1200;

function guidePointer(rule: Alert["rule"], ctx: RuleContext | undefined): string {
  return `the full guide is the note of rule ${printableAscii(rule.id, 80)}${ctx?.file === undefined ? "" : ` (${plainText(ctx.file, 200)})`}`;
}

/** A guide line wrapped for a phone, list items with a hanging indent; code lines kept whole. */
function guideLine(line: string): string[] {
  if (line.startsWith("    ") || line.length <= LINE) return [line];
  const m = /^(\s*(?:[-•] |\d+\. |> )?)/.exec(line);
  const lead = m?.[1] ?? "";
  return hanging(line, " ".repeat(lead.length));
}

function triageSteps(alerts: readonly Alert[], slack = false): string[] {
  const first = alerts[0]?.event ?? {};
  const show = (v: unknown): string => (slack ? slackCode(v, 200) : plainText(v, 200));
  const host = hostOf(first);
  const file = first["file.path"];
  const steps: string[] = [];
  if (file !== undefined) {
    steps.push(
      `Inspect ${show(file)}${host === undefined ? "" : ` on ${show(host)}`} (read it, do not run it): who owns it, when, what it runs.`,
    );
    steps.push("Check whether a package or your config management placed it (dpkg -S, rpm -qf).");
  }
  steps.push("Review the creating process, its parent and the user: expected admin work or not?");
  steps.push("Search for other activity from this host and user around the same time.");
  steps.push("If unexplained: isolate the host, preserve the file, then remove it.");
  return steps.map((s, i) => `${i + 1}. ${s}`);
}

/**
 * The host an alert is about: host.name, else host.hostname (some sources' ECS views, such as
 * SentinelOne Cloud Funnel's, fill only the latter).
 */
function hostOf(event: Readonly<Record<string, unknown>>): unknown {
  return event["host.name"] ?? event["host.hostname"];
}

export function distinctHosts(alerts: readonly Alert[]): string[] {
  const seen = new Set<string>();
  for (const a of alerts) {
    const h = hostOf(a.event);
    for (const v of Array.isArray(h) ? h : [h]) if (typeof v === "string" && v !== "") seen.add(v);
  }
  return [...seen];
}

/** The `host` message attribute: the one host, "multiple", or "unknown" (subscribers filter on it). */
function hostAttribute(alerts: readonly Alert[]): string {
  const hosts = distinctHosts(alerts);
  if (hosts.length === 0) return "unknown";
  if (hosts.length > 1) return "multiple";
  return printableAscii(hosts[0], 253) || "unknown";
}

export { hanging, wrap } from "./layout.ts";
