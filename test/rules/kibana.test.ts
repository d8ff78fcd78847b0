import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  effectiveRule,
  loadRuleSet,
  MemorySuppressionStore,
  matchingException,
  parseKibanaExport,
  parseRuleFilter,
  RuleLoadError,
  suppressionGroup,
} from "../../src/rules/index.ts";

/** A rule as Kibana's rule export writes it (the fields we read, plus some we ignore). */
function kibanaRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "5d1b1f8e-0000-4000-8000-000000000001",
    rule_id: "a-rule",
    name: "Suspicious curl",
    description: "curl to a raw IP",
    type: "eql",
    language: "eql",
    query: 'process where process.name == "curl"',
    index: ["logs-endpoint.events.process-*"],
    severity: "medium",
    risk_score: 47,
    enabled: true,
    interval: "5m",
    from: "now-6m",
    max_signals: 100,
    tags: ["OS: Linux", "Tactic: Command and Control"],
    threat: [
      {
        framework: "MITRE ATT&CK",
        tactic: {
          id: "TA0011",
          name: "Command and Control",
          reference: "https://attack.mitre.org/tactics/TA0011/",
        },
        technique: [],
      },
    ],
    references: [],
    false_positives: ["Admins testing connectivity"],
    actions: [],
    version: 3,
    ...over,
  };
}

const list = {
  list_id: "admins",
  namespace_type: "single",
  type: "detection",
  name: "Admin tools",
  id: "x",
  description: "",
};
const adminItem = {
  item_id: "deploy-user",
  list_id: "admins",
  namespace_type: "single",
  type: "simple",
  name: "deploy user",
  entries: [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
  os_types: [],
};
const summary = { exported_count: 3, exported_rules_count: 1, missing_rules: [], missing_rules_count: 0 };
const ndjson = (...objs: unknown[]): string => `${objs.map((o) => JSON.stringify(o)).join("\n")}\n`;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "edr-kibana-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await mkdir(join(p, ".."), { recursive: true });
  await writeFile(p, text);
  return p;
}

describe("Kibana rule exports", () => {
  test("a rule keeps what Kibana applies: index, look-back, max_signals, threat, tags, note", () => {
    const x = parseKibanaExport(
      ndjson(kibanaRule({ note: "## Triage\nCheck the parent." }), summary),
      "e.ndjson",
    );
    assert.deepEqual(x.problems, []);
    const r = x.rules[0]!.rule;
    assert.equal(r.id, "a-rule");
    assert.deepEqual(r.indices, ["logs-endpoint.events.process-*"]);
    assert.equal(r.from, "now-6m");
    assert.equal(r.maxSignals, 100);
    assert.equal(r.threat[0]?.tactic.id, "TA0011");
    assert.equal(r.note, "## Triage\nCheck the parent.");
    assert.equal(r.format, "kibana-export");
    assert.equal(r.compiled.matches({ event: { category: "process" }, process: { name: "curl" } }), true);
  });

  test("non-EQL rules are refused by name with file:line; the others on other lines still load", () => {
    const x = parseKibanaExport(
      ndjson(
        kibanaRule(),
        kibanaRule({ rule_id: "kql", type: "query", language: "kuery", query: "process.name: curl" }),
      ),
      "e.ndjson",
    );
    assert.equal(x.rules.length, 1);
    assert.equal(x.problems.length, 1);
    assert.match(
      x.problems[0]!.message,
      /^e\.ndjson:2: rule type "query" \(language "kuery"\) is not supported/,
    );
  });

  test("a query error names the export line and the position in the query", () => {
    const x = parseKibanaExport(ndjson(kibanaRule({ query: "process where process.name ==" })), "e.ndjson");
    assert.equal(x.rules.length, 0);
    assert.match(x.problems[0]!.message, /^e\.ndjson:1 query:1:\d+: /);
  });

  test("a line that is not JSON, or not a rule, list or item, is a problem naming its line", () => {
    const x = parseKibanaExport(`${JSON.stringify(kibanaRule())}\nnot json\n{"hello": 1}\n`, "e.ndjson");
    assert.equal(x.rules.length, 1);
    assert.deepEqual(
      x.problems.map((p) => p.message.split(":").slice(0, 2).join(":")),
      ["e.ndjson:2", "e.ndjson:3"],
    );
  });

  test("exceptions exported with the rule are linked and drop matching events", async () => {
    const file = await write(
      "with-exceptions.ndjson",
      ndjson(
        kibanaRule({
          exceptions_list: [{ id: "x", list_id: "admins", namespace_type: "single", type: "detection" }],
        }),
        list,
        adminItem,
        summary,
      ),
    );
    const set = await loadRuleSet(file);
    const r = set.rules[0]!;
    assert.equal(r.exceptions?.items.length, 1);
    const deploy = { process: { name: "curl" }, user: { name: "deploy" } };
    const other = { process: { name: "curl" }, user: { name: "mallory" } };
    assert.equal(matchingException(r.exceptions!, deploy, Date.now())?.item.itemId, "deploy-user");
    assert.equal(matchingException(r.exceptions!, other, Date.now()), undefined);
  });

  test("a referenced list missing from the export fails the load, naming the list and the fix; --exceptions supplies it", async () => {
    const rules = await write(
      "needs-list.ndjson",
      ndjson(
        kibanaRule({
          exceptions_list: [{ id: "x", list_id: "admins", namespace_type: "single", type: "detection" }],
        }),
      ),
    );
    await assert.rejects(
      loadRuleSet(rules),
      (e: unknown) =>
        e instanceof RuleLoadError &&
        /uses exception list "admins", not found in the export.*--exceptions/.test(e.message),
    );
    const lists = await write("admins.ndjson", ndjson(list, adminItem));
    const set = await loadRuleSet(rules, { exceptions: [lists] });
    assert.equal(set.rules[0]?.exceptions?.items[0]?.item.itemId, "deploy-user");
  });

  test("disabled rules are loaded but not run; building blocks are marked", async () => {
    const file = await write(
      "mixed.ndjson",
      ndjson(
        kibanaRule({ rule_id: "off", enabled: false }),
        kibanaRule({ rule_id: "bb", building_block_type: "default" }),
      ),
    );
    const set = await loadRuleSet(file);
    assert.deepEqual(
      set.rules.map((r) => r.id),
      ["bb"],
    );
    assert.equal(set.rules[0]?.buildingBlock, true);
    assert.deepEqual(
      set.disabled.map((r) => r.id),
      ["off"],
    );
  });

  test("a directory mixes TOML rules and exports; skipUnsupported lists every refusal with its reason", async () => {
    await write(
      "mix/a.ndjson",
      ndjson(
        kibanaRule({ rule_id: "ok" }),
        kibanaRule({ rule_id: "ml", type: "machine_learning", language: undefined }),
      ),
    );
    await write("mix/b.toml", "not = [valid");
    await assert.rejects(loadRuleSet(join(dir, "mix")), /2 rule files failed to load/);
    const set = await loadRuleSet(join(dir, "mix"), { skipUnsupported: true });
    assert.deepEqual(
      set.rules.map((r) => r.id),
      ["ok"],
    );
    assert.equal(set.refused.length, 2);
    assert.match(set.refused[0]!.reason, /^rule type "machine_learning" is not supported/);
    assert.match(set.refused[1]!.reason, /^invalid TOML/);
  });
});

describe("rule selection (--rule-filter)", () => {
  const rules = parseKibanaExport(
    ndjson(
      kibanaRule({ rule_id: "lin", tags: ["OS: Linux"], severity: "low" }),
      kibanaRule({
        rule_id: "win",
        tags: ["OS: Windows"],
        severity: "high",
        index: ["winlogbeat-*", "logs-windows.*"],
      }),
    ),
    "e.ndjson",
  ).rules.map((x) => x.rule);
  const pick = (f: string): string[] => rules.filter((r) => parseRuleFilter(f).test(r)).map((r) => r.id);

  test("by tag, severity, id, name and index", () => {
    assert.deepEqual(pick("tag:OS: Linux"), ["lin"]);
    assert.deepEqual(pick("tag:os: windows"), ["win"]);
    assert.deepEqual(pick("severity>=medium"), ["win"]);
    assert.deepEqual(pick("severity:low"), ["lin"]);
    assert.deepEqual(pick("id:win"), ["win"]);
    assert.deepEqual(pick("name:suspicious*"), ["lin", "win"]);
    assert.deepEqual(pick("index:logs-windows.sysmon_operational-default"), ["win"]);
  });

  test("a malformed filter names the filter and the accepted forms", () => {
    assert.throws(
      () => parseRuleFilter("colour:red"),
      /invalid --rule-filter "colour:red": expected tag:<tag>/,
    );
    assert.throws(() => parseRuleFilter("severity>=huge"), /invalid --rule-filter/);
  });
});

describe("per-event overrides and suppression", () => {
  const [x] = parseKibanaExport(
    ndjson(
      kibanaRule({
        severity_mapping: [
          { field: "event.severity", operator: "equals", value: "73", severity: "high" },
          { field: "event.severity", operator: "equals", value: "99", severity: "critical" },
          { field: "host.name", operator: "equals", value: "dc-1", severity: "medium" },
        ],
        risk_score_mapping: [{ field: "event.risk_score", operator: "equals", value: "" }],
        rule_name_override: "message",
        alert_suppression: {
          group_by: ["host.name", "user.name"],
          duration: { value: 1, unit: "h" },
          missing_fields_strategy: "doNotSuppress",
        },
      }),
    ),
    "e.ndjson",
  ).rules;
  const rule = x!.rule;

  test("severity: the highest of the matching mappings; risk score and name from the event", () => {
    assert.deepEqual(
      effectiveRule(rule, {
        event: { severity: 99, risk_score: 88 },
        host: { name: "dc-1" },
        message: "Custom",
      }),
      {
        name: "Custom",
        severity: "critical",
        riskScore: 88,
      },
    );
    assert.deepEqual(effectiveRule(rule, { event: { risk_score: 140 } }), {
      name: "Suspicious curl",
      severity: "medium",
      riskScore: 47,
    });
  });

  test("suppression groups by the fields' values; a missing field under doNotSuppress is never suppressed", async () => {
    const s = rule.suppression!;
    assert.equal(s.durationMs, 3_600_000);
    const a = { host: { name: "web-1" }, user: { name: "root" } };
    assert.equal(
      suppressionGroup(s, a),
      suppressionGroup(s, { host: { name: ["web-1"] }, user: { name: "root" } }),
    );
    assert.notEqual(
      suppressionGroup(s, a),
      suppressionGroup(s, { host: { name: "web-2" }, user: { name: "root" } }),
    );
    assert.equal(suppressionGroup(s, { host: { name: "web-1" } }), null);
    assert.notEqual(suppressionGroup({ ...s, missingFields: "suppress" }, { host: { name: "web-1" } }), null);

    const store = new MemorySuppressionStore();
    const g = suppressionGroup(s, a)!;
    const t0 = Date.parse("2024-05-01T12:00:00Z");
    assert.equal((await store.claim(rule.id, g, t0, s.durationMs!)).verdict, "first");
    assert.equal((await store.claim(rule.id, g, t0 + 60_000, s.durationMs!)).verdict, "suppressed");
    assert.equal(store.claimSync(rule.id, g, t0 + 120_000, s.durationMs!), "suppressed");
    assert.deepEqual(await store.claim(rule.id, g, t0 + 3_600_000, s.durationMs!), {
      verdict: "first",
      startMs: t0 + 3_600_000,
      endMs: t0 + 7_200_000,
    });
    assert.deepEqual(store.groups(), [{ ruleId: rule.id, group: g, suppressed: 2 }]);
  });

  test("bad suppression settings are refused naming the key", () => {
    const bad = parseKibanaExport(
      ndjson(kibanaRule({ alert_suppression: { group_by: [], duration: { value: 5, unit: "m" } } })),
      "e.ndjson",
    );
    assert.match(bad.problems[0]!.message, /alert_suppression\.group_by` must name 1 to 3 fields/);
  });
});

describe("tuning fingerprint", () => {
  test("untuned rules contribute nothing; an exception item, suppression or override changes it", async () => {
    const { ruleTuning } = await import("../../src/rules/index.ts");
    const base = parseKibanaExport(ndjson(kibanaRule()), "e.ndjson").rules[0]!.rule;
    assert.equal(ruleTuning(base), "");
    const tuned = [
      kibanaRule({ enabled: false }),
      kibanaRule({ alert_suppression: { group_by: ["host.name"] } }),
      kibanaRule({ rule_name_override: "message" }),
    ].map((r) => ruleTuning(parseKibanaExport(ndjson(r), "e.ndjson").rules[0]!.rule));
    assert.equal(new Set(["", ...tuned]).size, 4);
  });
});
