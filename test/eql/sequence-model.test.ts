/**
 * Properties of the sequence matcher on random events: it agrees with a direct model of
 * Elasticsearch's stage-by-stage algorithm (missing-event searches included), gives the same
 * answer however a driver chunks its input, never exceeds maxspan, and a key-partitioned store
 * re-run finds exactly what one run finds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createSequenceMatcher, type SequenceMatch } from "../../src/eql/sequence.ts";
import { evaluateSequence, runSequencePlan } from "../../src/eql/sequence-evaluate.ts";
import { compileKeyExtractor } from "../../src/eql/sequence-keys.ts";
import { matchPartition, partitionKeys } from "../../src/eql/sequence-partition.ts";
import { planSequence, type SequencePlan } from "../../src/eql/sequence-plan.ts";
import { type Ev, e, ids, sequenceOf } from "./sequence-helpers.ts";

/** Random events over few categories, keys and times, in time order. */
const arbEvents = fc
  .array(
    fc.record({
      category: fc.constantFrom("a", "b", "c", "u"),
      host: fc.constantFrom<unknown>("x", "y", "z", ["x", "y"], ["z", "x"]),
      dt: fc.integer({ min: 0, max: 4 }),
    }),
    { maxLength: 60 },
  )
  .map((rows) => {
    let t = 0;
    return rows.map((r, i) => {
      t += r.dt;
      return e(i + 1, r.category, t, { host: r.host });
    });
  });

const PROPERTY_QUERIES = [
  "sequence by host [a where true] [a where true] [b where true]",
  "sequence by host with maxspan=3ms [a where true] [b where true] until [u where true]",
  "sequence by host [a where true] [b where true] [c where true]",
  "sequence by host with maxspan=5ms [a where true] [b where true] with runs=2 until [u where true]",
  "sequence by host with maxspan=6ms [a where true] ![u where true] [b where true] ![c where true]",
  "sequence with maxspan=4ms ![c where true] [a where true] [a where true]",
  "sequence by host with maxspan=5ms ![u where true] [a where true] ![c where true] [b where true] ![u where true]",
  "sequence by host with maxspan=8ms [a where true] ![b where true] with runs=2 [c where true] ![u where true]",
];

/**
 * Elasticsearch's algorithm as written (TumblingWindow with one window holding every hit):
 * positive stages one after the other over all their hits, each (stage, key) a list in ordinal
 * order, a hit taking the latest earlier sequence and trimming it and all older ones, maxspan
 * against the first event, until as the nearest until hit before the event; then each completed
 * sequence checked against its missing stages by direct search over all events
 * (doCheckMissingEvents). The matcher instead keeps one sequence per (stage, key), applies stages
 * last-to-first per event and keeps two timestamps per missing stage and key; this model checks
 * that the two agree.
 */
function esModel(plan: SequencePlan, events: readonly Ev[]): (number | null)[][] {
  const keysOf = plan.filters.map((f) => compileKeyExtractor(f.keys, 1000, () => {}));
  const untilKeys = plan.until === null ? null : compileKeyExtractor(plan.until.keys, 1000, () => {});
  const ts = (x: Ev) => Number(x["@timestamp"]);
  interface Seq {
    ids: (number | null)[];
    times: number[];
    key: string;
    last: number;
  }
  const hits = (step: number) =>
    events.flatMap((x, o) =>
      plan.filters[step]!.matches(x) ? keysOf[step]!(x).map((k) => ({ o, k: k.id, x })) : [],
    );
  const untils = new Map<string, number[]>();
  if (plan.until !== null && untilKeys !== null) {
    events.forEach((x, o) => {
      if (!plan.until!.matches(x)) return;
      for (const k of untilKeys(x)) untils.set(k.id, [...(untils.get(k.id) ?? []), o]);
    });
  }
  const n = plan.stages.length;
  const pos = plan.positive;
  let groups = new Map<string, Seq[]>();
  const completed: Seq[] = [];
  for (let pi = 0; pi < pos.length; pi++) {
    const s = pos[pi]!;
    const next = new Map<string, Seq[]>();
    for (const { o, k, x } of hits(plan.stages[s]!.step)) {
      let seq: Seq;
      if (pi === 0) {
        const ids: (number | null)[] = new Array(n).fill(null);
        const times: number[] = new Array(n).fill(Number.NaN);
        ids[s] = x.id;
        times[s] = ts(x);
        seq = { ids, times, key: k, last: o };
      } else {
        const g = groups.get(k) ?? [];
        let at = -1;
        for (let i = 0; i < g.length && g[i]!.last < o; i++) at = i;
        if (at < 0) continue;
        const prev = g[at]!;
        g.splice(0, at + 1);
        if (plan.maxspanMs > 0 && ts(x) - prev.times[pos[0]!]! > plan.maxspanMs) continue;
        const u = (untils.get(k) ?? []).filter((v) => v < o).at(-1);
        if (u !== undefined && u >= prev.last) continue;
        const ids = [...prev.ids];
        const times = [...prev.times];
        ids[s] = x.id;
        times[s] = ts(x);
        seq = { ids, times, key: k, last: o };
      }
      if (pi === pos.length - 1) completed.push(seq);
      else next.set(k, [...(next.get(k) ?? []), seq]);
    }
    groups = next;
  }
  const first = pos[0]!;
  const lastPos = pos[pos.length - 1]!;
  const m0 = plan.stages[0]!.missing;
  const mLast = plan.stages[n - 1]!.missing;
  const exceeds = (a: number | null, b: number | null) =>
    a === null || b === null ? true : plan.maxspanMs > 0 && b - a > plan.maxspanMs;
  const accepted = completed.filter((seq) => {
    let lead: number | null = null;
    let trail: number | null = null;
    for (const st of plan.stages.filter((x) => x.missing)) {
      const times = hits(st.step)
        .filter((h) => h.k === seq.key)
        .map((h) => ts(h.x));
      if (st.index < first) {
        const before = times.filter((t) => t < seq.times[first]!);
        if (before.length > 0) lead = Math.max(lead ?? -Infinity, ...before);
      } else if (st.index > lastPos) {
        const after = times.filter((t) => t > seq.times[lastPos]!);
        if (after.length > 0) trail = Math.min(trail ?? Infinity, ...after);
      } else {
        const lo = seq.times[Math.max(...pos.filter((p) => p < st.index))]!;
        const hi = seq.times[Math.min(...pos.filter((p) => p > st.index))]!;
        if (times.some((t) => t > lo && t < hi)) return false;
      }
    }
    const start = seq.times[first]!;
    const end = seq.times[lastPos]!;
    return (
      (trail === null && lead === null) ||
      (lead === null && m0) ||
      (trail === null && mLast) ||
      (m0 && mLast && exceeds(lead, trail)) ||
      (m0 && !mLast && exceeds(lead, end)) ||
      (!m0 && mLast && exceeds(start, trail))
    );
  });
  return accepted.map((x) => x.ids);
}

describe("sequence matcher properties", () => {
  for (const text of PROPERTY_QUERIES) {
    test(`agrees with Elasticsearch's stage-by-stage algorithm: ${text}`, () => {
      const { query, compiled } = sequenceOf(text);
      const plan = planSequence(query, compiled);
      fc.assert(
        fc.property(arbEvents, (events) => {
          assert.deepEqual(ids(evaluateSequence(query, compiled, events)), esModel(plan, events));
        }),
      );
    });
  }

  for (const text of PROPERTY_QUERIES) {
    test(`fed one event at a time across arbitrary chunks, it finds what the batch finds: ${text}`, () => {
      const { query, compiled } = sequenceOf(text);
      const plan = planSequence(query, compiled);
      fc.assert(
        fc.property(
          arbEvents,
          fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 20 }),
          (events, cuts) => {
            const batch = evaluateSequence(query, compiled, events);
            // A driver that receives the events in chunks (objects, pages) and drains each chunk's
            // decisions as it goes, flushing once at the end.
            const m = createSequenceMatcher<Ev, number>(plan);
            const streamed: SequenceMatch<Ev, number>[] = [];
            let i = 0;
            for (const cut of [...cuts, events.length]) {
              const chunk = events.slice(i, i + cut);
              i += chunk.length;
              for (const ev of chunk) streamed.push(...m.push(ev, ev.id));
            }
            streamed.push(...m.flush());
            streamed.sort((x, y) => x.rank - y.rank);
            assert.deepEqual(ids(streamed), ids(batch));
          },
        ),
      );
    });
  }

  for (const text of PROPERTY_QUERIES) {
    test(`given the filters' verdicts, it finds what it finds evaluating them: ${text}`, () => {
      const { query, compiled } = sequenceOf(text);
      const plan = planSequence(query, compiled);
      const filters = [...plan.filters, ...(plan.until === null ? [] : [plan.until])];
      fc.assert(
        fc.property(arbEvents, (events) => {
          const run = (withVerdicts: boolean) => {
            const m = createSequenceMatcher<Ev, number>(plan);
            const out: SequenceMatch<Ev, number>[] = [];
            for (const ev of events) {
              let v = 0;
              filters.forEach((f, b) => {
                if (f.matches(ev)) v |= 1 << b;
              });
              out.push(...m.push(ev, ev.id, withVerdicts ? v : undefined));
            }
            out.push(...m.flush());
            return { ids: ids(out), stats: m.stats() };
          };
          assert.deepEqual(run(true), run(false));
        }),
      );
    });
  }

  test("verdicts are the driver's word: a step its verdicts deny is not taken", () => {
    const { query, compiled } = sequenceOf("sequence [a where true] [b where true]");
    const m = createSequenceMatcher<Ev, number>(planSequence(query, compiled));
    // The events match both filters' categories, but the verdicts say only the first matched.
    assert.deepEqual(m.push(e(1, "a", 1), 1, 0b01), []);
    assert.deepEqual(ids(m.push(e(2, "b", 2), 2, 0b00)), []);
    assert.deepEqual(ids(m.push(e(3, "b", 3), 3, 0b10)), [[1, 3]]);
  });

  test("no sequence is ever longer than maxspan or out of order", () => {
    const { query, compiled } = sequenceOf(PROPERTY_QUERIES[1]!);
    fc.assert(
      fc.property(arbEvents, (events) => {
        for (const s of evaluateSequence(query, compiled, events)) {
          const times = s.members.filter((x) => x !== null).map((x) => x.timestampMs);
          assert.ok(times.at(-1)! - times[0]! <= 5);
          for (let k = 1; k < s.members.length; k++)
            assert.ok(s.members[k]!.ordinal > s.members[k - 1]!.ordinal);
        }
      }),
    );
  });
});

describe("partitions (a store keyed by join key)", () => {
  test("re-running each key's stored events and keeping that key's matches finds what one run finds", () => {
    const { query, compiled } = sequenceOf(PROPERTY_QUERIES[2]!);
    const plan = planSequence(query, compiled);
    const partitions = partitionKeys(plan);
    fc.assert(
      fc.property(arbEvents, (events) => {
        const whole = evaluateSequence(query, compiled, events).map((m) => JSON.stringify(ids([m])));
        const store = new Map<string, Ev[]>();
        for (const ev of events) for (const k of partitions(ev)) store.set(k, [...(store.get(k) ?? []), ev]);
        const parts: string[] = [];
        for (const [k, stored] of store) {
          for (const m of runSequencePlan(plan, stored))
            if (matchPartition(m) === k) parts.push(JSON.stringify(ids([m])));
        }
        assert.deepEqual(parts.sort(), whole.sort());
      }),
    );
  });

  test("an event matching no step belongs to no partition", () => {
    const { query, compiled } = sequenceOf("sequence by host [a where true] [b where true]");
    const partitions = partitionKeys(planSequence(query, compiled));
    assert.deepEqual(partitions(e(1, "z", 1, { host: "x" })), []);
    assert.deepEqual(partitions(e(2, "a", 1, { host: ["x", "y", "x"] })), ['["x"]', '["y"]']);
  });
});
