/**
 * Partitioning by join key, for a driver that keeps step events in a store and re-runs the
 * matcher over them (the Lambda across objects). Sequences never mix keys (every stage of one
 * sequence has the same key), so running the matcher over the events stored under one key finds
 * exactly that key's sequences: `partitionKeys` names the partitions an event belongs to (one per
 * key it has at any step or the until; several for multi-valued key fields), and `matchPartition`
 * names the partition a match belongs to, so that a re-run of partition K keeps only K's
 * matches (an event with two keys sits in two partitions, and a sequence of the other key could
 * otherwise be found twice).
 */
import { compileKeyExtractor, type KeyValue, keyId } from "./sequence-keys.ts";
import type { SequencePlan } from "./sequence-plan.ts";

/**
 * A reader of an event's partitions (canonical key ids, each once, in order of first appearance);
 * empty when the event matches no step and not the until (the store need not keep it).
 */
export function partitionKeys(plan: SequencePlan, maxKeysPerEvent = 10_000): (event: unknown) => string[] {
  const filters = plan.until === null ? plan.filters : [...plan.filters, plan.until];
  const readers = filters.map((f) => ({
    matches: f.matches,
    keys: compileKeyExtractor(f.keys, maxKeysPerEvent, () => {}),
  }));
  return (event) => {
    const out = new Set<string>();
    for (const r of readers) {
      if (!r.matches(event)) continue;
      for (const k of r.keys(event)) out.add(k.id);
    }
    return [...out];
  };
}

/** The partition (canonical key id) of a sequence or sample match, from its join keys. */
export function matchPartition(match: { readonly joinKeys: readonly KeyValue[] }): string {
  return keyId(match.joinKeys);
}
