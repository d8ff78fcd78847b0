/**
 * The samples through toEcs and the shipped seed rule: each synthetic record names its expected
 * verdict in event.id (SHOULD_ALERT / EXCLUDED_* / NOMATCH_*).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fieldValues } from "../../src/document/index.ts";
import { loadBuiltinRules } from "../../src/rules/index.ts";
import { toEcs } from "../../src/sources/index.ts";
import { readJson, readRecords } from "./helpers.ts";

const SEED_ID = "86aa8579-1526-4dff-97cd-3635eb0e0545";
function expected(record: Record<string, unknown>): boolean {
  const id = fieldValues(record, "event.id")[0] ?? "";
  if (id.includes("SHOULD_ALERT")) return true;
  if (id.includes("EXCLUDED_") || id.includes("NOMATCH_")) return false;
  throw new Error(`fixture record without an expected verdict: ${id}`);
}

describe("samples through toEcs and the seed rule", async () => {
  const rule = (await loadBuiltinRules()).find((r) => r.id === SEED_ID);
  const skip = false;
  test("the seed rule ships", () => assert.ok(rule));

  for (const file of [
    "linux_dispatcher_file_creation.SYNTHETIC.ndjson",
    "endgame_linux_dispatcher.SYNTHETIC.ndjson",
  ]) {
    test(`${file}: every verdict as its event.id says`, { skip }, () => {
      const records = readRecords(file);
      assert.ok(records.length >= 5);
      for (const r of records) {
        const { event } = toEcs(r, "auto");
        assert.equal(rule!.compiled.matches(event), expected(r), String(fieldValues(r, "event.id")[0]));
      }
    });
  }

  test("SentinelOne variants: FileCreation matches, Linux (capitalised) and rename do not", { skip }, () => {
    const [base] = readRecords("linux_dispatcher_file_creation.SYNTHETIC.ndjson");
    const m = (over: Record<string, unknown>) =>
      rule!.compiled.matches(toEcs({ ...base!, ...over }, "auto").event);
    assert.equal(m({}), true);
    assert.equal(m({ "event.type": "FileCreation" }), true);
    assert.equal(m({ "event.type": "File Rename" }), false);
    assert.equal(m({ "event.type": "File Modification" }), false);
    assert.equal(m({ "endpoint.os": "Linux" }), false);
    assert.equal(m({ "event.category": "process" }), false);
    // The extension exclusion reads only tgt.file.extension.
    assert.equal(m({ "tgt.file.path": "/etc/NetworkManager/dispatcher.d/.a.swp" }), true);
    assert.equal(
      m({ "tgt.file.path": "/etc/NetworkManager/dispatcher.d/.a.swp", "tgt.file.extension": "swp" }),
      false,
    );
    // The same event routed as Defend (forced) is not ECS, so it cannot match.
    assert.equal(rule!.compiled.matches(toEcs(base!, "defend").event), false);
  });

  test("Defend samples: the dispatcher creation by bash alerts, dpkg/sed/deletion do not", { skip }, () => {
    const one = readJson("linux_file_create.SYNTHETIC.json");
    assert.equal(rule!.compiled.matches(toEcs(one, "auto").event), true);
    const verdicts = readRecords("linux_file_events.SYNTHETIC.ndjson").map((r) =>
      rule!.compiled.matches(toEcs(r, "auto").event),
    );
    assert.deepEqual(verdicts, [true, false, false, false]);
    const windows = readJson("endpoint-package_file_sample_event.windows.json");
    assert.equal(rule!.compiled.matches(toEcs(windows, "auto").event), false);
  });

  test("a Windows SentinelOne file creation does not match (the rule is for Linux)", { skip }, () => {
    const [base] = readRecords("linux_dispatcher_file_creation.SYNTHETIC.ndjson");
    const windows = { ...base!, "endpoint.os": "windows" };
    assert.equal(rule!.compiled.matches(toEcs(windows, "auto").event), false);
  });
});
