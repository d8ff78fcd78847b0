/**
 * Sequence semantics as data: a query, a handful of events (category, time, fields), and the
 * sequences Elasticsearch returns for them, in its order. Each case names the rule of
 * src/eql/sequence.ts it pins down. The events are ours, written for the rule at hand.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createSequenceMatcher } from "../../src/eql/sequence.ts";
import { compileCorrelation } from "../../src/eql/sequence-compile.ts";
import { evaluateSequence, runSequencePlan } from "../../src/eql/sequence-evaluate.ts";
import { planSequence } from "../../src/eql/sequence-plan.ts";
import { type Ev, e, ids, sequenceOf } from "./sequence-helpers.ts";

interface Case {
  readonly name: string;
  readonly query: string;
  readonly events: readonly Ev[];
  readonly expected: readonly (readonly (number | null)[])[];
  readonly keys?: readonly (readonly unknown[])[];
  readonly size?: number;
}

const CASES: readonly Case[] = [
  {
    name: "rule 1: the most recent pending sequence is extended; older ones of that key are dropped",
    query: "sequence by host [start where true] [finish where true]",
    events: [
      e(1, "start", 1, { host: "h" }),
      e(2, "start", 2, { host: "h" }),
      e(3, "finish", 3, { host: "h" }),
    ],
    expected: [[2, 3]],
    keys: [["h"]],
  },
  {
    name: "rule 1: a completed sequence is gone; a later final step finds nothing to extend",
    query: "sequence by host [start where true] [finish where true]",
    events: [
      e(1, "start", 1, { host: "h" }),
      e(2, "finish", 2, { host: "h" }),
      e(3, "finish", 3, { host: "h" }),
    ],
    expected: [[1, 2]],
  },
  {
    name: "rule 1: keys keep separate pending sequences",
    query: "sequence by host [start where true] [finish where true]",
    events: [
      e(1, "start", 1, { host: "a" }),
      e(2, "start", 2, { host: "b" }),
      e(3, "finish", 3, { host: "b" }),
      e(4, "finish", 4, { host: "a" }),
      e(5, "finish", 5, { host: "c" }),
    ],
    expected: [
      [2, 3],
      [1, 4],
    ],
    keys: [["b"], ["a"]],
  },
  {
    name: "rule 2: one event serves as the end of one sequence and the start of the next",
    query: "sequence [proc where true] [proc where true]",
    events: [e(1, "proc", 1), e(2, "proc", 2), e(3, "proc", 3)],
    expected: [
      [1, 2],
      [2, 3],
    ],
  },
  {
    name: "rule 2: runs=N repeats a step; an event fills one stage of a sequence only",
    query: "sequence [login where true] [fail where true] with runs=2",
    events: [e(1, "login", 1), e(2, "fail", 2), e(3, "fail", 3), e(4, "fail", 4)],
    expected: [[1, 2, 3]],
  },
  {
    name: "rule 3: maxspan is inclusive (last minus first equal to maxspan still matches)",
    query: "sequence with maxspan=10ms [start where true] [finish where true]",
    events: [e(1, "start", 100), e(2, "finish", 110)],
    expected: [[1, 2]],
  },
  {
    name: "rule 3: one millisecond beyond maxspan rejects and drops the pending sequence",
    query: "sequence with maxspan=10ms [start where true] [finish where true]",
    events: [e(1, "start", 100), e(2, "finish", 111), e(3, "finish", 112)],
    expected: [],
  },
  {
    name: "rule 3: maxspan counts from the first event, not the previous one",
    query: "sequence with maxspan=1s [a where true] [b where true] [c where true]",
    events: [e(1, "a", 0), e(2, "b", 900), e(3, "c", 1800)],
    expected: [],
  },
  {
    name: "rule 4: an until event of the same key discards the pending sequence",
    query: "sequence by host [start where true] [finish where true] until [stop where true]",
    events: [
      e(1, "start", 1, { host: "h" }),
      e(2, "stop", 2, { host: "h" }),
      e(3, "finish", 3, { host: "h" }),
    ],
    expected: [],
  },
  {
    name: "rule 4: an until event of another key changes nothing",
    query: "sequence by host [start where true] [finish where true] until [stop where true]",
    events: [
      e(1, "start", 1, { host: "h" }),
      e(2, "stop", 2, { host: "g" }),
      e(3, "finish", 3, { host: "h" }),
    ],
    expected: [[1, 3]],
  },
  {
    name: "rule 4: the until event that completes a sequence does not discard it",
    query: 'sequence [start where true] [finish where true] until [finish where flag == "x"]',
    events: [e(1, "start", 1), e(2, "finish", 2, { flag: "x" })],
    expected: [[1, 2]],
  },
  {
    name: "rule 4: the until event that extends a sequence (not to its end) discards it",
    query: 'sequence [a where true] [b where true] [c where true] until [b where flag == "x"]',
    events: [e(1, "a", 1), e(2, "b", 2, { flag: "x" }), e(3, "c", 3)],
    expected: [],
  },
  {
    name: "rule 5: a required key without a value keeps the event out",
    query: "sequence by user [start where true] [finish where true]",
    events: [e(1, "start", 1), e(2, "finish", 2)],
    expected: [],
  },
  {
    name: "rule 5: an optional key without a value is null, and null joins null",
    query: "sequence by ?user [start where true] [finish where true]",
    events: [e(1, "start", 1), e(2, "finish", 2, { user: "u" }), e(3, "finish", 3)],
    expected: [[1, 3]],
    keys: [[null]],
  },
  {
    name: "rule 5: each value of a multi-valued key is a key of its own",
    query: "sequence by tag [start where true] [finish where true]",
    events: [e(1, "start", 1, { tag: ["x", "y"] }), e(2, "finish", 2, { tag: ["y", "x"] })],
    expected: [
      [1, 2],
      [1, 2],
    ],
    keys: [["y"], ["x"]],
  },
  {
    name: "rule 5: per-step keys join by position, whatever their names",
    query: "sequence [start where true] by parent [finish where true] by child",
    events: [e(1, "start", 1, { parent: 7 }), e(2, "finish", 2, { child: "7" })],
    expected: [[1, 2]],
    keys: [[7]],
  },
  {
    name: "rule 5: an ip-typed key (ECS source.ip) joins on the address, reported canonically",
    query: "sequence by source.ip [start where true] [finish where true]",
    events: [
      e(1, "start", 1, { source: { ip: "::ffff:10.0.0.1" } }),
      e(2, "finish", 2, { source: { ip: "10.0.0.1" } }),
    ],
    expected: [[1, 2]],
    keys: [["10.0.0.1"]],
  },
  {
    name: "rule 5: a numeric key (ECS process.pid) joins on the number; a malformed value is no value",
    query: "sequence by process.pid [start where true] [finish where true]",
    events: [
      e(1, "start", 1, { process: { pid: "0042" } }),
      e(2, "finish", 2, { process: { pid: "forty-two" } }),
      e(3, "finish", 3, { process: { pid: 42 } }),
    ],
    expected: [[1, 3]],
    keys: [[42]],
  },
  {
    name: "rule 5: a date key (ECS process.start) joins on the instant, reported as ISO-8601",
    query: "sequence by process.start [start where true] [finish where true]",
    events: [
      e(1, "start", 1, { process: { start: "2024-05-01T10:00:00Z" } }),
      e(2, "finish", 2, { process: { start: Date.UTC(2024, 4, 1, 10) } }),
    ],
    expected: [[1, 2]],
    keys: [["2024-05-01T10:00:00.000Z"]],
  },
  {
    name: "rule 6: a missing-stage event strictly between the positive events discards the sequence",
    query: "sequence with maxspan=1s [open where true] ![alarm where true] [close where true]",
    events: [e(1, "open", 10), e(2, "alarm", 11), e(3, "close", 12)],
    expected: [],
  },
  {
    name: "rule 6: a missing-stage event at the same millisecond as a neighbour is not between",
    query: "sequence with maxspan=1s [open where true] ![alarm where true] [close where true]",
    events: [e(1, "open", 10), e(2, "alarm", 10), e(3, "close", 12)],
    expected: [[1, null, 3]],
  },
  {
    name: "rule 6: the stages around a missing step match as if it were absent, then the check applies",
    query:
      "sequence with maxspan=1s [open where true] [open where true] ![alarm where true] [close where true]",
    events: [e(1, "open", 1), e(2, "open", 2), e(3, "alarm", 3), e(4, "open", 4), e(5, "close", 5)],
    expected: [[2, 4, null, 5]],
  },
  {
    name: "rule 6: a trailing missing event within maxspan of the first event rejects",
    query: "sequence with maxspan=10ms [open where true] ![alarm where true]",
    events: [e(1, "open", 0), e(2, "alarm", 10), e(3, "open", 20), e(4, "alarm", 31), e(5, "open", 40)],
    expected: [
      [3, null],
      [5, null],
    ],
  },
  {
    name: "rule 6: a leading missing event within maxspan of the last event rejects",
    query: "sequence with maxspan=10ms ![alarm where true] [open where true]",
    events: [e(1, "alarm", 0), e(2, "open", 10), e(3, "open", 11), e(4, "alarm", 12), e(5, "open", 30)],
    expected: [
      [null, 3],
      [null, 5],
    ],
  },
  {
    name: "rule 6: leading and trailing: kept when no leading event exists, whatever follows",
    query: "sequence with maxspan=5ms ![alarm where true] [open where true] ![alarm where true]",
    events: [e(1, "open", 10), e(2, "alarm", 11)],
    expected: [[null, 1, null]],
  },
  {
    name: "rule 6: leading and trailing: rejected when both sit within maxspan of each other",
    query: "sequence with maxspan=5ms ![alarm where true] [open where true] ![alarm where true]",
    events: [e(1, "alarm", 8), e(2, "open", 10), e(3, "alarm", 12)],
    expected: [],
  },
  {
    name: "rule 7: results come in the order their last events arrive",
    query: "sequence by host [a where true] [b where true] [c where true]",
    events: [
      e(1, "a", 1, { host: "x" }),
      e(2, "b", 2, { host: "x" }),
      e(3, "a", 3, { host: "y" }),
      e(4, "b", 4, { host: "y" }),
      e(5, "c", 5, { host: "y" }),
      e(6, "c", 6, { host: "x" }),
    ],
    expected: [
      [3, 4, 5],
      [1, 2, 6],
    ],
  },
  {
    name: "size keeps the first sequences in that order",
    query: "sequence [p where true] [p where true]",
    events: [e(1, "p", 1), e(2, "p", 2), e(3, "p", 3), e(4, "p", 4)],
    expected: [[1, 2]],
    size: 1,
  },
  {
    name: "timestamps: ISO-8601 without offset is UTC and orders with epoch millis",
    query: "sequence with maxspan=1s [a where true] [b where true]",
    events: [e(1, "a", "2024-05-01T10:00:00"), e(2, "b", String(Date.UTC(2024, 4, 1, 10, 0, 1)))],
    expected: [[1, 2]],
  },
  {
    name: "timestamps: an event without one takes no part",
    query: "sequence [a where true] [b where true]",
    events: [e(1, "a", 1), e(2, "b", undefined), e(3, "b", "not a date"), e(4, "b", 4)],
    expected: [[1, 4]],
  },
];

describe("sequence semantics (Elasticsearch's, as data)", () => {
  for (const c of CASES) {
    test(c.name, () => {
      // Prepare
      const { query, compiled } = sequenceOf(c.query);
      // Act
      const got = evaluateSequence(query, compiled, c.events, c.size === undefined ? {} : { size: c.size });
      // Assess
      assert.deepEqual(ids(got), c.expected);
      if (c.keys !== undefined)
        assert.deepEqual(
          got.map((m) => [...m.joinKeys]),
          c.keys,
        );
    });
  }

  test("events are put in @timestamp then tiebreaker order before matching", () => {
    const { query, compiled } = sequenceOf("sequence [a where true] [b where true]");
    const events = [e(3, "b", 5, { seq: 2 }), e(1, "a", 5, { seq: 1 }), e(2, "b", 9, { seq: 0 })];
    const got = evaluateSequence(query, compiled, events, { tiebreakerField: "seq" });
    assert.deepEqual(ids(got), [[1, 3]]);
  });

  test("a missing-event step without maxspan is refused, as Elasticsearch does", () => {
    const text = "sequence [open where true] ![alarm where true]";
    const { query, compiled } = sequenceOf(text);
    assert.throws(
      () => planSequence(query, compiled, { file: "q", source: text }),
      (err: Error) => err.name === "EqlSyntaxError" && /q:1:28: .*maxspan/.test(err.message),
    );
  });

  test("a match passed only because the input ended before maxspan elapsed is flagged unsettled", () => {
    const { query, compiled } = sequenceOf(
      "sequence with maxspan=10ms [open where true] ![alarm where true]",
    );
    const m = createSequenceMatcher<Ev>(planSequence(query, compiled));
    assert.deepEqual(m.push(e(1, "open", 0)), []);
    assert.deepEqual(m.push(e(2, "open", 5)), []);
    // Time moves with the events that match a step (others are not even read).
    const byTime = m.push(e(3, "open", 11));
    const atEnd = m.flush();
    assert.deepEqual(
      byTime.map((x) => [x.events[0]?.id, x.settled]),
      [[1, true]],
    );
    assert.deepEqual(
      atEnd.map((x) => [x.events[0]?.id, x.settled]),
      [
        [2, false],
        [3, false],
      ],
    );
  });

  test("a join key that is not a field is refused by name with its position", () => {
    const { query, compiled } = sequenceOf("sequence by length(a) [a where true] [b where true]");
    assert.throws(
      () =>
        planSequence(query, compiled, {
          file: "rule.toml",
          source: "sequence by length(a) [a where true] [b where true]",
        }),
      (err: Error & { construct?: string }) =>
        err.name === "EqlUnsupportedError" && /rule\.toml:1:13/.test(err.message),
    );
  });
});

describe("compileCorrelation (a sequence rule compiled once for a driver)", () => {
  test("gives the plan, the steps, every field read and the union of the steps' literals", () => {
    const text =
      'sequence by host.id with maxspan=1m [process where process.name == "curl"] [file where file.path like "/tmp/*"] until [process where process.name == "reboot"]';
    const c = compileCorrelation(text, { file: "rule.toml" });
    assert.ok(c !== null && c.kind === "sequence");
    assert.equal(c.plan.stages.length, 2);
    assert.equal(c.steps.length, 2);
    assert.ok(c.until !== null);
    for (const f of ["process.name", "file.path", "host.id"]) assert.ok(c.fields.includes(f), f);
    assert.ok(c.prefilter !== null);
    const texts = c.prefilter.map((l) => l.text.toLowerCase());
    for (const word of ["curl", "/tmp/", "reboot"])
      assert.ok(
        texts.some((t) => word.includes(t) || t.includes(word)),
        word,
      );
  });

  test("a step without derivable literals makes the rule's prefilter null (every record is parsed)", () => {
    const c = compileCorrelation("sequence [process where true] [file where true]");
    assert.ok(c !== null);
    assert.equal(c.prefilter, null);
  });

  test("an event query is not a correlation", () => {
    assert.equal(compileCorrelation('process where process.name == "x"'), null);
  });
});

describe("pending-state limit", () => {
  test("reaching maxPendingSequences is reported (onLimit once, counted in stats), never silent", () => {
    // Prepare: three keys each start a sequence; the cap holds two.
    const { query, compiled } = sequenceOf("sequence by host [a where true] [b where true]");
    const reports: unknown[] = [];
    const m = createSequenceMatcher(planSequence(query, compiled), {
      maxPendingSequences: 2,
      onLimit: (r) => reports.push(r),
    });
    // Act
    for (const [i, host] of ["x", "y", "z", "w"].entries()) m.push(e(i, "a", i, { host }));
    const got = m.push(e(9, "b", 9, { host: "x" }));
    // Assess: the least recently touched key (x) was evicted, so its sequence is lost, and said so.
    assert.deepEqual(got, []);
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0], { limit: 2, evicted: 1 });
    const s = m.stats();
    assert.equal(s.limitReached, true);
    assert.equal(s.evicted, 2);
    assert.ok(s.pending <= 2);
  });

  test("a missing-event history evicted at the cap makes the checks that needed it unsettled", () => {
    const { query, compiled } = sequenceOf(
      "sequence by host with maxspan=100ms ![alarm where true] [open where true]",
    );
    const m = createSequenceMatcher<Ev>(planSequence(query, compiled), { maxPendingSequences: 3 });
    for (const [i, host] of ["x", "y", "z", "w"].entries()) m.push(e(i, "alarm", i, { host }));
    assert.equal(m.stats().evicted, 1);
    // Elasticsearch would reject this (x's alarm at 0 is within maxspan); the evidence is gone,
    // so the match says it is not settled rather than pass as certain.
    const got = m.push(e(9, "open", 10, { host: "x" }));
    assert.deepEqual(
      got.map((x) => [x.events[1]?.id, x.settled]),
      [[9, false]],
    );
    // A key whose history is intact is decided normally.
    assert.deepEqual(m.push(e(10, "open", 11, { host: "y" })), []);
  });

  test("with maxspan, expired pending sequences are pruned before anything is evicted", () => {
    const { query, compiled } = sequenceOf("sequence by host with maxspan=5ms [a where true] [b where true]");
    let reported = false;
    const m = createSequenceMatcher(planSequence(query, compiled), {
      maxPendingSequences: 3,
      onLimit: () => {
        reported = true;
      },
    });
    for (let i = 0; i < 50; i++) m.push(e(i, "a", i * 10, { host: `h${i}` }));
    assert.equal(reported, false);
    assert.equal(m.stats().evicted, 0);
    assert.ok(m.stats().pending <= 3);
  });

  test("windowMs: a driver's window drops pending sequences older than it (counted as expired)", () => {
    const { query, compiled } = sequenceOf("sequence by host [a where true] [b where true]");
    const plan = planSequence(query, compiled);
    const events = [
      e(1, "a", 0, { host: "x" }),
      e(2, "b", 100, { host: "x" }),
      e(3, "a", 200, { host: "x" }),
    ];
    assert.deepEqual(
      ids(runSequencePlan(plan, [...events, e(4, "b", 300, { host: "x" })], { windowMs: 100 })),
      [
        [1, 2],
        [3, 4],
      ],
    );
    const m = createSequenceMatcher(plan, { windowMs: 100 });
    for (const ev of [...events, e(4, "b", 301, { host: "x" })]) m.push(ev);
    assert.equal(m.stats().expired, 1);
    // Many keys that never complete stay bounded by the window, not by the cap.
    const bounded = createSequenceMatcher(plan, { windowMs: 50, maxPendingSequences: 10 });
    for (let i = 0; i < 1000; i++) bounded.push(e(i, "a", i * 10, { host: `h${i}` }));
    assert.equal(bounded.stats().evicted, 0);
  });

  test("a record whose multi-valued keys multiply beyond maxKeysPerEvent keeps the first keys, counted", () => {
    const { query, compiled } = sequenceOf("sequence by a, b [x where true] [y where true]");
    const m = createSequenceMatcher(planSequence(query, compiled), { maxKeysPerEvent: 100 });
    const many = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    m.push(e(1, "x", 1, { a: many, b: many }));
    assert.equal(m.stats().truncatedKeys, 1);
    assert.equal(m.stats().pending, 100);
    assert.equal(m.push(e(2, "y", 2, { a: "v0", b: "v99" })).length, 1);
  });

  test("key values named like Object.prototype members are plain data", () => {
    const { query, compiled } = sequenceOf("sequence by user [x where true] [y where true]");
    const events = [
      e(1, "x", 1, { user: "__proto__" }),
      e(2, "x", 2, { user: "constructor" }),
      e(3, "y", 3, { user: "constructor" }),
      e(4, "y", 4, { user: "__proto__" }),
    ];
    assert.deepEqual(ids(evaluateSequence(query, compiled, events)), [
      [2, 3],
      [1, 4],
    ]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("out-of-order events are counted, not matched", () => {
    const { query, compiled } = sequenceOf("sequence [a where true] [b where true]");
    const m = createSequenceMatcher(planSequence(query, compiled));
    m.push(e(1, "a", 10));
    assert.deepEqual(m.push(e(2, "b", 5)), []);
    assert.equal(m.stats().outOfOrder, 1);
  });
});
