/**
 * The exceptions stage (a filter HitStage): a hit whose event matches an unexpired item of one of
 * its rule's exception lists is dropped, as Kibana's negated exception filter keeps the event from
 * the rule's search in the first place (docs/tuning.md). Every drop is counted per rule and item,
 * so the tuning stays visible in the summary and the metrics.
 */
import { matchingException, type Rule } from "../rules/index.ts";
import type { Hit, HitStage } from "./stages.ts";

/** Alerts one exception item removed in one object. */
export interface ExceptionDrop {
  readonly ruleId: string;
  readonly listId: string;
  readonly itemId: string;
  readonly itemName: string;
  readonly dropped: number;
}

/** True when the rule's exceptions keep `event` from the rule (for stages that see events, not hits). */
export function exceptedEvent(rule: Rule, event: unknown, nowMs: number): boolean {
  return rule.exceptions !== undefined && matchingException(rule.exceptions, event, nowMs) !== undefined;
}

export class ExceptionStage implements HitStage {
  private readonly drops = new Map<string, { -readonly [K in keyof ExceptionDrop]: ExceptionDrop[K] }>();

  /** `nowMs`: the clock that decides which items have expired (one value per object). */
  constructor(private readonly nowMs: number) {}

  push(hit: Hit, emit: (hit: Hit) => void): void {
    const ex = hit.rule.exceptions;
    const item = ex === undefined ? undefined : matchingException(ex, hit.event, this.nowMs);
    if (item === undefined) {
      emit(hit);
      return;
    }
    const key = `${hit.rule.id}\u0000${item.item.listId}\u0000${item.item.itemId}`;
    const d = this.drops.get(key);
    if (d !== undefined) d.dropped++;
    else {
      this.drops.set(key, {
        ruleId: hit.rule.id,
        listId: item.item.listId,
        itemId: item.item.itemId,
        itemName: item.item.name,
        dropped: 1,
      });
    }
  }

  /** What was dropped so far, per rule and item. */
  dropped(): ExceptionDrop[] {
    return [...this.drops.values()].map((d) => ({ ...d }));
  }
}

/** Whether any rule carries exceptions (otherwise the stage is left out of the pipeline). */
export function anyExceptions(rules: readonly Rule[]): boolean {
  return rules.some((r) => r.exceptions !== undefined && r.exceptions.items.length > 0);
}
