/**
 * ruleAppliesToIndex remembers its verdicts per patterns array (the per-object cost with a rule
 * pack): a remembered verdict must always be the one indexPatternMatches gives.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { indexPatternMatches, ruleAppliesToIndex } from "../../src/sources/index.ts";

const part = fc.constantFrom("logs", "endpoint", "events", "process", "file", "default", "-", ".", "*", "x");
const pattern = fc
  .array(part, { minLength: 1, maxLength: 5 })
  .map((p) => p.join(""))
  .chain((p) => fc.constantFrom(p, `-${p}`));
const index = fc
  .array(
    part.filter((p) => p !== "*"),
    { minLength: 1, maxLength: 6 },
  )
  .map((p) => p.join(""));

test("remembered verdicts equal fresh ones, for many arrays and names asked in any order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(pattern, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), index), { minLength: 1, maxLength: 60 }),
      (arrays, asks) => {
        for (const [which, name] of asks) {
          const patterns = arrays[which % arrays.length]!;
          assert.equal(
            ruleAppliesToIndex(patterns, name),
            indexPatternMatches(patterns, name),
            `${patterns} / ${name}`,
          );
        }
      },
    ),
  );
});

test("an unknown index is still evaluated by every rule; two arrays with the same name do not share verdicts", () => {
  const a = ["auditbeat-*"];
  const b = ["logs-*"];
  assert.equal(ruleAppliesToIndex(a, undefined), true);
  assert.equal(ruleAppliesToIndex(a, "logs-x-default"), false);
  assert.equal(ruleAppliesToIndex(b, "logs-x-default"), true);
  assert.equal(ruleAppliesToIndex(a, "logs-x-default"), false);
});
