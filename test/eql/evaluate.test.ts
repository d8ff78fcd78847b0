/**
 * evaluateQuery: a statement over a list of events, with head/tail pipes and the request size
 * placed as Elasticsearch places them, and sequences / samples through their matchers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyPipes, compileStatement, evaluateQuery, parseStatement } from "../../src/eql/index.ts";

interface Ev {
  id: number;
  "@timestamp": number;
  event: { category: string };
  host?: { name: string };
  process?: { name: string };
}

const events: Ev[] = Array.from({ length: 8 }, (_, i) => ({
  id: i + 1,
  "@timestamp": 1000 + i,
  event: { category: i % 2 === 0 ? "process" : "file" },
  host: { name: i < 4 ? "a" : "b" },
  process: { name: i % 3 === 0 ? "curl" : "bash" },
}));

const ids = (r: readonly unknown[]): number[] => r.map((e) => (e as Ev).id);

describe("evaluateQuery: event queries and pipes", () => {
  test("matches in input order; head keeps the first N, tail the last N", () => {
    assert.deepEqual(ids(evaluateQuery("process where true", events)), [1, 3, 5, 7]);
    assert.deepEqual(ids(evaluateQuery("process where true | head 3", events)), [1, 3, 5]);
    assert.deepEqual(ids(evaluateQuery("process where true | tail 3", events)), [3, 5, 7]);
    assert.deepEqual(ids(evaluateQuery("process where true | tail 3 | head 1", events)), [3]);
    assert.deepEqual(ids(evaluateQuery("any where true | head 0", events)), []);
  });

  test("the request size sits in front of the first pipe, as in Elasticsearch", () => {
    // No pipe: the first `size`.
    assert.deepEqual(ids(evaluateQuery("any where true", events, { size: 2 })), [1, 2]);
    // head: the first `size`, then the pipe's N of those.
    assert.deepEqual(ids(evaluateQuery("any where true | head 5", events, { size: 3 })), [1, 2, 3]);
    // tail: the last `size`, then the pipe's last N.
    assert.deepEqual(ids(evaluateQuery("any where true | tail 5", events, { size: 3 })), [6, 7, 8]);
    assert.deepEqual(applyPipes([1, 2, 3, 4], parseStatement("a where true | tail 1").pipes, 2), [4]);
  });

  test("a size that is not a non-negative integer is refused by name", () => {
    assert.throws(
      () => evaluateQuery("any where true", events, { size: -1 }),
      /size must be a non-negative integer/,
    );
  });
});

describe("evaluateQuery: sequences and samples", () => {
  test("a sequence returns its events and join keys", () => {
    const r = evaluateQuery(
      'sequence by host.name [process where process.name == "curl"] [file where true]',
      events,
    ) as unknown as { events: Ev[]; joinKeys: unknown[] }[];
    assert.deepEqual(
      r.map((m) => [m.events.map((e) => e.id), m.joinKeys]),
      [
        [[1, 2], ["a"]],
        [[7, 8], ["b"]],
      ],
    );
    const tail = evaluateQuery(
      'sequence by host.name [process where process.name == "curl"] [file where true] | tail 1',
      events,
    ) as unknown as { events: Ev[] }[];
    assert.deepEqual(
      tail.map((m) => m.events.map((e) => e.id)),
      [[7, 8]],
    );
  });

  test("a sample returns one event per filter for each key", () => {
    const r = evaluateQuery(
      "sample by host.name [process where true] [file where true]",
      events,
    ) as unknown as {
      events: Ev[];
    }[];
    assert.equal(r.length, 2);
    for (const m of r) {
      assert.equal(m.events.length, 2);
      assert.equal(m.events[0]!.host?.name, m.events[1]!.host?.name);
    }
  });
});

describe("compileStatement (the CLI's ad-hoc mode)", () => {
  test("an event query compiles with its pipes kept apart; a sequence gives no single-event predicate", () => {
    const { statement, event } = compileStatement('process where process.name == "curl" | tail 1');
    assert.ok(event !== null);
    assert.deepEqual(
      ids(
        applyPipes(
          events.filter((e) => event.matches(e)),
          statement.pipes,
          undefined,
        ),
      ),
      [7],
    );
    assert.deepEqual(event.prefilter, [{ text: "curl", caseInsensitive: false }]);
    assert.equal(compileStatement("sequence [a where true] [b where true]").event, null);
  });
});
