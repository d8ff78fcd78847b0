import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import { isRulesCommand, runRulesCommand } from "../../src/cli/rules-command.ts";

const toml = (id: string, query: string, tags = '["OS: Linux"]'): string =>
  `[metadata]\nmaturity = "production"\n\n[rule]\nname = "Rule ${id}"\ndescription = "d"\nrule_id = "${id}"\ntype = "eql"\nlanguage = "eql"\nseverity = "low"\nrisk_score = 21\ntags = ${tags}\nindex = ["logs-endpoint.events.*"]\nquery = '''\n${query}\n'''\n`;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => {
    out += d;
  });
  stderr.on("data", (d) => {
    err += d;
  });
  const code = await runRulesCommand(argv, { stdout, stderr });
  return { code, out, err };
}

describe("edr-scan rules check / list", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "edr-rules-cmd-"));
    await mkdir(join(dir, "pack"));
    await writeFile(join(dir, "pack/a.toml"), toml("a", 'process where process.name == "curl"'));
    await writeFile(
      join(dir, "pack/b.toml"),
      toml("b", 'file where file.path == "/etc/x"', '["OS: Windows"]'),
    );
    await writeFile(join(dir, "pack/c.toml"), toml("c", "process where process.name =="));
    await writeFile(join(dir, "pack/d.toml"), toml("d", "process where process.name == ("));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("only `rules check|list|--help` is a subcommand; a directory named rules is still an input", () => {
    assert.equal(isRulesCommand(["rules", "check", "x"]), true);
    assert.equal(isRulesCommand(["rules", "list"]), true);
    assert.equal(isRulesCommand(["rules"]), false);
    assert.equal(isRulesCommand(["rules", "logs/"]), false);
  });

  test("check prints one line per rule with its status, then totals by reason; exit 2 when any is refused", async () => {
    const { code, out } = await run(["rules", "check", join(dir, "pack")]);
    assert.equal(code, 2);
    const lines = out.split("\n");
    assert.match(lines.find((l) => l.includes("a.toml")) ?? "", /^loaded\s+\S+a\.toml\s+a\s+Rule a$/);
    assert.match(lines.find((l) => l.includes("c.toml")) ?? "", /^refused\s+\S+c\.toml\s+\S/);
    assert.match(out, /4 rules in 4 files: 2 loaded, 2 refused/);
    assert.match(out, /refused, by reason:\n\s+\d+ /);
  });

  test("check exits 0 when every selected rule loads; filters select by tag", async () => {
    const { code, out } = await run([
      "rules",
      "check",
      join(dir, "pack/a.toml"),
      join(dir, "pack/b.toml"),
      "--rule-filter",
      "tag:OS: Linux",
    ]);
    assert.equal(code, 0);
    assert.match(out, /2 rules in 2 files: 1 loaded, 0 refused, 1 filtered out/);
  });

  test("list prints id, severity, type, name, index and tags; ndjson on request; refused rules are reported on stderr", async () => {
    const text = await run(["rules", "list", join(dir, "pack")]);
    assert.match(
      text.out,
      /^a\s+low\s+eql\s+Rule a\n\s+index: logs-endpoint\.events\.\*\n\s+tags:\s+OS: Linux$/m,
    );
    assert.match(text.err, /2 rules could not be loaded/);
    const json = await run(["rules", "list", "--format", "ndjson", join(dir, "pack/a.toml")]);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.out.trim()), {
      id: "a",
      name: "Rule a",
      severity: "low",
      risk_score: 21,
      type: "eql",
      enabled: true,
      index: ["logs-endpoint.events.*"],
      tags: ["OS: Linux"],
      file: join(dir, "pack/a.toml"),
    });
  });

  test("a bad filter or a missing path is a usage error naming it", async () => {
    const bad = await run(["rules", "check", join(dir, "pack"), "--rule-filter", "colour:red"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /invalid --rule-filter "colour:red"/);
    const missing = await run(["rules", "check", join(dir, "nope")]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope: cannot read rules/);
  });
});
