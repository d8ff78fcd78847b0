import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileQuery, parseStatement } from "../../src/eql/index.ts";
import {
  correlationSteps,
  parseKibanaExport,
  parseRule,
  queryRule,
  type Rule,
  RuleLoadError,
  ruleAst,
  ruleEventQuery,
} from "../../src/rules/index.ts";

const toml = (query: string, id = "22222222-2222-2222-2222-222222222222"): string =>
  [
    "[rule]",
    'name = "AST test"',
    'description = "ruleAst"',
    `rule_id = "${id}"`,
    'type = "eql"',
    'language = "eql"',
    'severity = "low"',
    "risk_score = 21",
    `query = '''\n${query}\n'''`,
    "",
  ].join("\n");

const EVENT = 'process where process.name : "curl" and process.args : "-o"';
const SEQUENCE =
  'sequence by host.id with maxspan=1m [process where process.name == "a"] [network where destination.port == 22]';

describe("ruleAst", () => {
  test("a loaded rule's AST is the statement of its query, the same object on every call", () => {
    const rule = parseRule(toml(EVENT), "r.toml");
    const ast = ruleAst(rule);
    assert.deepEqual(ast, parseStatement(rule.query));
    assert.equal(ruleAst(rule), ast);
    const q = ruleEventQuery(rule);
    assert.equal(q?.kind, "event-query");
    assert.equal(q?.category?.name, "process");
    assert.equal(q?.condition.kind, "and");
  });

  test("a sequence rule's AST is its sequence, and it has no event query", () => {
    const rule = parseRule(toml(SEQUENCE), "s.toml");
    const ast = ruleAst(rule);
    assert.equal(ast.query.kind, "sequence");
    // The statement the loader parsed and compiled from, not a second parse.
    assert.equal(ast, rule.sequence?.statement);
    assert.deepEqual(ast, parseStatement(rule.query));
    assert.equal(ruleEventQuery(rule), null);
  });

  test("a copy of a rule (exceptions, overrides added) shares the loaded AST", () => {
    const rule = parseRule(toml(EVENT), "r.toml");
    const copy: Rule = { ...rule, enabled: false };
    assert.equal(ruleAst(copy), ruleAst(rule));
  });

  test("a copy whose query was changed gets the AST of its own query, not the original's", () => {
    const rule = parseRule(toml(EVENT), "r.toml");
    const other = 'file where file.path == "/tmp/x"';
    const copy: Rule = { ...rule, query: other };
    assert.deepEqual(ruleAst(copy), parseStatement(other));
    assert.equal(ruleEventQuery(copy)?.category?.name, "file");
    // The original keeps its own.
    assert.equal(ruleEventQuery(rule)?.category?.name, "process");
  });

  test("a rule built by hand is parsed once, then remembered", () => {
    const query = "network where destination.port == 4444";
    const rule: Rule = {
      id: "hand",
      name: "hand",
      description: "",
      severity: "low",
      riskScore: 1,
      threat: [],
      tags: [],
      indices: [],
      references: [],
      falsePositives: [],
      query,
      file: "hand.toml",
      compiled: compileQuery(query),
    };
    const ast = ruleAst(rule);
    assert.deepEqual(ast, parseStatement(query));
    assert.equal(ruleAst(rule), ast);
  });

  test("a hand-built rule whose query does not parse throws the parser's error", () => {
    const rule = {
      ...parseRule(toml(EVENT), "r.toml"),
      query: "process where (",
      file: "bad.toml",
    };
    assert.throws(() => ruleAst(rule), /^EqlSyntaxError: bad\.toml:1:\d+:/);
  });

  test("Kibana export rules and --query rules carry their AST", () => {
    const line = JSON.stringify({
      rule_id: "k",
      name: "k",
      description: "k",
      type: "eql",
      language: "eql",
      query: SEQUENCE,
      severity: "low",
      risk_score: 1,
    });
    const rule = parseKibanaExport(line, "e.ndjson").rules[0]!.rule;
    assert.equal(ruleAst(rule).query.kind, "sequence");
    const ad = queryRule(`${EVENT} | head 3`).rule;
    assert.equal(ruleEventQuery(ad)?.category?.name, "process");
    assert.equal(ruleAst(ad).pipes[0]?.name, "head");
  });
});

describe("one parse per rule keeps every refusal", () => {
  test("a Kibana rule with a pipe is still refused by name", () => {
    const line = JSON.stringify({
      rule_id: "k",
      name: "k",
      description: "k",
      type: "eql",
      language: "eql",
      query: `${EVENT} | tail 2`,
      severity: "low",
      risk_score: 1,
    });
    const x = parseKibanaExport(line, "e.ndjson");
    assert.equal(x.rules.length, 0);
    assert.equal(x.problems.length, 1);
    assert.ok(x.problems[0] instanceof RuleLoadError);
    assert.match(x.problems[0]!.message, /pipes \(`\| tail`\) are not supported/);
  });

  test("an error deep in a TOML rule's query still names the file's line and column", () => {
    const query = 'process where\n  process.name == "x" and\n    nosuchfunction(process.name)';
    const text = toml(query);
    const e = (() => {
      try {
        parseRule(text, "deep.toml");
      } catch (err) {
        return err as RuleLoadError;
      }
      return assert.fail("expected a RuleLoadError");
    })();
    assert.ok(e instanceof RuleLoadError);
    // File coordinates, not the query's: the call sits on the file's line that holds it.
    const lines = text.split("\n");
    const lineNo = lines.findIndex((l) => l.includes("nosuchfunction")) + 1;
    const col = lines[lineNo - 1]!.indexOf("nosuchfunction") + 1;
    const [first, shown, caret] = e.message.split("\n");
    assert.equal(first, `deep.toml:${lineNo}:${col}: unknown function \`nosuchfunction\``);
    assert.equal(shown, lines[lineNo - 1]);
    assert.equal(caret, `${" ".repeat(col - 1)}^`);
  });
});

describe("correlationSteps", () => {
  const cases: { query: string; texts: string[] }[] = [
    {
      query:
        'sequence by host.id with maxspan=1m\n  [process where (process.name == "a" or process.name == "b")] by process.pid\n  [network where destination.port == 22 /* a ] in a comment */ ] by source.port',
      texts: [
        'process where (process.name == "a" or process.name == "b")',
        "network where destination.port == 22 /* a ] in a comment */ ",
      ],
    },
    {
      query:
        'sequence with maxspan=5s [file where file.path : "/tmp/*"] with runs=2 ![process where true] [process where process.args : ("-c", \n "-e")] until [process where event.type == "end"]',
      texts: [
        'file where file.path : "/tmp/*"',
        "process where true",
        'process where process.args : ("-c", \n "-e")',
        'process where event.type == "end"',
      ],
    },
    {
      query:
        'sample by host.id [process where ((process.pid > 1))] [dns where dns.question.name : "x" // ]\n]',
      texts: ["process where ((process.pid > 1))", 'dns where dns.question.name : "x" // ]\n'],
    },
  ];

  for (const [i, c] of cases.entries()) {
    test(`each step is its own query, without a parse (case ${i + 1})`, () => {
      const rule = parseRule(toml(c.query), "seq.toml");
      const steps = correlationSteps(rule);
      assert.ok(steps !== null);
      assert.deepEqual(
        steps.map((s) => s.text),
        c.texts,
      );
      const seq = rule.sequence!;
      const filters = seq.kind === "sequence" && seq.until !== null ? [...seq.steps, seq.until] : seq.steps;
      for (const [j, s] of steps.entries()) {
        // The step's AST is exactly what parsing its text gives, positions included.
        assert.deepEqual(s.statement, parseStatement(s.text));
        assert.equal(s.compiled, filters[j]);
        // A rule made of the step (as the scan's dispatch makes) gets that AST without parsing.
        const { sequence: _, ...plain } = rule;
        assert.equal(ruleAst({ ...plain, query: s.text, compiled: s.compiled }), s.statement);
      }
      assert.equal(correlationSteps(rule), steps);
    });
  }

  test("null for an event rule, and for a rule whose text is not what its sequence was compiled from", () => {
    assert.equal(correlationSteps(parseRule(toml(EVENT), "e.toml")), null);
    const rule = parseRule(toml(SEQUENCE), "s.toml");
    assert.equal(correlationSteps({ ...rule, query: `${SEQUENCE} ` }), null);
    assert.notEqual(correlationSteps(rule), null);
  });
});
