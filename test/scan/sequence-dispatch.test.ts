/**
 * Dispatching sequence and sample rules by step (src/scan/sequence-dispatch.ts) and the step
 * projection (src/scan/sequences.ts) must change nothing a sequence sees: for random records and
 * rules, the step events scanObject hands to its sink are exactly those a brute-force reference
 * finds (every rule's step predicate on every record, the projection rebuilt from the field
 * model), with the same projected events, and the step masks are the filters' own verdicts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { CONTEXT_FIELDS } from "../../src/alerts/index.ts";
import { fieldNodes } from "../../src/document/index.ts";
import { parseRule, type Rule } from "../../src/rules/index.ts";
import { createRuleDispatch } from "../../src/scan/dispatch.ts";
import { correlate, scanObject } from "../../src/scan/index.ts";
import { createScanDispatch } from "../../src/scan/sequence-dispatch.ts";
import { correlationFilters, projectStep, type StepEvent, stepMask } from "../../src/scan/sequences.ts";
import { tomlRule } from "./sequence-fixtures.ts";

const QUERIES = [
  // Steps of different categories, literals that many records hold, an until.
  `sequence by host.id with maxspan=1m
    [process where host.os.type == "linux" and event.type == "start" and process.name == "curl"] by process.pid
    [network where host.os.type == "linux" and destination.port == 4444] by process.pid
    until [process where event.type == "end" and process.name == "curl"] by process.pid`,
  // A step without any literal (every process event is a candidate), one with a wildcard.
  `sequence by host.id
    [process where true]
    [file where file.path : "/tmp/*" and process.name in ("curl", "wget")]`,
  // A sample over two categories, an optional key.
  `sample by ?user.name
    [process where process.args : "-e"]
    [network where not destination.ip == "127.0.0.1"]`,
  // A step on a field whose value may be an object (the projection keeps scalars only).
  `sequence
    [any where process.parent == null]
    [process where process.name : "ba*"]`,
];

const rules: Rule[] = QUERIES.map((q, i) => parseRule(tomlRule(`r${i}`, q), `r${i}.toml`));
const eventRule = parseRule(tomlRule("ev", 'process where process.name == "wget"'), "ev.toml");

const arbRecord = fc.record(
  {
    "@timestamp": fc.constantFrom("2026-11-30T10:00:00Z", "2026-11-30T10:00:30.5Z", 1764496800000),
    event: fc.record(
      {
        category: fc.constantFrom<unknown>(["process"], "network", ["file"], ["process", "network"], []),
        type: fc.constantFrom<unknown>("start", ["end"], "info"),
      },
      { requiredKeys: [] },
    ),
    host: fc.record(
      { id: fc.constantFrom("h1", "h2"), os: fc.constant({ type: "linux" }) },
      { requiredKeys: [] },
    ),
    process: fc.record(
      {
        name: fc.constantFrom<unknown>("curl", "wget", "bash", "CURL", ["curl", "sh"]),
        pid: fc.constantFrom<unknown>(1, 2, "2", [1, 2]),
        args: fc.constantFrom<unknown>(["-e", "x"], "-e", []),
        parent: fc.constantFrom<unknown>(null, { name: "sh" }, "p"),
      },
      { requiredKeys: [] },
    ),
    destination: fc.record(
      { port: fc.constantFrom(4444, 80), ip: fc.constantFrom("127.0.0.1", "10.0.0.1") },
      {
        requiredKeys: [],
      },
    ),
    file: fc.record({ path: fc.constantFrom("/tmp/a", "/TMP/b", "/etc/x") }, { requiredKeys: [] }),
    user: fc.record({ name: fc.constantFrom("root", "bob") }, { requiredKeys: [] }),
  },
  { requiredKeys: ["@timestamp"] },
);

/** The projection as docs/sequences.md describes it, rebuilt from the field model. */
function referenceProjection(rule: Rule, ecs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of new Set([...rule.compiled.fields, ...CONTEXT_FIELDS])) {
    const scalars = fieldNodes(ecs, f).filter(
      (v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean",
    );
    if (scalars.length === 1) out[f] = scalars[0];
    else if (scalars.length > 1) out[f] = scalars;
  }
  return out;
}

function referenceSteps(records: readonly unknown[], rs: readonly Rule[]) {
  const out: { rule: string; record: number; steps: number; event: string }[] = [];
  records.forEach((rec, i) => {
    for (const rule of rs) {
      if (rule.sequence === undefined || !rule.compiled.matches(rec)) continue;
      const filters = correlationFilters(rule);
      let mask = 0;
      filters.forEach((f, b) => {
        if (f.matches(rec)) mask |= 1 << b;
      });
      const projected = referenceProjection(rule, rec);
      const same = filters.every((f) => f.matches(projected) === f.matches(rec));
      out.push({ rule: rule.id, record: i + 1, steps: mask, event: JSON.stringify(same ? projected : rec) });
    }
  });
  return out;
}

async function scanSteps(records: readonly unknown[], rs: readonly Rule[]) {
  const steps: StepEvent[] = [];
  const body = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  await scanObject(
    (async function* () {
      yield new Uint8Array(body);
    })(),
    { uri: "mem://o", rules: rs, sequences: { add: (s) => steps.push(s) } },
  );
  return steps.map((s) => ({
    rule: s.rule.id,
    record: s.record,
    steps: s.steps,
    event: JSON.stringify(s.event),
  }));
}

describe("sequence rules dispatched by step", () => {
  test("scanObject hands the sink exactly the reference's step events, projections and masks", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbRecord, { minLength: 1, maxLength: 30 }), async (records) => {
        const rs = [eventRule, ...rules];
        assert.deepEqual(await scanSteps(records, rs), referenceSteps(records, rs));
      }),
      { numRuns: 60 },
    );
  });

  test("the alerts are those of the matcher over the reference's step events, evaluating every filter", async () => {
    let completed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbRecord, { minLength: 1, maxLength: 40 }), async (records) => {
        const body = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
        const got: string[] = [];
        await scanObject(
          (async function* () {
            yield new Uint8Array(body);
          })(),
          { uri: "mem://o", rules, onAlert: (a) => got.push(JSON.stringify(a)) },
        );
        const want: string[] = [];
        for (const rule of rules) {
          const steps: StepEvent[] = referenceSteps(records, [rule]).map((s) => ({
            rule,
            uri: "mem://o",
            record: s.record,
            event: JSON.parse(s.event) as Record<string, unknown>,
          }));
          for (const a of correlate(rule, steps).alerts) want.push(JSON.stringify(a));
        }
        completed += want.length;
        assert.deepEqual(got.sort(), want.sort());
      }),
      { numRuns: 60 },
    );
    // The draw must exercise completed sequences and samples, not only empty runs.
    assert.ok(completed > 0);
  });

  test("the dispatch's hits equal the plain dispatch's, and its masks the filters' verdicts", () => {
    const rs = [...rules, eventRule];
    const byStep = createScanDispatch(rs);
    const plain = createRuleDispatch(rs);
    fc.assert(
      fc.property(arbRecord, (rec) => {
        const a: Rule[] = [];
        const b: Rule[] = [];
        byStep.match(rec, false, a);
        plain.match(rec, false, b);
        assert.deepEqual(
          a.map((r) => r.id),
          b.map((r) => r.id),
        );
        for (const r of a) if (r.sequence !== undefined) assert.equal(byStep.masks(r, rec), stepMask(r, rec));
        // Another event is not the one the masks were taken for.
        for (const r of a) assert.equal(byStep.masks(r, { ...rec }), undefined);
      }),
      { numRuns: 300 },
    );
  });

  test("each step is its own dispatch entry: a record of another category reaches no step", () => {
    const r = rules[0]!;
    const d = createScanDispatch([r]);
    const hits: Rule[] = [];
    d.match({ event: { category: "file" }, host: { os: { type: "linux" } } }, false, hits);
    assert.equal(hits.length, 0);
    const net = {
      event: { category: "network" },
      host: { os: { type: "linux" } },
      destination: { port: 4444 },
    };
    const more: Rule[] = [];
    d.match(net, false, more);
    assert.deepEqual(
      more.map((h) => h.id),
      ["r0"],
    );
    // Only the network step (bit 1) matched.
    assert.equal(d.masks(r, net), 0b10);
    assert.equal(d.masks(r, { event: { category: "network" } }), undefined);
  });

  test("a rule whose query text is not its steps' own keeps one entry with the rule's literal set", () => {
    // A copy whose text was changed after compiling: step texts cut from it would be wrong, so
    // the dispatch must not derive clauses from them (it falls back to the rule-level entry).
    const edited: Rule = { ...rules[0]!, query: `${rules[0]!.query.replace("curl", "zzzz")}` };
    const byStep = createScanDispatch([edited]);
    const plain = createRuleDispatch([edited]);
    fc.assert(
      fc.property(arbRecord, (rec) => {
        // Through the gate, as a scan does: the prefilter's clauses decide what reaches a rule.
        const buf = Buffer.from(JSON.stringify(rec));
        const gated = (d: typeof plain) => {
          const out: Rule[] = [];
          if (d.forBuffer(buf)(0, buf.length)) d.match(rec, true, out);
          return out;
        };
        const a = gated(byStep);
        assert.deepEqual(a, gated(plain));
        if (a.length > 0) assert.equal(byStep.masks(edited, rec), undefined);
      }),
      { numRuns: 200 },
    );
  });

  test("a full sink is told of each further step event by rule, and is handed none", async () => {
    const added: number[] = [];
    const skipped: string[] = [];
    const sink = {
      add: (st: StepEvent) => {
        added.push(st.record);
      },
      get full() {
        return added.length >= 2;
      },
      skip: (rule: Rule) => {
        skipped.push(rule.id);
      },
    };
    const recs = [0, 1, 2, 3].map((i) => ({
      "@timestamp": i,
      event: { category: "process", type: "start" },
      host: { id: "h", os: { type: "linux" } },
      process: { name: "curl", pid: i },
    }));
    const body = Buffer.from(recs.map((r) => `${JSON.stringify(r)}\n`).join(""));
    await scanObject(
      (async function* () {
        yield new Uint8Array(body);
      })(),
      { uri: "mem://o", rules: [rules[0]!, rules[1]!], sequences: sink },
    );
    // Both rules take every record (r1's first step is `process where true`); the first two step
    // events fill the sink, and each later one is counted against its own rule.
    assert.deepEqual(added, [1, 1]);
    assert.deepEqual(skipped, ["r0", "r1", "r0", "r1", "r0", "r1"]);
  });

  test("a field named __proto__ is projected as an own property, never the prototype", () => {
    const r = parseRule(tomlRule("p", 'sequence [any where `__proto__` == "x"] [any where true]'), "p.toml");
    const ecs = JSON.parse('{"__proto__": "x", "@timestamp": 1}') as unknown;
    const p = projectStep(r, ecs);
    assert.equal(Object.getPrototypeOf(p), Object.prototype);
    assert.ok(Object.hasOwn(p, "__proto__"));
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), JSON.parse('{"__proto__": "x", "@timestamp": 1}'));
  });
});
