import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EqlUnsupportedError } from "../../src/eql/errors.ts";
import {
  builtinRulesDir,
  loadBuiltinRules,
  loadRules,
  parseRule,
  RuleLoadError,
} from "../../src/rules/index.ts";

const minimal = (over: Record<string, string> = {}, query = 'file where file.path == "/x"'): string => {
  const keys: Record<string, string> = {
    name: '"Test rule"',
    description: '"A rule for tests"',
    rule_id: '"11111111-1111-1111-1111-111111111111"',
    type: '"eql"',
    language: '"eql"',
    severity: '"medium"',
    risk_score: "47",
    ...over,
  };
  const body = Object.entries(keys)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n");
  return `[metadata]\ncreation_date = "2024/01/01"\nmaturity = "production"\n\n[rule]\n${body}\nquery = '''\n${query}\n'''\n`;
};

/** Runs `fn`, returning the error it throws (the test fails if it does not throw). */
async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

describe("loadRules", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "edr-rules-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (rel: string, text: string): Promise<string> => {
    const p = join(dir, rel);
    await mkdir(join(p, ".."), { recursive: true });
    await writeFile(p, text);
    return p;
  };

  test("the built-in seed rule loads with its metadata, threat mapping and compiled query", async () => {
    const rules = await loadBuiltinRules();
    assert.equal(rules.length, 1);
    const r = rules[0]!;
    assert.equal(r.id, "86aa8579-1526-4dff-97cd-3635eb0e0545");
    assert.equal(r.name, "NetworkManager Dispatcher Script Creation");
    assert.equal(r.severity, "low");
    assert.equal(r.riskScore, 21);
    assert.deepEqual(r.indices, [
      "logs-endpoint.events.file*",
      "endgame-*",
      "logs-sentinel_one_cloud_funnel.*",
    ]);
    assert.ok(r.tags.includes("OS: Linux"));
    assert.ok(r.note?.includes("Triage"));
    assert.ok(r.file.endsWith("network-manager-dispatcher-script-creation.toml"));
    assert.deepEqual(
      r.threat.map((t) => [t.tactic.id, t.tactic.name, (t.technique ?? []).map((x) => x.id)]),
      [
        ["TA0003", "Persistence", ["T1543", "T1574"]],
        ["TA0002", "Execution", ["T1059"]],
        ["TA0005", "Defense Evasion", []],
      ],
    );
    assert.deepEqual(r.threat[1]!.technique![0]!.subtechnique, [
      { id: "T1059.004", name: "Unix Shell", reference: "https://attack.mitre.org/techniques/T1059/004/" },
    ]);
    for (const t of r.threat)
      assert.match(t.tactic.reference ?? "", /^https:\/\/attack\.mitre\.org\/tactics\/TA\d{4}\/$/);
    assert.ok(r.compiled.fields.includes("file.path"));
    assert.equal(builtinRulesDir(), join(new URL("../../src/rules/", import.meta.url).pathname));
    const text = await readFile(r.file, "utf8");
    assert.match(text, /^integration = \["endpoint", "sentinel_one_cloud_funnel"\]$/m);
    assert.match(text, /^timestamp_override = "event\.ingested"$/m);
  });

  test("a directory is read recursively, *.toml only, in sorted order", async () => {
    const d = join(dir, "tree");
    await write("tree/b.toml", minimal({ rule_id: '"b"', name: '"B"' }));
    await write("tree/a/z.toml", minimal({ rule_id: '"az"', name: '"AZ"' }));
    await write("tree/a.toml", minimal({ rule_id: '"a"', name: '"A"' }));
    await write("tree/readme.md", "not a rule");
    await write("tree/.hidden.toml", "garbage [");
    const rules = await loadRules(d);
    assert.deepEqual(
      rules.map((r) => r.id),
      ["a", "az", "b"], // "a.toml" < "a/z.toml": '.' sorts before '/'
    );
  });

  test("symbolic links to rule files and directories are followed; a link loop is read once", async () => {
    await write("links/real/r.toml", minimal({ rule_id: '"linked"' }));
    await mkdir(join(dir, "links/root"), { recursive: true });
    await symlink(join(dir, "links/real/r.toml"), join(dir, "links/root/file-link.toml"));
    await symlink(join(dir, "links/root"), join(dir, "links/root/loop"));
    const rules = await loadRules(join(dir, "links/root"));
    assert.deepEqual(
      rules.map((r) => r.id),
      ["linked"],
    );
  });

  test("a single file and options.ignoreAbove", async () => {
    const f = await write("single.toml", minimal({}, 'file where file.path like "/x*"'));
    const [r] = await loadRules(f, { ignoreAbove: 5 });
    assert.equal(r!.compiled.matches({ event: { category: "file" }, file: { path: "/x123" } }), true);
    assert.equal(r!.compiled.matches({ event: { category: "file" }, file: { path: "/x1234" } }), false);
    await assert.rejects(loadRules(f, { ignoreAbove: -1 }), RangeError);
  });

  test("bad TOML names the file, line and column", async () => {
    const f = await write("bad/bad-toml.toml", '[rule]\nname = "x\n');
    const e = await thrown(() => loadRules(f));
    assert.ok(e instanceof RuleLoadError);
    assert.equal(e.file, f);
    assert.match(e.message, new RegExp(`^${escapeRe(f)}:2:\\d+: invalid TOML`));
  });

  test("missing required keys, wrong types and values each name the file and the key", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ name: "" }, /missing required key `rule\.name`/],
      [{ rule_id: "" }, /missing required key `rule\.rule_id`/],
      [{ description: "" }, /missing required key `rule\.description`/],
      [{ severity: '"urgent"' }, /`rule\.severity` must be one of low, medium, high, critical, got "urgent"/],
      [{ risk_score: "101" }, /`rule\.risk_score` must be an integer from 0 to 100/],
      [{ risk_score: '"21"' }, /`rule\.risk_score` must be an integer from 0 to 100, got string "21"/],
      [{ risk_score: "" }, /missing required key `rule\.risk_score`/],
      [{ type: '"query"' }, /rule type "query" is not supported: only EQL rules/],
      [{ type: '"threshold"' }, /rule type "threshold" is not supported/],
      [{ language: '"kuery"' }, /rule language "kuery" is not supported/],
      [{ name: "42" }, /`rule\.name` must be a string, got number 42/],
      [{ tags: '"x"' }, /`rule\.tags` must be an array of strings/],
    ];
    for (const [over, re] of cases) {
      const f = await write(`fields/${Object.keys(over)[0]}.toml`, minimal(over));
      const e = await thrown(() => loadRules(f));
      assert.ok(e instanceof RuleLoadError, String(e));
      assert.equal(e.file, f);
      assert.ok(e.message.startsWith(`${f}: `), e.message);
      assert.match(e.message, re);
    }
    const noRule = await write("fields/no-rule.toml", '[metadata]\nmaturity = "production"\n');
    assert.match((await thrown(() => loadRules(noRule))).message, /missing required table \[rule\]/);
  });

  test("a bad query reports the TOML file's line and column with a caret", async () => {
    const text = minimal({}, 'file where file.path == "/x" and\n  process.name : "a" | head 1');
    const f = await write("query/pipe.toml", text);
    const e = await thrown(() => loadRules(f));
    assert.ok(e instanceof RuleLoadError);
    assert.ok(e.cause instanceof EqlUnsupportedError);
    const lines = text.split("\n");
    const lineNo = lines.findIndex((l) => l.includes("| head")) + 1;
    const col = lines[lineNo - 1]!.indexOf("|") + 1;
    const [first, src, caret] = e.message.split("\n");
    assert.equal(
      first,
      `${f}:${lineNo}:${col}: pipes (\`| head\`) are not allowed in a rule's query (Kibana refuses them too): run the query ad hoc with \`edr-scan --query\``,
    );
    assert.equal(src, lines[lineNo - 1]);
    assert.equal(caret, `${" ".repeat(col - 1)}^`);
  });

  test("an error on the query's first line of a one-line query string keeps the file column", () => {
    const text =
      '[rule]\nname = "n"\ndescription = "d"\nrule_id = "r"\ntype = "eql"\nlanguage = "eql"\nseverity = "low"\nrisk_score = 1\nquery = "where true"\n';
    const e = (() => {
      try {
        parseRule(text, "one.toml");
      } catch (err) {
        return err as RuleLoadError;
      }
      assert.fail("expected an error");
    })();
    const [first, src, caret] = e.message.split("\n");
    assert.equal(
      first,
      "one.toml:9:10: expected an event category (e.g. `file`), `any`, `sequence` or `sample`, found `where`",
    );
    assert.equal(src, 'query = "where true"');
    assert.equal(caret, `${" ".repeat(9)}^`);
  });

  test("CRLF line endings and a byte-order mark do not shift query error positions", () => {
    const base = minimal({}, 'file where\n  a = "x"');
    const line = base.split("\n").findIndex((l) => l.includes('a = "x"')) + 1;
    for (const [label, text] of [
      ["crlf", base.replaceAll("\n", "\r\n")],
      ["bom", `\uFEFF${base}`],
    ] as const) {
      const e = (() => {
        try {
          parseRule(text, `${label}.toml`);
        } catch (err) {
          return err as RuleLoadError;
        }
        assert.fail("expected an error");
      })();
      assert.deepEqual(e.message.split("\n"), [
        `${label}.toml:${line}:5: \`=\` is not an EQL operator: use \`==\` (or \`:\`)`,
        '  a = "x"',
        "    ^",
      ]);
    }
  });

  test("duplicate rule ids across the set name both files", async () => {
    await write("dup/one.toml", minimal({ rule_id: '"same"' }));
    await write("dup/two.toml", minimal({ rule_id: '"same"' }));
    const e = await thrown(() => loadRules(join(dir, "dup")));
    assert.ok(e instanceof RuleLoadError);
    assert.equal(e.file, join(dir, "dup/two.toml"));
    assert.match(e.message, /duplicate rule_id "same" \(also in .*one\.toml\)/);
  });

  test("several failing files are all reported", async () => {
    await write("multi/a.toml", minimal({ type: '"query"' }));
    await write("multi/b.toml", minimal({}, "file where a == b"));
    await write("multi/c.toml", minimal({ rule_id: '"fine"' }));
    const e = await thrown(() => loadRules(join(dir, "multi")));
    assert.ok(e instanceof RuleLoadError);
    assert.equal(e.problems.length, 2);
    assert.match(e.message, /^2 rule files failed to load/);
    assert.match(e.message, /a\.toml: rule type "query"/);
    assert.match(e.message, /b\.toml:\d+:\d+: field-to-field comparison/);
  });

  test("an empty directory and a missing path are errors naming the path", async () => {
    await mkdir(join(dir, "empty"), { recursive: true });
    assert.match(
      (await thrown(() => loadRules(join(dir, "empty")))).message,
      /no rule files \(\*\.toml, \*\.ndjson Kibana exports\) found/,
    );
    const missing = join(dir, "nope");
    const e = await thrown(() => loadRules(missing));
    assert.ok(e instanceof RuleLoadError);
    assert.ok(e.message.startsWith(`${missing}: cannot read rules`));
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
