/**
 * The CLI's text rendering: one block per alert for people at a terminal. Every value comes from
 * a log record an attacker may have written, so it goes through the same sanitiser as email and
 * Slack (terminal escape sequences, CR that rewrites a line, bidi overrides, zero-width
 * characters are all shown escaped).
 */
import type { Alert } from "./alert.ts";
import { mitreLines } from "./mitre.ts";
import { escapeControls, truncate } from "./sanitize.ts";
import { isSequenceAlert } from "./sequence-alert.ts";
import { joinKeysText, sequenceStoryText } from "./sequence-render.ts";

/** A value for the terminal: cut to `max` characters, then every unsafe character escaped. */
export function safeText(value: string, max = 2000): string {
  return escapeControls(truncate(value, max));
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => safeText(String(v))).join(", ");
  return safeText(typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)));
}

export function renderText(alert: Alert): string {
  const lines: string[] = [];
  const r = alert.rule;
  lines.push(`ALERT ${safeText(r.name)} (severity ${safeText(r.severity)}, risk ${r.risk_score})`);
  lines.push(`  object:  ${safeText(alert.source.uri)} record ${alert.source.record}`);
  const threat = mitreLines(r.threat);
  if (threat.length > 0) lines.push(`  att&ck:  ${safeText(threat.join("; "))}`);
  lines.push(`  rule id: ${safeText(r.id)}`);
  lines.push(`  alert:   ${alert.id}`);
  if (isSequenceAlert(alert)) {
    // A sequence: its story, step by step; the fields below are the last step's.
    lines.push(`  ${alert.sequence.kind} by ${joinKeysText(alert)}:`);
    for (const l of sequenceStoryText(alert)) lines.push(`    ${l}`);
  }
  const keys = Object.keys(alert.event);
  const width = Math.min(28, Math.max(0, ...keys.map((k) => k.length)));
  for (const k of keys) lines.push(`  ${safeText(k).padEnd(width)}  ${show(alert.event[k])}`);
  return `${lines.join("\n")}\n\n`;
}
