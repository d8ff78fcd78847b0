/**
 * What tuning did in one CLI run: rules refused (with --skip-unsupported-rules) or disabled,
 * alerts the exceptions dropped, alerts suppression held back (docs/tuning.md). Suppression runs
 * here, at the sink, over the whole run: the first alert of a group per window is printed, the
 * others are counted and listed in the summary (the digest).
 */
import { type Alert, escapeControls } from "../alerts/index.ts";
import { MemorySuppressionStore, type RuleSet, suppressionTimeMs } from "../rules/index.ts";
import type { ScanResult } from "../scan/index.ts";

const ONE_RUN = Number.POSITIVE_INFINITY;

export class RunTuning {
  private readonly suppression = new MemorySuppressionStore();
  private readonly drops = new Map<string, { rule: string; item: string; count: number }>();
  private readonly names = new Map<string, string>();
  /** Records evaluated and rules that apply, per index, over the run. */
  private readonly indices = new Map<string, { records: number; rules: number }>();
  suppressed = 0;

  constructor(private readonly set: RuleSet | undefined) {
    for (const r of set?.rules ?? []) this.names.set(r.id, r.name);
  }

  /** True when the alert is to be printed; false when suppression holds it back (counted). */
  admit(alert: Alert, nowMs: number): boolean {
    const s = alert.suppression;
    if (s === undefined) return true;
    const at = suppressionTimeMs(alert.event["@timestamp"], nowMs);
    const verdict = this.suppression.claimSync(alert.rule.id, s.key, at, s.window_ms ?? ONE_RUN);
    if (verdict === "suppressed") this.suppressed++;
    return verdict === "first";
  }

  add(result: ScanResult): void {
    for (const x of result.indices ?? []) {
      const e = this.indices.get(x.index);
      if (e !== undefined) e.records += x.records;
      else if (this.indices.size < 256) this.indices.set(x.index, { records: x.records, rules: x.rules });
    }
    for (const d of result.exceptionDrops ?? []) {
      const key = `${d.ruleId}\u0000${d.listId}\u0000${d.itemId}`;
      const e = this.drops.get(key);
      if (e !== undefined) e.count += d.dropped;
      else
        this.drops.set(key, {
          rule: d.ruleId,
          item: `${d.listId}/${d.itemId} (${d.itemName})`,
          count: d.dropped,
        });
    }
  }

  /** Lines for the run summary (empty when no tuning applied). */
  summaryLines(): string[] {
    const lines: string[] = [];
    const total = this.set?.rules.length;
    const byRecords = [...this.indices].sort((a, b) => b[1].records - a[1].records);
    for (const [index, x] of byRecords.slice(0, 20)) {
      lines.push(
        `  index ${escapeControls(index)}: ${x.records} record${x.records === 1 ? "" : "s"} evaluated, ${x.rules}${total === undefined ? "" : ` of ${total}`} ${x.rules === 1 ? "rule applies" : "rules apply"}`,
      );
    }
    if (byRecords.length > 20) lines.push(`  ... and ${byRecords.length - 20} more indices`);
    const set = this.set;
    if (set !== undefined && set.refused.length > 0) {
      lines.push(`  rules skipped (--skip-unsupported-rules): ${set.refused.length}`);
    }
    if (set !== undefined && set.disabled.length > 0) {
      lines.push(`  rules disabled (enabled: false), not run: ${set.disabled.length}`);
    }
    for (const d of this.drops.values()) {
      const name = this.names.get(d.rule) ?? d.rule;
      lines.push(
        `  excepted: ${escapeControls(name)}: ${d.count} alert${d.count === 1 ? "" : "s"} dropped by ${escapeControls(d.item)}`,
      );
    }
    for (const g of this.suppression.groups()) {
      const name = this.names.get(g.ruleId) ?? g.ruleId;
      lines.push(
        `  suppressed: ${escapeControls(name)}: ${g.suppressed} more alert${g.suppressed === 1 ? "" : "s"} of group ${escapeControls(g.group)}`,
      );
    }
    return lines;
  }
}

/** Stderr lines naming every rule a lenient load skipped, and the disabled ones. */
export function loadReport(set: RuleSet): string {
  const out: string[] = [];
  for (const p of set.refused)
    out.push(`edr-scan: skipped rule ${escapeControls(p.file)}: ${escapeControls(p.reason)}`);
  for (const r of set.disabled)
    out.push(`edr-scan: rule ${escapeControls(r.name)} (${r.file}) is disabled (enabled: false): not run`);
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
