import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseStatement } from "../../src/eql/index.ts";
import {
  COMPILED_RULES_FILE,
  correlationSteps,
  listRuleFiles,
  loadRuleSet,
  type Rule,
  RuleLoadError,
  ruleAst,
  ruleExtras,
  writeCompiledRuleSet,
} from "../../src/rules/index.ts";

const toml = (id: string, query: string, extra = ""): string =>
  [
    "[metadata]",
    'maturity = "production"',
    "",
    "[rule]",
    `name = "Rule ${id}"`,
    `description = "precompiled ${id}"`,
    `rule_id = "${id}"`,
    'type = "eql"',
    'language = "eql"',
    'severity = "high"',
    "risk_score = 73",
    'index = ["logs-endpoint.events.*"]',
    'tags = ["OS: Linux"]',
    extra,
    `query = '''\n${query}\n'''`,
    "",
    "[[rule.threat]]",
    'framework = "MITRE ATT&CK"',
    "[rule.threat.tactic]",
    'id = "TA0002"',
    'name = "Execution"',
    'reference = "https://attack.mitre.org/tactics/TA0002/"',
    "",
  ].join("\n");

const EVENT_Q = 'process where process.name : "curl" and process.args like~ "*http*" and not user.id == "0"';
const SEQ_Q =
  'sequence by host.id with maxspan=30s [process where process.name == "wget"] [network where destination.port == 4444] until [process where event.type == "end"]';
const CIDR_Q = 'network where cidrmatch(destination.ip, "10.0.0.0/8") and destination.port in (22, 2222)';

const EVENTS: unknown[] = [
  {
    event: { category: ["process"] },
    process: { name: "curl", args: ["-o", "HTTP://x"] },
    user: { id: "1000" },
  },
  {
    event: { category: ["process"] },
    process: { name: "curl", args: ["-o", "http://x"] },
    user: { id: "0" },
  },
  { event: { category: ["process"] }, process: { name: "wget" }, host: { id: "h" } },
  { event: { category: ["network"] }, destination: { ip: "10.1.2.3", port: 22 }, host: { id: "h" } },
  { event: { category: ["network"] }, destination: { ip: "192.168.0.1", port: 22 } },
  { event: { category: ["network"] }, destination: { ip: "10.1.2.3", port: 4444 }, host: { id: "h" } },
  {},
];

/** What a rule is, apart from its functions: its data, compiled fields and prefilter, verdicts. */
function shape(r: Rule): unknown {
  const { compiled, sequence, ...data } = r;
  return {
    data,
    fields: compiled.fields,
    prefilter: compiled.prefilter,
    verdicts: EVENTS.map((e) => compiled.matches(e)),
    sequence:
      sequence === undefined
        ? null
        : {
            kind: sequence.kind,
            fields: sequence.fields,
            prefilter: sequence.prefilter,
            statement: sequence.statement,
            steps: [
              ...sequence.steps,
              ...(sequence.kind === "sequence" && sequence.until ? [sequence.until] : []),
            ].map((st) => ({
              fields: st.fields,
              prefilter: st.prefilter,
              verdicts: EVENTS.map((e) => st.matches(e)),
            })),
            keys: sequence.plan.filters.map((f) => f.keys.map((k) => k.path)),
          },
  };
}

let root: string;
let n = 0;
async function packDir(files: Record<string, string>): Promise<string> {
  const dir = join(root, `pack${n++}`);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

async function compile(dir: string, engine: string): Promise<number> {
  return (await writeCompiledRuleSet(dir, await listRuleFiles(dir), engine)).compiled;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "compiled-set-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const PACK = {
  "a-event.toml": toml("a", EVENT_Q, 'note = """Triage: look at the parent."""'),
  "b-sequence.toml": toml("b", SEQ_Q),
  "sub/c-cidr.toml": toml("c", CIDR_Q, 'from = "now-9m"'),
};

describe("a rule directory compiled at build time", () => {
  test("gives the same rules as a full load: data, fields, prefilter, verdicts, sequence", async () => {
    const dir = await packDir(PACK);
    assert.equal(await compile(dir, "engine-1"), 3);
    const full = await loadRuleSet(dir);
    const pre = await loadRuleSet(dir, { compiledEngine: "engine-1" });
    assert.equal(full.precompiled, 0);
    assert.equal(pre.precompiled, 3);
    assert.deepEqual(pre.rules.map(shape), full.rules.map(shape));
    // Keys in the loader's order too (JSON renderings of a rule stay the same).
    assert.deepEqual(
      pre.rules.map((r) => Object.keys(r)),
      full.rules.map((r) => Object.keys(r)),
    );
    assert.equal(pre.rules[0]!.file, join(dir, "a-event.toml"));
  });

  test("a predicate kept before its first call keeps giving the compiled verdicts", async () => {
    const dir = await packDir(PACK);
    await compile(dir, "e");
    const full = (await loadRuleSet(dir)).rules;
    const pre = (await loadRuleSet(dir, { compiledEngine: "e" })).rules;
    for (const [i, r] of pre.entries()) {
      const kept = r.compiled.matches;
      const steps = r.sequence?.steps.map((st) => st.matches) ?? [];
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(
          EVENTS.map((e) => kept(e)),
          EVENTS.map((e) => full[i]!.compiled.matches(e)),
        );
        for (const [j, m] of steps.entries()) {
          assert.deepEqual(
            EVENTS.map((e) => m(e)),
            EVENTS.map((e) => full[i]!.sequence!.steps[j]!.matches(e)),
          );
        }
      }
      // An event rule's own property now holds the compiled predicate, not the stub.
      if (r.sequence === undefined) assert.notEqual(r.compiled.matches, kept);
    }
  });

  test("a precompiled rule's AST is its query's", async () => {
    const dir = await packDir(PACK);
    await compile(dir, "e");
    const { rules } = await loadRuleSet(dir, { compiledEngine: "e" });
    for (const r of rules) assert.deepEqual(ruleAst(r), parseStatement(r.query));
    // Before and after the predicate's first (compiling) call.
    rules[0]!.compiled.matches(EVENTS[0]);
    assert.deepEqual(ruleAst(rules[0]!), parseStatement(rules[0]!.query));
  });

  test("a query whose AST JSON cannot carry (a number beyond double range) is parsed at load", async () => {
    const query = "process where process.pid == 1e999 or process.pid == 7";
    const dir = await packDir({ "big.toml": toml("big", query), "a.toml": PACK["a-event.toml"] });
    await compile(dir, "e");
    const art = JSON.parse(await readFile(join(dir, COMPILED_RULES_FILE), "utf8")) as {
      rules: { name: string; ast?: unknown }[];
    };
    assert.deepEqual(
      art.rules.map((r) => [r.name, r.ast !== undefined]),
      [
        ["a.toml", true],
        ["big.toml", false],
      ],
    );
    const set = await loadRuleSet(dir, { compiledEngine: "e" });
    assert.equal(set.precompiled, 2);
    const big = set.rules.find((r) => r.id === "big")!;
    assert.deepEqual(ruleAst(big), parseStatement(query));
    const value = (
      ruleAst(big).query as unknown as { condition: { operands: { value: { value: number } }[] } }
    ).condition.operands[0]!.value.value;
    assert.equal(value, Number.POSITIVE_INFINITY);
    assert.equal(big.compiled.matches({ event: { category: "process" }, process: { pid: 7 } }), true);
    assert.equal(big.compiled.matches({ event: { category: "process" }, process: { pid: 8 } }), false);
  });

  test("an event rule's AST is kept as JSON text, a sequence's as an object; either form, if malformed, falls back to parsing the query", async () => {
    const dir = await packDir(PACK);
    await compile(dir, "e");
    const path = join(dir, COMPILED_RULES_FILE);
    const art = JSON.parse(await readFile(path, "utf8")) as {
      rules: { name: string; ast?: unknown; event?: unknown }[];
    };
    const full = await loadRuleSet(dir);
    for (const r of art.rules) {
      const query = full.rules.find((x) => x.file.endsWith(r.name))!.query;
      const expected: unknown = JSON.parse(JSON.stringify(parseStatement(query)));
      if (r.event === undefined) assert.deepEqual(r.ast, expected, r.name);
      else {
        assert.equal(typeof r.ast, "string", r.name);
        assert.deepEqual(JSON.parse(r.ast as string), expected, r.name);
      }
    }
    assert.ok(art.rules.some((r) => r.event === undefined));
    const shapes = full.rules.map(shape);
    // The other form is read too (a text AST for a sequence, an object for an event rule).
    for (const r of art.rules) r.ast = typeof r.ast === "string" ? JSON.parse(r.ast) : JSON.stringify(r.ast);
    await writeFile(path, JSON.stringify(art));
    const swapped = await loadRuleSet(dir, { compiledEngine: "e" });
    assert.equal(swapped.precompiled, 3);
    for (const r of swapped.rules) assert.deepEqual(ruleAst(r), parseStatement(r.query));
    assert.deepEqual(swapped.rules.map(shape), shapes);
    for (const bad of ["{not json", "[1,2]", "null", "7", [1, 2], 7, null]) {
      for (const r of art.rules) r.ast = bad;
      await writeFile(path, JSON.stringify(art));
      const set = await loadRuleSet(dir, { compiledEngine: "e" });
      assert.equal(set.precompiled, 3, String(bad));
      for (const r of set.rules) assert.deepEqual(ruleAst(r), parseStatement(r.query), String(bad));
      assert.deepEqual(set.rules.map(shape), shapes, String(bad));
      const seq = set.rules.find((r) => r.sequence !== undefined)!;
      assert.ok(correlationSteps(seq) !== null, String(bad));
    }
  });

  test("a file edited after the build is loaded in full: its error names file:line:col", async () => {
    const dir = await packDir(PACK);
    await compile(dir, "e");
    const edited = toml("a", 'process where process.name : "curl" and\n  nosuchfunction(process.name)');
    await writeFile(join(dir, "a-event.toml"), edited);
    const set = await loadRuleSet(dir, { compiledEngine: "e", skipUnsupported: true });
    assert.equal(set.precompiled, 2);
    assert.equal(set.refused.length, 1);
    const lines = edited.split("\n");
    const line = lines.findIndex((l) => l.includes("nosuchfunction")) + 1;
    const col = lines[line - 1]!.indexOf("nosuchfunction") + 1;
    assert.ok(
      set.refused[0]!.message.startsWith(`${join(dir, "a-event.toml")}:${line}:${col}: unknown function`),
      set.refused[0]!.message,
    );
    await assert.rejects(loadRuleSet(dir, { compiledEngine: "e" }), RuleLoadError);
  });

  test("a file edited into another valid rule is the new rule, not the recorded one", async () => {
    const dir = await packDir(PACK);
    await compile(dir, "e");
    await writeFile(join(dir, "a-event.toml"), toml("a", 'process where process.name == "wget"'));
    const set = await loadRuleSet(dir, { compiledEngine: "e" });
    assert.equal(set.precompiled, 2);
    assert.deepEqual(
      set.rules[0]!.compiled.matches(EVENTS[2]),
      true,
      "the edited rule matches wget, the recorded one did not",
    );
  });

  test("a file added after the build is loaded in full; a rule that failed the build fails again", async () => {
    const dir = await packDir({ ...PACK, "d-bad.toml": toml("d", "process where (") });
    assert.equal(await compile(dir, "e"), 3);
    await writeFile(join(dir, "e-new.toml"), toml("e", 'file where file.path == "/etc/shadow"'));
    const set = await loadRuleSet(dir, { compiledEngine: "e", skipUnsupported: true });
    assert.equal(set.precompiled, 3);
    assert.deepEqual(
      set.rules.map((r) => r.id),
      ["a", "b", "e", "c"],
    );
    assert.equal(set.refused.length, 1);
    assert.match(set.refused[0]!.message, /d-bad\.toml:\d+:\d+: /);
  });

  test("is ignored for another engine, for non-default options, when absent or unreadable", async () => {
    const dir = await packDir(PACK);
    await compile(dir, "engine-1");
    const full = (await loadRuleSet(dir)).rules.map(shape);
    for (const options of [
      { compiledEngine: "engine-2" },
      { compiledEngine: "engine-1", ignoreAbove: 1024 },
    ]) {
      const set = await loadRuleSet(dir, options);
      assert.equal(set.precompiled, 0);
      assert.equal(set.rules.length, 3);
    }
    await writeFile(
      join(dir, COMPILED_RULES_FILE),
      '{"format": "edr-compiled-rules/1", "engine": "engine-1", "rul',
    );
    const set = await loadRuleSet(dir, { compiledEngine: "engine-1" });
    assert.equal(set.precompiled, 0);
    assert.deepEqual(set.rules.map(shape), full);
    await rm(join(dir, COMPILED_RULES_FILE));
    assert.equal((await loadRuleSet(dir, { compiledEngine: "engine-1" })).precompiled, 0);
  });

  test("a hostile artefact cannot replace a rule's prototype", async () => {
    const dir = await packDir({ "a.toml": PACK["a-event.toml"] });
    await compile(dir, "e");
    const path = join(dir, COMPILED_RULES_FILE);
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"rule":{', '"rule":{"__proto__":{"polluted":true},'));
    assert.ok((await readFile(path, "utf8")).includes("__proto__"));
    const set = await loadRuleSet(dir, { compiledEngine: "e" });
    assert.equal(set.precompiled, 1);
    const rule = set.rules[0]!;
    assert.equal(Object.getPrototypeOf(rule), Object.prototype);
    assert.equal((rule as unknown as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  test("long strings the file holds verbatim are read back from it; a bad place falls back to a full load", async () => {
    const dir = await packDir({ "a.toml": PACK["a-event.toml"] });
    await compile(dir, "e");
    const path = join(dir, COMPILED_RULES_FILE);
    const art = JSON.parse(await readFile(path, "utf8")) as {
      rules: { rule: Record<string, unknown>; slices?: Record<string, [number, number]> }[];
    };
    const entry = art.rules[0]!;
    assert.equal(entry.rule.query, null);
    const [at, n] = entry.slices!.query!;
    assert.equal(PACK["a-event.toml"].slice(at, at + n), `${EVENT_Q}\n`); // TOML keeps the last newline
    const full = (await loadRuleSet(dir)).rules.map(shape);
    assert.deepEqual((await loadRuleSet(dir, { compiledEngine: "e" })).rules.map(shape), full);
    entry.slices!.query = [at, PACK["a-event.toml"].length];
    await writeFile(path, JSON.stringify(art));
    const set = await loadRuleSet(dir, { compiledEngine: "e" });
    assert.equal(set.precompiled, 0);
    assert.deepEqual(set.rules.map(shape), full);
  });

  test("a sequence whose recorded steps do not match its query is compiled in full", async () => {
    const dir = await packDir({ "b.toml": PACK["b-sequence.toml"] });
    await compile(dir, "e");
    const path = join(dir, COMPILED_RULES_FILE);
    const art = JSON.parse(await readFile(path, "utf8")) as { rules: { steps?: unknown[] }[] };
    assert.equal(art.rules[0]!.steps?.length, 3);
    art.rules[0]!.steps!.pop();
    await writeFile(path, JSON.stringify(art));
    const set = await loadRuleSet(dir, { compiledEngine: "e" });
    assert.deepEqual(set.rules.map(shape), (await loadRuleSet(dir)).rules.map(shape));
  });

  test("the digest is of the file's text", async () => {
    // Non-ASCII text too: the digest is of its UTF-8 bytes, whichever digest call computes it.
    const wide = toml("w", 'process where process.name : "r\u00e9sum\u00e9\u{1F600}"');
    const dir = await packDir({ "a.toml": PACK["a-event.toml"], "w.toml": wide });
    assert.equal(await compile(dir, "e"), 2);
    const art = JSON.parse(await readFile(join(dir, COMPILED_RULES_FILE), "utf8")) as {
      rules: { name: string; sha256: string }[];
    };
    assert.deepEqual(
      art.rules.map((r) => [r.name, r.sha256]),
      [
        ["a.toml", createHash("sha256").update(PACK["a-event.toml"]).digest("hex")],
        ["w.toml", createHash("sha256").update(Buffer.from(wide, "utf8")).digest("hex")],
      ],
    );
    assert.equal((await loadRuleSet(dir, { compiledEngine: "e" })).precompiled, 2);
  });
});

describe("extras kept in the artefact (WriteCompiledOptions.extras, ruleExtras)", () => {
  // Something a reader derives from a rule: here its query's length and first word, per rule or step.
  const derive = (r: Rule): unknown => ({ length: r.query.length, head: r.query.trim().split(/\s/)[0] });
  const stepsOf = (r: Rule): Rule[] =>
    (correlationSteps(r) ?? []).map((s) => ({ ...r, query: s.text, compiled: s.compiled }));

  test("come back for each loaded rule and each step, as derived at build time", async () => {
    const dir = await packDir(PACK);
    const seen: string[] = [];
    await writeCompiledRuleSet(dir, await listRuleFiles(dir), "e", {
      extras: (r) => {
        seen.push(r.query);
        return derive(r);
      },
    });
    const { rules } = await loadRuleSet(dir, { compiledEngine: "e" });
    const seq = rules.find((r) => r.sequence !== undefined)!;
    // Three event queries' worth of calls for the sequence (two steps, the until), none for it whole.
    assert.equal(stepsOf(seq).length, 3);
    assert.ok(!seen.includes(seq.query));
    assert.equal(seen.length, 2 + 3);
    for (const r of rules.filter((x) => x.sequence === undefined)) assert.deepEqual(ruleExtras(r), derive(r));
    for (const s of stepsOf(seq)) assert.deepEqual(ruleExtras(s), derive(s));
    assert.equal(ruleExtras(seq), undefined);
  });

  test("are absent for a full load, for an edited file, and for a copy with another query", async () => {
    const dir = await packDir({ "a.toml": PACK["a-event.toml"], "b.toml": PACK["b-sequence.toml"] });
    await writeCompiledRuleSet(dir, await listRuleFiles(dir), "e", { extras: derive });
    for (const r of (await loadRuleSet(dir)).rules) assert.equal(ruleExtras(r), undefined);
    const [a] = (await loadRuleSet(dir, { compiledEngine: "e" })).rules;
    assert.notEqual(ruleExtras(a!), undefined);
    // A copy sharing the compiled query keeps it; one with another text does not.
    assert.deepEqual(ruleExtras({ ...a!, name: "renamed copy" }), derive(a!));
    assert.equal(ruleExtras({ ...a!, query: `${a!.query} and true` }), undefined);
    await writeFile(join(dir, "a.toml"), PACK["a-event.toml"].replace('"curl"', '"wget"'));
    await writeFile(join(dir, "b.toml"), PACK["b-sequence.toml"].replace("4444", "4445"));
    const edited = (await loadRuleSet(dir, { compiledEngine: "e" })).rules;
    assert.equal(edited.length, 2);
    for (const r of edited) assert.equal(ruleExtras(r), undefined);
    for (const s of stepsOf(edited[1]!)) assert.equal(ruleExtras(s), undefined);
  });

  test("a value JSON does not carry exactly, or a throw, keeps nothing; none are written without the option", async () => {
    const dir = await packDir({ "a.toml": PACK["a-event.toml"] });
    await writeCompiledRuleSet(dir, await listRuleFiles(dir), "e", { extras: () => ({ n: Number.NaN }) });
    const [a] = (await loadRuleSet(dir, { compiledEngine: "e" })).rules;
    assert.equal(ruleExtras(a!), undefined);
    // A writer that throws for a rule keeps nothing for it; the rule is still compiled.
    const thrown = await writeCompiledRuleSet(dir, await listRuleFiles(dir), "e", {
      extras: () => {
        throw new Error("cannot derive");
      },
    });
    assert.equal(thrown.compiled, 1);
    const [b] = (await loadRuleSet(dir, { compiledEngine: "e" })).rules;
    assert.equal((await loadRuleSet(dir, { compiledEngine: "e" })).precompiled, 1);
    assert.equal(ruleExtras(b!), undefined);
    await compile(dir, "e");
    const art = JSON.parse(await readFile(join(dir, COMPILED_RULES_FILE), "utf8")) as { rules: object[] };
    assert.ok(!("extras" in art.rules[0]!));
  });
});
