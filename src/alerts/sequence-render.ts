/**
 * A sequence alert told as the story it is: one numbered line per member event, in order
 * ("1. curl wrote /tmp/x  2. chmod +x /tmp/x  3. /tmp/x ran"), with the time and where it was
 * read, for email (plain text), Slack (mrkdwn, values as inert code spans) and the CLI. Every
 * value comes from a record an attacker may have written: it goes through sanitize.ts.
 */
import { plainText, slackCode } from "./sanitize.ts";
import type { SequenceAlert, SequenceAlertMember } from "./sequence-alert.ts";

/** One step of a story: what happened, as (verb phrase parts) with the values kept apart. */
interface Phrase {
  /** Alternating literal text and values: even indexes are our words, odd ones log values. */
  readonly parts: readonly string[];
}

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(String).join(" ");
  if (v === undefined || v === null) return undefined;
  return String(v);
}

function has(e: Record<string, unknown>, field: string, value: string): boolean {
  const v = e[field];
  return Array.isArray(v) ? v.map(String).includes(value) : v !== undefined && String(v) === value;
}

/** The phrase for one event, from its ECS fields (category, type, process, file, network, dns). */
export function describeEvent(e: Record<string, unknown>): Phrase {
  const proc = one(e["process.name"]) ?? one(e["process.executable"]) ?? "a process";
  const file = one(e["file.path"]) ?? one(e["file.name"]);
  if (has(e, "event.category", "file") && file !== undefined) {
    const verb = has(e, "event.type", "deletion")
      ? "deleted"
      : has(e, "event.type", "creation")
        ? "wrote"
        : has(e, "event.type", "change")
          ? "changed"
          : "touched";
    return { parts: ["", proc, ` ${verb} `, file] };
  }
  if (has(e, "event.category", "network")) {
    const dst = one(e["destination.domain"]) ?? one(e["destination.ip"]);
    if (dst !== undefined) {
      const port = one(e["destination.port"]);
      return { parts: ["", proc, " connected to ", port === undefined ? dst : `${dst}:${port}`] };
    }
  }
  const q = one(e["dns.question.name"]);
  if (q !== undefined) return { parts: ["", proc, " looked up ", q] };
  if (has(e, "event.category", "process") && has(e, "event.type", "start")) {
    // The command as typed when the log has it, else the program and its arguments.
    const line = one(e["process.command_line"]);
    if (line !== undefined) return { parts: ["", line, " ran"] };
    const name = one(e["process.name"]);
    const exe = one(e["process.executable"]) ?? name ?? "a process";
    const raw = e["process.args"];
    const args = (Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)]).filter(
      (a, i) => !(i === 0 && (a === name || a === exe)),
    );
    const cmd = args.length === 0 ? exe : `${name ?? exe} ${args.join(" ")}`;
    return { parts: ["", cmd, " ran"] };
  }
  const what = one(e["event.action"]) ?? one(e["event.category"]) ?? "event";
  return { parts: ["", proc, ": ", what] };
}

function render(p: Phrase, value: (v: string) => string): string {
  return p.parts.map((s, i) => (i % 2 === 1 ? value(s) : s)).join("");
}

function where(m: SequenceAlertMember, value: (v: string) => string): string {
  const ts = one(m.event["@timestamp"]);
  const host = one(m.event["host.name"]) ?? one(m.event["host.id"]);
  return [
    ts === undefined ? undefined : value(ts),
    host === undefined ? undefined : `on ${value(host)}`,
    `(${value(m.uri)} record ${m.record})`,
  ]
    .filter((x) => x !== undefined)
    .join(" ");
}

/** The story as plain text lines (email, CLI): "1. curl wrote /tmp/x — 2026-... on web-1 (s3://... record 4)". */
export function sequenceStoryText(alert: SequenceAlert, max = 300): string[] {
  const value = (v: string) => plainText(v, max);
  return alert.sequence.events.map(
    (m, i) => `${i + 1}. ${render(describeEvent(m.event), value)} - ${where(m, value)}`,
  );
}

/** The story for Slack (mrkdwn): values as code spans, so no log value can format or mention. */
export function sequenceStorySlack(alert: SequenceAlert, max = 200): string[] {
  const value = (v: string) => slackCode(v, max);
  return alert.sequence.events.map(
    (m, i) => `${i + 1}. ${render(describeEvent(m.event), value)} - ${where(m, value)}`,
  );
}

/** The join keys as one line ("by web-1, /tmp/x"). */
export function joinKeysText(alert: SequenceAlert, max = 200): string {
  return alert.sequence.join_keys.map((k) => plainText(k === null ? "(none)" : String(k), max)).join(", ");
}
