/** `npm run build` produces a dist/ (cli.js, its chunks, rules/) whose cli.js behaves as the source CLI. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("npm run build, then node dist/cli.js scans like the source", () => {
  const b = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8", timeout: 120_000 });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /dist\/cli\.js +\d+(\.\d)? KiB/);
  const cli = join(root, "dist", "cli.js");
  assert.ok(readFileSync(cli, "utf8").startsWith("#!/usr/bin/env node\n"));
  assert.ok(existsSync(join(root, "dist", "rules")));
  assert.ok(readdirSync(join(root, "dist", "rules")).some((f) => f.endsWith(".toml")));

  const r = spawnSync(process.execPath, [cli, join("test", "fixtures", "cli", "defend_file_events.ndjson")], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    timeout: 60_000,
  });
  assert.equal(r.status, 1, r.stderr);
  const alerts = r.stdout.trim().split("\n");
  assert.equal(alerts.length, 1);
  assert.equal(JSON.parse(alerts[0]!).rule.id, "86aa8579-1526-4dff-97cd-3635eb0e0545");

  const v = spawnSync(process.execPath, [cli, "--version"], { cwd: root, encoding: "utf8" });
  assert.equal(v.status, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
});
