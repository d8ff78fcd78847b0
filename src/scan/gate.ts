/**
 * The prefilter stage as the pipeline sees it: may the raw record in `buf[start, end)` matter to
 * some rule? A record no rule can match is not parsed. The prefilter itself (src/scan/prefilter)
 * is swappable behind `RecordGate`: this file is the only one that builds it.
 */
import type { Rule } from "../rules/index.ts";
import { createRawPrefilter, type RawPrefilter } from "./prefilter/index.ts";

export interface RecordGate {
  /** Every record must be parsed (some rule has no literal to search for). */
  readonly parsesAll: boolean;
  /**
   * A tester for the records of one buffer, called in increasing `start` order; it shares its
   * searches among them. The buffer's bytes must not change while it is used.
   */
  forBuffer(buf: Uint8Array): (start: number, end: number) => boolean;
}

/**
 * Building a prefilter costs ~70 us, as much as scanning a 1 KB object; the CLI and the Lambda
 * scan many objects with one rules array, so it is built once per array. The literal sets are
 * compared on every call, so a caller that changes the array gets a new prefilter. Sharing one
 * between concurrent scans is safe: a per-buffer tester is only used within one synchronous
 * chunk, and is renewed for every chunk.
 */
const gates = new WeakMap<readonly Rule[], { sets: unknown[]; gate: RecordGate }>();

export function gateFor(rules: readonly Rule[]): RecordGate {
  const sets = rules.map((r) => r.compiled.prefilter);
  const cached = gates.get(rules);
  if (
    cached !== undefined &&
    cached.sets.length === sets.length &&
    cached.sets.every((s, i) => s === sets[i])
  ) {
    return cached.gate;
  }
  const prefilter: RawPrefilter = createRawPrefilter(sets);
  const gate: RecordGate = {
    parsesAll: prefilter.acceptsAll,
    forBuffer: (buf) => prefilter.forBuffer(buf),
  };
  gates.set(rules, { sets, gate });
  return gate;
}
