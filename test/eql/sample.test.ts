/**
 * Sample semantics as data: a query, a few events (in index order; samples ignore time), and the
 * samples Elasticsearch returns, in its order (src/eql/sample.ts states each rule and its source).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { SampleQuery } from "../../src/eql/ast.ts";
import { compileAst } from "../../src/eql/compile.ts";
import { parseStatement } from "../../src/eql/parser.ts";
import { createSampleMatcher, evaluateSample, planSample, type SampleMatch } from "../../src/eql/sample.ts";
import type { EventPredicate } from "../../src/eql/sequence-plan.ts";

type Ev = Record<string, unknown> & { id: number };

function e(id: number, category: string, fields: Record<string, unknown> = {}): Ev {
  return { id, event: { category }, ...fields };
}

function sampleOf(text: string): { query: SampleQuery; compiled: { steps: EventPredicate[] } } {
  const query = parseStatement(text).query;
  if (query.kind !== "sample") throw new Error(`not a sample: ${text}`);
  const steps = query.steps.map((s) => {
    const c = compileAst(s.query);
    return (ev: unknown) => c.matches(ev);
  });
  return { query, compiled: { steps } };
}

const ids = (ms: readonly SampleMatch<Ev, unknown>[]) => ms.map((m) => m.events.map((x) => x.id));

interface Case {
  readonly name: string;
  readonly query: string;
  readonly events: readonly Ev[];
  readonly expected: readonly (readonly number[])[];
  readonly keys?: readonly (readonly unknown[])[];
  readonly maxSamplesPerKey?: number;
  readonly size?: number;
}

const CASES: readonly Case[] = [
  {
    name: "one sample per key, filters in query order whatever the events' order",
    query: "sample by host [web where true] [db where true]",
    events: [
      e(1, "db", { host: "b" }),
      e(2, "web", { host: "b" }),
      e(3, "web", { host: "a" }),
      e(4, "db", { host: "a" }),
    ],
    expected: [
      [3, 4],
      [2, 1],
    ],
    keys: [["a"], ["b"]],
  },
  {
    name: "a key some filter has no event for gives no sample",
    query: "sample by host [web where true] [db where true]",
    events: [e(1, "web", { host: "a" }), e(2, "web", { host: "b" }), e(3, "db", { host: "b" })],
    expected: [[2, 3]],
  },
  {
    name: "keys in composite order: code points (upper case first), the missing bucket before all",
    query: "sample by ?host [web where true] [db where true]",
    events: [
      e(1, "web", { host: "alpha" }),
      e(2, "db", { host: "alpha" }),
      e(3, "web", { host: "Zulu" }),
      e(4, "db", { host: "Zulu" }),
      e(5, "web"),
      e(6, "db"),
    ],
    expected: [
      [5, 6],
      [3, 4],
      [1, 2],
    ],
    keys: [[null], ["Zulu"], ["alpha"]],
  },
  {
    name: "a required key without a value keeps the event out",
    query: "sample by host [web where true] [db where true]",
    events: [e(1, "web"), e(2, "db")],
    expected: [],
  },
  {
    name: "numbers order numerically, false before true",
    query: "sample by port, ok [web where true] [db where true]",
    events: [
      e(1, "web", { port: 80, ok: true }),
      e(2, "db", { port: 80, ok: true }),
      e(3, "web", { port: 443, ok: false }),
      e(4, "db", { port: 443, ok: false }),
      e(5, "web", { port: 80, ok: false }),
      e(6, "db", { port: 80, ok: false }),
    ],
    expected: [
      [5, 6],
      [1, 2],
      [3, 4],
    ],
  },
  {
    name: "an ip-typed key (ECS source.ip) sorts by address, not by text",
    query: "sample by source.ip [web where true] [db where true]",
    events: [
      e(1, "web", { source: { ip: "10.0.0.10" } }),
      e(2, "db", { source: { ip: "10.0.0.10" } }),
      e(3, "web", { source: { ip: "10.0.0.9" } }),
      e(4, "db", { source: { ip: "10.0.0.9" } }),
    ],
    expected: [
      [3, 4],
      [1, 2],
    ],
  },
  {
    name: "a date-typed key (ECS process.start) is the instant, reported in epoch milliseconds",
    query: "sample by process.start [web where true] [db where true]",
    events: [
      e(1, "web", { process: { start: "1970-01-02T00:00:00Z" } }),
      e(2, "db", { process: { start: 86400000 } }),
    ],
    expected: [[1, 2]],
    keys: [[86400000]],
  },
  {
    name: "one event never fills two filters of a sample",
    query: "sample by host [any where true] [any where true]",
    events: [e(1, "x", { host: "a" }), e(2, "x", { host: "b" }), e(3, "x", { host: "b" })],
    expected: [[2, 3]],
  },
  {
    name: "max_samples_per_key: depth-first over the first events of each filter",
    query: "sample by host [web where true] [db where true]",
    events: [
      e(1, "web", { host: "a" }),
      e(2, "web", { host: "a" }),
      e(3, "db", { host: "a" }),
      e(4, "db", { host: "a" }),
    ],
    expected: [
      [1, 3],
      [1, 4],
    ],
    maxSamplesPerKey: 2,
  },
  {
    name: "max_samples_per_key above the combinations available gives them all",
    query: "sample by host [web where true] [db where true]",
    events: [e(1, "web", { host: "a" }), e(2, "web", { host: "a" }), e(3, "db", { host: "a" })],
    expected: [
      [1, 3],
      [2, 3],
    ],
    maxSamplesPerKey: 5,
  },
  {
    name: "multi-valued keys: the event belongs to the bucket of each value",
    query: "sample by tag [web where true] [db where true]",
    events: [e(1, "web", { tag: ["p", "q"] }), e(2, "db", { tag: "q" }), e(3, "db", { tag: "p" })],
    expected: [
      [1, 3],
      [1, 2],
    ],
    keys: [["p"], ["q"]],
  },
  {
    name: "per-filter keys of different fields join by position",
    query: "sample [web where true] by client_ip [db where true] by source_ip",
    events: [e(1, "web", { client_ip: "10.0.0.9" }), e(2, "db", { source_ip: "10.0.0.9" })],
    expected: [[1, 2]],
  },
  {
    name: "size keeps the first samples in key order",
    query: "sample by host [web where true] [db where true]",
    events: [
      e(1, "web", { host: "b" }),
      e(2, "db", { host: "b" }),
      e(3, "web", { host: "a" }),
      e(4, "db", { host: "a" }),
    ],
    expected: [[3, 4]],
    size: 1,
  },
];

describe("sample semantics (Elasticsearch's, as data)", () => {
  for (const c of CASES) {
    test(c.name, () => {
      // Prepare
      const { query, compiled } = sampleOf(c.query);
      // Act
      const got = evaluateSample(query, compiled, c.events, {
        ...(c.maxSamplesPerKey === undefined ? {} : { maxSamplesPerKey: c.maxSamplesPerKey }),
        ...(c.size === undefined ? {} : { size: c.size }),
      });
      // Assess
      assert.deepEqual(ids(got), c.expected);
      if (c.keys !== undefined)
        assert.deepEqual(
          got.map((m) => [...m.joinKeys]),
          c.keys,
        );
    });
  }
});

describe("sample matcher properties and limits", () => {
  test("every sample has one distinct event per filter, each matching it, all with the sample's key", () => {
    const { query, compiled } = sampleOf(
      'sample by host [any where kind == "a"] [any where kind != "c"] [any where true]',
    );
    const arb = fc.array(
      fc.record({ kind: fc.constantFrom("a", "b", "c"), host: fc.constantFrom("x", "y", "z") }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 4 }), (rows, per) => {
        const events = rows.map((r, i) => e(i, "any", r));
        const got = evaluateSample(query, compiled, events, { maxSamplesPerKey: per });
        const perKey = new Map<string, number>();
        for (const s of got) {
          assert.equal(new Set(s.events.map((x) => x.id)).size, 3);
          s.events.forEach((x, f) => {
            assert.ok(compiled.steps[f]!(x));
            assert.equal(x.host, s.joinKeys[0]);
          });
          const k = String(s.joinKeys[0]);
          perKey.set(k, (perKey.get(k) ?? 0) + 1);
        }
        for (const n of perKey.values()) assert.ok(n <= per);
        // A key with an "a" event, another non-"c" event and a third event has a sample.
        for (const host of ["x", "y", "z"]) {
          const mine = events.filter((x) => x.host === host);
          const possible =
            mine.length >= 3 &&
            mine.some((x) => x.kind === "a") &&
            mine.filter((x) => x.kind !== "c").length >= 2;
          if (possible) assert.ok(perKey.has(host), `no sample for ${host}`);
        }
      }),
    );
  });

  test("reaching maxSampleKeys is reported (onLimit once, counted), never silent", () => {
    const { query, compiled } = sampleOf("sample by host [web where true] [db where true]");
    const reports: unknown[] = [];
    const m = createSampleMatcher(planSample(query, compiled), {
      maxSampleKeys: 1,
      onLimit: (r) => reports.push(r),
    });
    m.push(e(1, "web", { host: "a" }));
    m.push(e(2, "web", { host: "b" }));
    m.push(e(3, "db", { host: "c" }));
    assert.equal(reports.length, 1);
    assert.deepEqual(m.stats(), {
      events: 3,
      keys: 1,
      droppedEvents: 2,
      limitReached: true,
      truncatedKeys: 0,
    });
  });
});
