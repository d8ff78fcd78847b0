/**
 * Alert suppression at the Lambda's sink (docs/tuning.md): alerts of a rule with
 * `alert_suppression` pass through here before the publisher. The first alert of a group per
 * window goes on; the others are counted. The store (DynamoDB) is asked once per group and object
 * (or again when an alert falls outside the window the store named), so a flood of a million hits
 * of one host costs one conditional write, not a million. The counts reach people as one digest
 * message per rule at the end of the object.
 */
import { type Alert, planSuppressionDigest, type SuppressedGroupCount } from "../alerts/index.ts";
import { type SuppressionStore, suppressionTimeMs, windowCovers } from "../rules/index.ts";

interface GroupState {
  readonly ruleId: string;
  readonly key: string;
  readonly group: NonNullable<Alert["suppression"]>["group"];
  readonly windowMs: number;
  /** The window the store last named for the group. */
  startMs: number;
  endMs: number;
  suppressed: number;
}

const ONE_OBJECT = Number.POSITIVE_INFINITY;

export interface GateDigest {
  readonly rule: { readonly id: string; readonly name: string; readonly severity: string };
  readonly windowMs: number | null;
  readonly groups: readonly SuppressedGroupCount[];
}

export class SuppressionGate {
  private readonly groups = new Map<string, GroupState>();
  private readonly rules = new Map<string, { name: string; severity: string; windowMs: number | null }>();
  /** Claims run one after another, in the order the scan found the alerts. */
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;
  suppressed = 0;

  constructor(
    private readonly store: SuppressionStore,
    private readonly pass: (alert: Alert) => void,
    private readonly nowMs: number,
  ) {}

  /** The scan's onAlert. Never throws: a store failure is reported by finish(). */
  add(alert: Alert): void {
    const s = alert.suppression;
    if (s === undefined) {
      this.pass(alert);
      return;
    }
    this.rules.set(alert.rule.id, {
      name: alert.rule.name,
      severity: alert.rule.severity,
      windowMs: s.window_ms,
    });
    const at = suppressionTimeMs(alert.event["@timestamp"], this.nowMs);
    const windowMs = s.window_ms ?? ONE_OBJECT;
    const k = `${alert.rule.id}\u0000${s.key}`;
    if (this.coveredLocally(k, at, windowMs)) return;
    this.chain = this.chain.then(async () => {
      if (this.error !== undefined) return;
      try {
        // An earlier claim of this object may have named the window meanwhile.
        if (this.coveredLocally(k, at, windowMs)) return;
        const state = this.groups.get(k);
        const claim = await this.store.claim(alert.rule.id, s.key, at, windowMs);
        const next: GroupState = state ?? {
          ruleId: alert.rule.id,
          key: s.key,
          group: s.group,
          windowMs,
          startMs: claim.startMs,
          endMs: claim.endMs,
          suppressed: 0,
        };
        next.startMs = claim.startMs;
        next.endMs = claim.endMs;
        this.groups.set(k, next);
        if (claim.verdict === "first") this.pass(alert);
        else {
          next.suppressed++;
          this.suppressed++;
        }
      } catch (e) {
        this.error = e;
      }
    });
  }

  /** Counts the alert as suppressed when a window the store named for its group covers it. */
  private coveredLocally(k: string, at: number, windowMs: number): boolean {
    const g = this.groups.get(k);
    if (g === undefined || !windowCovers(g.startMs, g.endMs, at, windowMs)) return false;
    g.suppressed++;
    this.suppressed++;
    return true;
  }

  /**
   * Waits for every claim, records the counts in the store, and returns one digest per rule that
   * suppressed alerts in this object. Throws the store's error (the object is then retried:
   * suppression never silently drops an alert because the table was unreachable).
   */
  async finish(): Promise<GateDigest[]> {
    await this.chain;
    if (this.error !== undefined) throw this.error;
    const byRule = new Map<string, SuppressedGroupCount[]>();
    for (const g of this.groups.values()) {
      if (g.suppressed === 0) continue;
      await this.store.addSuppressed?.(g.ruleId, g.key, g.suppressed);
      const list = byRule.get(g.ruleId) ?? [];
      list.push({ group: g.group, count: g.suppressed });
      byRule.set(g.ruleId, list);
    }
    return [...byRule].map(([id, groups]) => {
      const r = this.rules.get(id)!;
      return { rule: { id, name: r.name, severity: r.severity }, windowMs: r.windowMs, groups };
    });
  }
}

/** The digest messages of an object (deterministic ids: a retry republishes none already accepted). */
export function digestMessages(digests: readonly GateDigest[], object: { uri: string; version?: string }) {
  return digests.map((d) => planSuppressionDigest({ ...d, object }));
}
