/**
 * Alert suppression as Kibana defines it for a rule (`alert_suppression`): alerts whose group_by
 * fields hold the same values within the window form one group; the first alert of a group goes
 * out and the others are counted against it.
 *
 * Two choices for an archive, documented in docs/rules-and-eql.md: the window is measured in
 * event time (`@timestamp`; scan time when an event has none), because a back-scan replays days
 * in minutes and wall-clock windows would fold a month into one alert; and the count reaches
 * people as a digest at the end of each object (Lambda) or run (CLI), since a group's window may
 * never see a next alert.
 */
import { fieldValues } from "../document/index.ts";
import { parseDate } from "../eql/index.ts";
import type { AlertSuppression } from "./rule.ts";

/**
 * The group of `event`: a JSON array of each group_by field's sorted values, or null when the
 * alert is not suppressed (a group_by field missing under "doNotSuppress").
 */
export function suppressionGroup(s: AlertSuppression, event: unknown): string | null {
  const values = suppressionGroupValues(s, event);
  return values === null ? null : JSON.stringify(values);
}

/** The values behind suppressionGroup: per group_by field its sorted distinct values, or null. */
export function suppressionGroupValues(s: AlertSuppression, event: unknown): (string[] | null)[] | null {
  const parts: (string[] | null)[] = [];
  for (const f of s.groupBy) {
    const vs = fieldValues(event, f);
    if (vs.length === 0) {
      if (s.missingFields === "doNotSuppress") return null;
      parts.push(null);
    } else {
      parts.push([...new Set(vs)].sort());
    }
  }
  return parts;
}

/** Where groups live: in memory for a CLI run, a conditional-write table for the Lambda. */
export interface SuppressionStore {
  /**
   * Atomically: if no window of the group covers `atMs` (the alert that opened a window covers
   * one window after it and, for events that arrive out of order, one window before it), open
   * one at `atMs` and return "first"; otherwise count one more suppressed alert and return
   * "suppressed".
   */
  claim(ruleId: string, group: string, atMs: number, windowMs: number): Promise<SuppressionClaim>;
  /** Records `n` more alerts suppressed in the group's current window (a running total for people who look). */
  addSuppressed?(ruleId: string, group: string, n: number): Promise<void>;
}

/** A claim's verdict and the window that decided it (so a caller can decide later alerts locally). */
export interface SuppressionClaim {
  readonly verdict: "first" | "suppressed";
  /** The alert that opened the window, and where the window ends (epoch ms). */
  readonly startMs: number;
  readonly endMs: number;
}

/** Whether a window [start, end) of length `windowMs` covers `atMs` (one window either side of its first alert). */
export function windowCovers(startMs: number, endMs: number, atMs: number, windowMs: number): boolean {
  return atMs < endMs && atMs > startMs - windowMs;
}

export interface SuppressedGroup {
  readonly ruleId: string;
  readonly group: string;
  readonly suppressed: number;
}

interface Window {
  readonly start: number;
  readonly end: number;
  suppressed: number;
  readonly ruleId: string;
  readonly group: string;
}

/** The in-memory store: one run of the CLI, or one object when no table is configured. */
export class MemorySuppressionStore implements SuppressionStore {
  private readonly windows = new Map<string, Window>();
  /** Windows that closed with suppressed alerts (kept for the digest). */
  private readonly closed: SuppressedGroup[] = [];

  async claim(ruleId: string, group: string, atMs: number, windowMs: number): Promise<SuppressionClaim> {
    const verdict = this.claimSync(ruleId, group, atMs, windowMs);
    const w = this.windows.get(`${ruleId}\u0000${group}`)!;
    return { verdict, startMs: w.start, endMs: w.end };
  }

  /** claim() for synchronous sinks (the CLI writes alerts as the scan finds them). */
  claimSync(ruleId: string, group: string, atMs: number, windowMs: number): "first" | "suppressed" {
    const k = `${ruleId}\u0000${group}`;
    const w = this.windows.get(k);
    // Covered: less than one window after the alert that opened it, or (events arrive out of
    // order across objects) less than one window before it.
    if (w !== undefined && windowCovers(w.start, w.end, atMs, windowMs)) {
      w.suppressed++;
      return "suppressed";
    }
    if (w !== undefined && w.suppressed > 0) this.closed.push({ ruleId, group, suppressed: w.suppressed });
    this.windows.set(k, { start: atMs, end: atMs + windowMs, suppressed: 0, ruleId, group });
    return "first";
  }

  /** Groups with suppressed alerts, for the digest and the summary. */
  groups(): SuppressedGroup[] {
    const open = [...this.windows.values()]
      .filter((w) => w.suppressed > 0)
      .map(({ ruleId, group, suppressed }) => ({ ruleId, group, suppressed }));
    return [...this.closed, ...open];
  }
}

/**
 * The time a suppression window is measured on: the event's `@timestamp` as Elasticsearch reads a
 * date (ISO 8601 or epoch ms), or `fallbackMs` (the scan time) when it has none.
 */
export function suppressionTimeMs(timestamp: unknown, fallbackMs: number): number {
  const ms = parseDate(Array.isArray(timestamp) ? timestamp[0] : timestamp);
  return typeof ms === "number" && Number.isFinite(ms) ? ms : fallbackMs;
}
