import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fieldValues } from "../../src/document/index.ts";
import type { Expr, InExpr, LikeExpr } from "../../src/eql/ast.ts";
import { parse } from "../../src/eql/parser.ts";
import { referenceWildcard } from "../../src/eql/wildcard.ts";
import { loadBuiltinRules } from "../../src/rules/index.ts";
import { toEcs } from "../../src/sources/index.ts";
import { dotted, seedEvent } from "../eql/semantics-table.ts";
import { readJson, readRecords } from "../sources/helpers.ts";

const rules = await loadBuiltinRules();
const rule = rules.find((r) => r.id === "86aa8579-1526-4dff-97cd-3635eb0e0545")!;
const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/eql/${name}`, import.meta.url), "utf8");

// The exclusion lists, read from the shipped query's AST so every entry is exercised.
function collect(e: Expr, out: { ins: InExpr[]; likes: LikeExpr[] }): void {
  switch (e.kind) {
    case "and":
    case "or":
      for (const o of e.operands) collect(o, out);
      return;
    case "not":
      collect(e.operand, out);
      return;
    case "in":
      out.ins.push(e);
      return;
    case "like":
      out.likes.push(e);
      return;
    default:
      return;
  }
}
const found = { ins: [] as InExpr[], likes: [] as LikeExpr[] };
collect(parse(rule.query).condition, found);
const values = (e: InExpr | LikeExpr | undefined): string[] =>
  e === undefined
    ? []
    : e.kind === "in"
      ? e.values.map((v) => String(v.value))
      : e.patterns.map((p) => p.value);
const EXECUTABLES = values(found.ins.find((e) => e.field.path === "process.executable"));
const EXE_PATTERNS = values(found.likes.find((e) => e.field.path === "process.executable"));
const EXTENSIONS = values(found.ins.find((e) => e.field.path === "file.extension"));

/** Excluded by the executable clauses, by an independent reading of the spec (reference matcher). */
const exeExcluded = (exe: string): boolean =>
  EXECUTABLES.includes(exe) || EXE_PATTERNS.some((p) => referenceWildcard(p, exe, true));

/** Asserts the verdict on the nested document and on its dotted-key form. */
function verdict(event: Record<string, unknown>, expected: boolean, label: string): void {
  assert.equal(rule.compiled.matches(event), expected, `${label} (nested)`);
  assert.equal(rule.compiled.matches(dotted(event)), expected, `${label} (dotted keys)`);
}

describe("seed rule: NetworkManager Dispatcher Script Creation", () => {
  test("ships the query from issue 2 verbatim", () => {
    assert.equal(rule.query.trimEnd(), fixture("seed-query.eql").trimEnd());
    assert.equal(EXECUTABLES.length, 60);
    assert.equal(EXE_PATTERNS.length, 6);
    assert.deepEqual(EXTENSIONS, ["swp", "swpx", "swx", "dpkg-remove"]);
  });

  test("the Defend samples: creation by bash alerts; dpkg, sed and a deletion do not", () => {
    const lines = fixture("linux_file_events.SYNTHETIC.ndjson").trim().split("\n");
    assert.deepEqual(
      lines.map((l) => rule.compiled.matches(JSON.parse(l))),
      [true, false, false, false],
    );
    assert.equal(rule.compiled.matches(JSON.parse(fixture("defend_process_event.SYNTHETIC.json"))), false);
  });

  test('clause event.category == "file" (case-sensitive, any element)', () => {
    verdict(seedEvent({}), true, "file");
    verdict(seedEvent({ category: "file" }), true, "string file");
    verdict(seedEvent({ category: ["process", "file"] }), true, "array with file");
    verdict(seedEvent({ category: ["File"] }), false, "File");
    verdict(seedEvent({ category: ["process"] }), false, "process");
    verdict(seedEvent({ category: undefined }), false, "missing");
  });

  test('clause host.os.type == "linux"', () => {
    verdict(seedEvent({ osType: "Linux" }), false, "Linux");
    verdict(seedEvent({ osType: "LINUX" }), false, "LINUX");
    verdict(seedEvent({ osType: ["windows", "linux"] }), true, "array");
    verdict(seedEvent({ osType: undefined }), false, "missing");
  });

  test('clause event.type == "creation"', () => {
    verdict(seedEvent({ type: "creation" }), true, "string");
    verdict(seedEvent({ type: ["Creation"] }), false, "Creation");
    verdict(seedEvent({ type: ["change"] }), false, "change (rename)");
    verdict(seedEvent({ type: ["deletion"] }), false, "deletion");
    verdict(seedEvent({ type: ["change", "creation"] }), true, "any element");
    verdict(seedEvent({ type: undefined }), false, "missing");
  });

  test('clause file.path like~ "/etc/NetworkManager/dispatcher.d/*"', () => {
    for (const p of [
      "/etc/NetworkManager/dispatcher.d/x",
      "/ETC/NETWORKMANAGER/DISPATCHER.D/x",
      "/etc/networkmanager/dispatcher.d/",
      "/etc/NetworkManager/dispatcher.d/pre-up.d/10-x",
      "/etc/NetworkManager/dispatcher.d/a\nb",
    ]) {
      verdict(seedEvent({ path: p }), true, p);
    }
    for (const p of [
      "/etc/NetworkManager/dispatcher.d",
      "/etc/NetworkManager/dispatcherXd/x",
      "/etc/NetworkManager/conf.d/x",
      "/tmp/etc/NetworkManager/dispatcher.d/x",
      "/etc/NetworkManagér/dispatcher.d/x",
    ]) {
      verdict(seedEvent({ path: p }), false, p);
    }
    verdict(seedEvent({ path: undefined }), false, "missing path");
    verdict(seedEvent({ path: ["/tmp/x", "/etc/NetworkManager/dispatcher.d/y"] }), true, "any element");
  });

  test("every process.executable in the `in` list is excluded; its upper-case variant is not (unless a like~ pattern covers it)", () => {
    for (const exe of EXECUTABLES) {
      verdict(seedEvent({ executable: exe }), false, exe);
      const upper = exe.toUpperCase();
      verdict(seedEvent({ executable: upper }), !exeExcluded(upper), upper);
    }
    // `*` in the `in` list is literal, so only the like~ pattern excludes /dev/fd/3.
    assert.equal(EXECUTABLES.includes("/dev/fd/3"), false);
    verdict(seedEvent({ executable: "/DEV/FD/3" }), false, "/DEV/FD/3");
  });

  test("every process.executable like~ pattern excludes any case variant; near misses are not excluded", () => {
    for (const p of EXE_PATTERNS) {
      const instance = p.replaceAll("*", "sub/dir");
      verdict(seedEvent({ executable: instance }), false, instance);
      verdict(seedEvent({ executable: instance.toUpperCase() }), false, instance.toUpperCase());
      const nearMiss = `/x${instance}`;
      verdict(seedEvent({ executable: nearMiss }), true, nearMiss);
    }
    verdict(seedEvent({ executable: "/tmp/vmisXabc" }), true, "/tmp/vmisXabc (`.` literal)");
    verdict(seedEvent({ executable: "/tmp/vmis.abc/x" }), false, "/tmp/vmis.abc/x");
    verdict(seedEvent({ executable: "/snap" }), true, "/snap (needs the slash)");
  });

  test("every file.extension is excluded; its upper-case variant is not", () => {
    for (const ext of EXTENSIONS) {
      verdict(seedEvent({ extension: ext }), false, ext);
      verdict(seedEvent({ extension: ext.toUpperCase() }), true, ext.toUpperCase());
    }
    verdict(seedEvent({ extension: ["sh", "swp"] }), false, "any element");
  });

  test('exclusion (process.name == "sed" and file.name : "sed*")', () => {
    verdict(seedEvent({ processName: "sed", name: "sedAbC12" }), false, "sed + sed*");
    verdict(seedEvent({ processName: "sed", name: "SEDabc" }), false, "sed + SED* (:)");
    verdict(seedEvent({ processName: "sed", name: "sed" }), false, "sed + sed");
    verdict(seedEvent({ processName: "SED", name: "sedabc" }), true, "SED (== is case-sensitive)");
    verdict(seedEvent({ processName: "sed", name: "x-sed" }), true, "file name not starting with sed");
    verdict(seedEvent({ processName: "gsed", name: "sedabc" }), true, "other process");
    verdict(seedEvent({ processName: undefined, name: "sedabc" }), true, "no process.name");
  });

  test("a missing process object leaves the event unexcluded (two-valued logic)", () => {
    verdict(seedEvent({ executable: undefined, processName: undefined }), true, "no process");
    verdict(seedEvent({ extension: undefined }), true, "no extension");
  });
});

const SEED_ID = "86aa8579-1526-4dff-97cd-3635eb0e0545";
function expected(record: Record<string, unknown>): boolean {
  const id = fieldValues(record, "event.id")[0] ?? "";
  if (id.includes("SHOULD_ALERT")) return true;
  if (id.includes("EXCLUDED_") || id.includes("NOMATCH_")) return false;
  throw new Error(`fixture record without an expected verdict: ${id}`);
}

describe("seed rule over every source's samples (through toEcs)", async () => {
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
