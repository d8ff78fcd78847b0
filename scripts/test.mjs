// Runs every test/**/*.test.ts through node's test runner with tsx as the loader.
// Node 20's `--test` does not expand globs and ignores .ts files by default, so a bare
// `node --test` would pass vacuously; we list the files ourselves and refuse to run none.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : collect("test");
if (files.length === 0) {
  console.error("no test files found under test/");
  process.exit(1);
}
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
const r = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--import",
    "./test/fast-check-seed.ts",
    "--test",
    "--test-concurrency=2",
    "--test-reporter=tap",
    ...files,
  ],
  { stdio: "inherit", env },
);
process.exit(r.status ?? 1);
