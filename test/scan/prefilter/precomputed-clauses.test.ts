/**
 * The prefilter clauses the build-time rule artefact carries (clauses.ts precomputedClauses,
 * src/rules/compiled-set.ts extras): a rule loaded from the artefact gets exactly the clauses
 * derivation gives, per rule and per correlation step; an entry that is not their shape, or a file
 * edited after the build, is derived as usual.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import {
  COMPILED_RULES_FILE,
  correlationSteps,
  listRuleFiles,
  loadRuleSet,
  type Rule,
  ruleExtras,
  writeCompiledRuleSet,
} from "../../../src/rules/index.ts";
import { precomputedClauses } from "../../../src/scan/index.ts";
import { ruleClauses, wholeValueClauses } from "../../../src/scan/prefilter/index.ts";
import { queryArb } from "./arbitraries.ts";

/** A TOML basic string (JSON's escapes are TOML's, but for DEL, which TOML wants escaped). */
const tomlString = (s: string): string => JSON.stringify(s).replace(/\u007f/g, "\\u007f");

const toml = (id: string, query: string): string =>
  [
    "[rule]",
    `name = "Rule ${id}"`,
    `description = "clauses ${id}"`,
    `rule_id = "${id}"`,
    'type = "eql"',
    'language = "eql"',
    'severity = "low"',
    "risk_score = 21",
    'index = ["logs-endpoint.events.*"]',
    `query = ${tomlString(query)}`,
    "",
  ].join("\n");

const EVENT_Q =
  'process where host.os.type == "linux" and event.type == "start" and process.name in~ ("netcat", "ncat", "socat") and process.args : "--exec"';
const SEQ_Q =
  'sequence by host.id [process where process.name == "wget" and process.args : "http*"] [file where file.path : "/tmp/*" and event.action == "creation"] until [process where event.type == "end"]';

/** The rule and, for a sequence or sample, each step as the scan's dispatch sees it. */
const views = (r: Rule): Rule[] =>
  r.sequence === undefined
    ? [r]
    : (correlationSteps(r) ?? []).map((s) => ({ ...r, query: s.text, compiled: s.compiled }));
const clausesOf = (r: Rule): unknown => [ruleClauses(r), wholeValueClauses(r)];

let root: string;
let n = 0;
async function pack(files: Record<string, string>, withClauses = true): Promise<string> {
  const dir = join(root, `pack${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeCompiledRuleSet(
    dir,
    await listRuleFiles(dir),
    "e",
    withClauses ? { extras: precomputedClauses } : {},
  );
  return dir;
}
/** The same directory loaded in full (clauses derived) and from its artefact. */
async function both(dir: string): Promise<{ full: readonly Rule[]; pre: readonly Rule[] }> {
  const full = (await loadRuleSet(dir, { skipUnsupported: true })).rules;
  const pre = (await loadRuleSet(dir, { compiledEngine: "e", skipUnsupported: true })).rules;
  return { full, pre };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "precomputed-clauses-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("prefilter clauses carried by the build-time artefact", () => {
  test("are the derived clauses, per rule and per step, and are the ones read", async () => {
    const dir = await pack({ "a.toml": toml("a", EVENT_Q), "b.toml": toml("b", SEQ_Q) });
    const { full, pre } = await both(dir);
    const f = full.flatMap(views);
    const p = pre.flatMap(views);
    assert.equal(p.length, 1 + 3);
    assert.deepEqual(p.map(clausesOf), f.map(clausesOf));
    for (const v of p) assert.equal((ruleExtras(v) as { format?: unknown } | undefined)?.format, "clauses/1");
    for (const v of f) assert.equal(ruleExtras(v), undefined);
    // Something to compare: the event rule has several clauses (one per strong conjunct).
    assert.ok((ruleClauses(p[0]!)?.length ?? 0) >= 2);
  });

  test("property: random event rules and sequences of them get the clauses derivation gives", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(queryArb, { minLength: 1, maxLength: 10 }), async (queries) => {
        const files: Record<string, string> = {};
        queries.forEach((q, i) => {
          files[`e${i}.toml`] = toml(`e${i}`, q);
        });
        for (let i = 0; i + 1 < queries.length; i += 2) {
          files[`s${i}.toml`] = toml(`s${i}`, `sequence [${queries[i]}] [${queries[i + 1]}]`);
        }
        const { full, pre } = await both(await pack(files));
        assert.deepEqual(
          pre.map((r) => r.file),
          full.map((r) => r.file),
        );
        const p = pre.flatMap(views);
        assert.deepEqual(p.map(clausesOf), full.flatMap(views).map(clausesOf));
        for (const v of p) assert.notEqual(ruleExtras(v), undefined, v.query);
      }),
      { numRuns: 8 },
    );
  });

  test("a malformed entry is ignored: the clauses are derived as usual", async () => {
    const dir = await pack({ "a.toml": toml("a", EVENT_Q), "b.toml": toml("b", SEQ_Q) });
    const path = join(dir, COMPILED_RULES_FILE);
    const art = JSON.parse(await readFile(path, "utf8")) as {
      rules: {
        name: string;
        extras?: Record<string, unknown>;
        steps?: { extras?: Record<string, unknown> }[];
      }[];
    };
    const a = art.rules.find((r) => r.name === "a.toml")!;
    const b = art.rules.find((r) => r.name === "b.toml")!;
    a.extras!.general = [[{ text: 7, caseInsensitive: false }]];
    // An own `__proto__` key, as JSON.parse makes one (an object literal would set the prototype).
    a.extras!.whole = [[JSON.parse('{"text":"nc","caseInsensitive":true,"__proto__":{"polluted":true}}')]];
    b.steps![0]!.extras!.format = "clauses/0";
    b.steps![1]!.extras!.whole = Array.from({ length: 9 }, () => [{ text: "many", caseInsensitive: false }]);
    b.steps![1]!.extras!.general = [[{ text: "x", caseInsensitive: false, valueStart: false }]];
    b.steps![2]!.extras!.whole = { 0: [] };
    b.steps![2]!.extras!.general = "null";
    await writeFile(path, JSON.stringify(art));
    const { full, pre } = await both(dir);
    assert.deepEqual(pre.flatMap(views).map(clausesOf), full.flatMap(views).map(clausesOf));
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  test("a well-formed entry is what the prefilter uses (the artefact is bound to its engine and files)", async () => {
    const dir = await pack({ "a.toml": toml("a", EVENT_Q) });
    const path = join(dir, COMPILED_RULES_FILE);
    const art = JSON.parse(await readFile(path, "utf8")) as { rules: { extras: Record<string, unknown> }[] };
    const stored = [[{ text: "recorded", caseInsensitive: true, field: "process.name", valueStart: true }]];
    art.rules[0]!.extras.whole = stored;
    art.rules[0]!.extras.general = null;
    await writeFile(path, JSON.stringify(art));
    const [a] = (await loadRuleSet(dir, { compiledEngine: "e" })).rules;
    assert.deepEqual(wholeValueClauses(a!), stored);
    assert.equal(ruleClauses(a!), null);
  });

  test("a file whose text changed after the build is derived afresh from its new text", async () => {
    const dir = await pack({ "a.toml": toml("a", EVENT_Q), "b.toml": toml("b", SEQ_Q) });
    const before = (await loadRuleSet(dir, { compiledEngine: "e" })).rules.flatMap(views).map(clausesOf);
    await writeFile(join(dir, "a.toml"), toml("a", EVENT_Q.replace('"socat"', '"telnet"')));
    await writeFile(join(dir, "b.toml"), toml("b", SEQ_Q.replace('"wget"', '"curl"')));
    const { full, pre } = await both(dir);
    const p = pre.flatMap(views);
    for (const v of p) assert.equal(ruleExtras(v), undefined);
    const now = p.map(clausesOf);
    assert.deepEqual(now, full.flatMap(views).map(clausesOf));
    assert.notDeepEqual(now[0], before[0]);
    assert.notDeepEqual(now[1], before[1]);
  });

  test("an artefact written without the clauses leaves them to derivation", async () => {
    const dir = await pack({ "a.toml": toml("a", EVENT_Q), "b.toml": toml("b", SEQ_Q) }, false);
    const { full, pre } = await both(dir);
    for (const v of pre.flatMap(views)) assert.equal(ruleExtras(v), undefined);
    assert.deepEqual(pre.flatMap(views).map(clausesOf), full.flatMap(views).map(clausesOf));
  });
});
