import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileQuery, EqlError, EqlSyntaxError, EqlUnsupportedError } from "../../src/eql/index.ts";
import { createRawPrefilter } from "../../src/scan/prefilter/index.ts";
import { dotted, ERROR_CASES, MATCH_CASES } from "./semantics-table.ts";

const COVERED_ROWS = new Set<number | string>([
  ...MATCH_CASES.map((c) => c.row),
  ...ERROR_CASES.map((c) => c.row),
]);

describe("semantics table (spec rows 1-18 and the seed rule's worked consequences)", () => {
  test("every row of the spec table has at least one case", () => {
    for (let row = 1; row <= 18; row++) assert.ok(COVERED_ROWS.has(row), `row ${row} has no case`);
    assert.ok(COVERED_ROWS.has("seed"));
  });

  for (const c of MATCH_CASES) {
    test(`row ${c.row}: ${c.name}`, () => {
      // Prepare
      const q = compileQuery(c.query, c.options ?? {});
      // Act
      const matched = Object.entries(c.events)
        .filter(([, e]) => q.matches(e))
        .map(([id]) => id);
      // Assess
      assert.deepEqual(matched.sort(), [...c.expected].sort());
    });

    test(`row ${c.row}: ${c.name} (dotted-key documents give the same verdicts)`, () => {
      const q = compileQuery(c.query, c.options ?? {});
      const matched = Object.entries(c.events)
        .filter(([, e]) => q.matches(dotted(e)))
        .map(([id]) => id);
      assert.deepEqual(matched.sort(), [...c.expected].sort());
    });

    test(`row ${c.row}: ${c.name} (the raw prefilter accepts every matching event)`, () => {
      const q = compileQuery(c.query, c.options ?? {});
      const pf = createRawPrefilter([q.prefilter]);
      for (const id of c.expected) {
        const bytes = Buffer.from(JSON.stringify(c.events[id]), "utf8");
        assert.ok(pf.test(bytes, 0, bytes.length), `prefilter rejected matching event ${id}`);
      }
    });
  }

  for (const c of ERROR_CASES) {
    test(`row ${c.row}: refuses ${c.name} at ${c.at.join(":")}`, () => {
      const err = (() => {
        try {
          compileQuery(c.query, { file: "rules/x.toml" });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof EqlError, `expected an EqlError for ${JSON.stringify(c.query)}`);
      assert.ok(err instanceof (c.error === "syntax" ? EqlSyntaxError : EqlUnsupportedError), err.message);
      assert.deepEqual([err.line, err.column], [...c.at], err.message);
      if (c.construct !== undefined) assert.equal(err.construct, c.construct);
      const [first, srcLine, caret, ...rest] = err.message.split("\n");
      assert.equal(rest.length, 0);
      assert.ok(first!.startsWith(`rules/x.toml:${c.at[0]}:${c.at[1]}: `), first);
      if (c.construct !== undefined) assert.ok(first!.includes(c.construct.split(" ").pop()!), first);
      assert.equal(srcLine, c.query.split("\n")[c.at[0] - 1]);
      assert.equal(caret, `${" ".repeat(c.at[1] - 1)}^`);
    });
  }
});
