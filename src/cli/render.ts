/**
 * Alert output. ndjson: the alert contract, one JSON object per line (a machine interface that
 * later work extends and never breaks). text: one block per alert for people at a terminal.
 *
 * Every value in the text view comes from a log record an attacker may have written, so control
 * characters (terminal escape sequences, CR that rewrites a line, NUL) are shown escaped.
 */
import type { Alert } from "../alerts/alert.ts";
import type { OutputFormat } from "./options.ts";

export function renderNdjson(alert: Alert): string {
  return `${JSON.stringify(alert)}\n`;
}

/** Escapes C0/C1 controls, DEL and line/paragraph separators; truncates very long values. */
export function safeText(value: string, max = 2000): string {
  const cut = value.length > max ? `${value.slice(0, max)}… (${value.length} chars)` : value;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    switch (c) {
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => safeText(String(v))).join(", ");
  return safeText(typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)));
}

function threatLine(alert: Alert): string | undefined {
  const parts: string[] = [];
  for (const t of alert.rule.threat) {
    const techniques = (t.technique ?? []).map((x) => {
      const subs = (x.subtechnique ?? []).map((s) => s.id);
      return subs.length > 0 ? `${x.id} (${subs.join(", ")})` : x.id;
    });
    parts.push(`${t.tactic.id} ${t.tactic.name}${techniques.length > 0 ? `: ${techniques.join(", ")}` : ""}`);
  }
  return parts.length > 0 ? parts.join("; ") : undefined;
}

export function renderText(alert: Alert): string {
  const lines: string[] = [];
  const r = alert.rule;
  lines.push(`ALERT ${safeText(r.name)} (severity ${safeText(r.severity)}, risk ${r.risk_score})`);
  lines.push(`  object:  ${safeText(alert.source.uri)} record ${alert.source.record}`);
  const threat = threatLine(alert);
  if (threat !== undefined) lines.push(`  att&ck:  ${safeText(threat)}`);
  lines.push(`  rule id: ${safeText(r.id)}`);
  lines.push(`  alert:   ${alert.id}`);
  const keys = Object.keys(alert.event);
  const width = Math.min(28, Math.max(0, ...keys.map((k) => k.length)));
  for (const k of keys) lines.push(`  ${safeText(k).padEnd(width)}  ${show(alert.event[k])}`);
  return `${lines.join("\n")}\n\n`;
}

export function renderAlert(alert: Alert, format: OutputFormat): string {
  return format === "ndjson" ? renderNdjson(alert) : renderText(alert);
}
