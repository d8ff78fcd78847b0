/** `edr-scan --query`: one EQL query as a rule, its pipes kept for the caller, refusals named. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyPipes, QUERY_RULE_ID, queryRule, RuleLoadError } from "../../src/rules/index.ts";

describe("queryRule", () => {
  test("an event query becomes a rule; head/tail pipes are returned for the caller", () => {
    const { rule, pipes } = queryRule('process where process.name : "CURL" | tail 2');
    assert.equal(rule.id, QUERY_RULE_ID);
    assert.equal(rule.file, "--query");
    const events = [1, 2, 3].map((i) => ({ i, event: { category: "process" }, process: { name: "curl" } }));
    const hits = events.filter((e) => rule.compiled.matches(e));
    assert.deepEqual(
      applyPipes(hits, pipes, undefined).map((e) => e.i),
      [2, 3],
    );
    assert.deepEqual(rule.compiled.prefilter, [{ text: "curl", caseInsensitive: true }]);
  });

  test("errors point into the query: --query:line:col and a caret", () => {
    const e = (() => {
      try {
        queryRule("process where nosuch(a)");
      } catch (err) {
        return err;
      }
      assert.fail("expected an error");
    })();
    assert.ok(e instanceof RuleLoadError);
    assert.deepEqual(e.message.split("\n"), [
      "--query:1:15: unknown function `nosuch`",
      "process where nosuch(a)",
      "              ^",
    ]);
  });

  test("a sequence or a sample becomes a rule the sequence stage runs (issue 13)", () => {
    for (const [q, kind] of [
      ["sequence [a where true] [b where true]", "sequence"],
      ["sample by h [a where true] [b where true]", "sample"],
    ] as const) {
      assert.equal(queryRule(q).rule.sequence?.kind, kind);
    }
    assert.throws(
      () => queryRule("sequence [a where true]"),
      (err: Error) => err instanceof RuleLoadError && err.message.startsWith("--query:1:"),
    );
  });
});
